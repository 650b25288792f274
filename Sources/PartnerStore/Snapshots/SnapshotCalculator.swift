import GRDB
import GRDBSQLite
import PartnerModel

/// Computes partner snapshots as of a day: every ``Metric``, the latest
/// record of each certification and credential, milestone dates and the
/// latest custom attributes — from events dated on or before that day only.
///
/// All partners are computed together in one pass over the events (one
/// query, not one per partner or metric), in a single read transaction.
/// Partners enrolled after the as-of day have no snapshot.
///
/// ```swift
/// let calculator = SnapshotCalculator(store: store)
/// for snapshot in try calculator.snapshots(asOf: Day(parsing: "2026-10-31")) {
///     print(snapshot.partner.id, snapshot[.revenue12m] ?? 0)
/// }
/// ```
public struct SnapshotCalculator: Sendable {
    public let store: PartnerStore

    public init(store: PartnerStore) { self.store = store }

    /// The snapshots of the chosen partners (all when both filters are nil),
    /// in ascending partner id order.
    public func snapshots(asOf: Day, programs: [String]? = nil, partnerIDs: [String]? = nil) throws -> [PartnerSnapshot] {
        var snapshots: [PartnerSnapshot] = []
        try forEachSnapshot(asOf: asOf, programs: programs, partnerIDs: partnerIDs) { snapshots.append($0) }
        return snapshots
    }

    /// Visit the snapshots of the chosen partners in ascending partner id order.
    public func forEachSnapshot(asOf: Day, programs: [String]? = nil, partnerIDs: [String]? = nil,
                                _ body: (PartnerSnapshot) throws -> Void) throws {
        try store.writer.read { db in
            try forEachSnapshot(in: db, asOf: asOf, programs: programs, partnerIDs: partnerIDs, body)
        }
    }

    /// The same, inside a transaction the caller already holds (an
    /// evaluation reads snapshots and writes its decisions in one).
    public func forEachSnapshot(in db: Database, asOf: Day, programs: [String]? = nil, partnerIDs: [String]? = nil,
                                _ body: (PartnerSnapshot) throws -> Void) throws {
        do {
            var partners: [(number: Int64, partner: Partner)] = []
            try PartnerRow.forEach(db, programs: programs, partnerIDs: partnerIDs) { entry in
                if entry.partner.enrolled <= asOf { partners.append(entry) }
            }
            guard !partners.isEmpty else { return }
            let windows = Windows(asOf: asOf)
            var tallies = partners.map { PartnerTally(partner: $0.partner) }
            // Partner number → index in `partners` (-1: not asked for).
            let maxNumber = Int(partners.map(\.number).max()!)
            var indexByNumber = [Int32](repeating: -1, count: maxNumber + 1)
            for (index, entry) in partners.enumerated() { indexByNumber[Int(entry.number)] = Int32(index) }

            let columns = "partnerNumber, day, kind, amount, product, territory, name, value, expires"
            let statement: Statement
            if let partnerIDs, partnerIDs.count <= 500 {
                // A few partners: their events through the (partnerNumber, day) index.
                statement = try db.makeStatement(sql: """
                    SELECT \(columns) FROM event
                    WHERE partnerNumber IN (\(databaseQuestionMarks(count: partners.count))) AND day <= ?
                    """)
                try statement.setArguments(StatementArguments(partners.map(\.number) + [Int64(asOf.daysSinceEpoch)]))
            } else {
                // Many partners: one sequential scan of the table.
                statement = try db.makeStatement(sql: "SELECT \(columns) FROM event WHERE day <= ?")
                try statement.setArguments([asOf.daysSinceEpoch])
            }
            let s = statement.sqliteStatement
            defer { sqlite3_reset(s) }
            while true {
                let code = sqlite3_step(s)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                let number = Int(sqlite3_column_int64(s, 0))
                guard number <= maxNumber else { continue }
                let index = Int(indexByNumber[number])
                guard index >= 0 else { continue }
                guard let kindText = sqlite3_column_text(s, 2),
                      let kind = EventKind(bytes: kindText, count: Int(sqlite3_column_bytes(s, 2))) else { continue }
                tallies[index].add(kind: kind, day: sqlite3_column_int(s, 1), row: s, windows: windows)
            }
            for (index, entry) in partners.enumerated() {
                try body(tallies[index].snapshot(partner: entry.partner, windows: windows))
            }
        }
    }
}

/// The exclusive lower bounds of the metric windows as of a day: an event
/// on day `d` is in the window when `bound < d <= asOf`.
struct Windows {
    let asOf: Day
    let day: Int32
    let month1, months3, months12, months24, days30, days90: Int32

    init(asOf: Day) {
        self.asOf = asOf
        day = asOf.daysSinceEpoch
        month1 = asOf.adding(months: -1).daysSinceEpoch
        months3 = asOf.adding(months: -3).daysSinceEpoch
        months12 = asOf.adding(months: -12).daysSinceEpoch
        months24 = asOf.adding(months: -24).daysSinceEpoch
        days30 = day - 30
        days90 = day - 90
    }
}
