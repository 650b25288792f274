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

            if let partnerIDs, partnerIDs.count <= 500 {
                // A few partners: their events through the (partnerNumber, day) index.
                let statement = try db.makeStatement(sql: """
                    SELECT \(Self.eventColumns) FROM event
                    WHERE partnerNumber IN (\(databaseQuestionMarks(count: partners.count))) AND day <= ?
                    """)
                try statement.setArguments(StatementArguments(partners.map(\.number) + [Int64(asOf.daysSinceEpoch)]))
                try Self.addEvents(statement, db, &tallies, indexByNumber, windows)
            } else {
                // Many partners: the rollups (work in proportion to partners
                // and months, not events).
                try Self.addFromRollups(db, &tallies, indexByNumber, windows)
            }
            for (index, entry) in partners.enumerated() {
                try body(tallies[index].snapshot(partner: entry.partner, windows: windows))
            }
        }
    }
}

extension SnapshotCalculator {
    /// The event columns ``PartnerTally/add(kind:day:row:windows:)`` reads, in its order.
    static let eventColumns = "partnerNumber, day, kind, amount, product, territory, name, value, expires"

    /// Step `statement` (rows of ``eventColumns``) and add each event of a
    /// chosen partner — of the kinds `only` allows — to its tally.
    static func addEvents(_ statement: Statement, _ db: Database, _ tallies: inout [PartnerTally],
                          _ indexByNumber: [Int32], _ windows: Windows,
                          only allowed: (EventKind) -> Bool = { _ in true }) throws {
        let s = statement.sqliteStatement
        defer { sqlite3_reset(s) }
        while true {
            let code = sqlite3_step(s)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw failure(code, db) }
            let number = Int(sqlite3_column_int64(s, 0))
            guard number < indexByNumber.count else { continue }
            let index = Int(indexByNumber[number])
            guard index >= 0 else { continue }
            guard let kindText = sqlite3_column_text(s, 2),
                  let kind = EventKind(bytes: kindText, count: Int(sqlite3_column_bytes(s, 2))), allowed(kind) else { continue }
            tallies[index].add(kind: kind, day: sqlite3_column_int(s, 1), row: s, windows: windows)
        }
    }

    static func failure(_ code: Int32, _ db: Database) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }

    /// All chosen partners' tallies from the rollups (``Rollups``):
    ///
    /// 1. `event_month` rows up to the as-of month. A month that a window
    ///    bound cuts through (or the as-of month, unless the as-of day is its
    ///    last) is "split": its events are read one by one from `event`
    ///    through the (partnerNumber, day) index instead. Every other month
    ///    lies wholly inside or outside each window and is added whole.
    /// 2. `event_detail` (deal registrations, certifications, credentials,
    ///    trainings, attributes) up to the as-of day, one by one, in the
    ///    order they were stored.
    static func addFromRollups(_ db: Database, _ tallies: inout [PartnerTally], _ indexByNumber: [Int32],
                               _ w: Windows) throws {
        let asOfMonth = Rollups.monthIndex(ofDay: w.day)
        var split: [Int32] = []
        for bound in [w.month1, w.months3, w.months12, w.months24, w.days30, w.days90, w.day] {
            // A month is cut when the bound is not its last day.
            let month = Rollups.monthIndex(ofDay: bound)
            if Rollups.days(ofMonth: month).last != bound, !split.contains(month) { split.append(month) }
        }
        var firstDays: [Int32: Int32] = [:]

        // 1. Whole months; split ones are remembered as (partner number, month).
        var pending: [(number: Int64, month: Int32)] = []
        let months = try db.makeStatement(sql: "SELECT \(Rollups.monthColumns) FROM event_month WHERE month <= ?")
        try months.setArguments([asOfMonth])
        let s = months.sqliteStatement
        defer { sqlite3_reset(s) }
        while true {
            let code = sqlite3_step(s)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw failure(code, db) }
            let number = sqlite3_column_int64(s, 0)
            guard number < indexByNumber.count else { continue }
            let index = Int(indexByNumber[Int(number)])
            guard index >= 0 else { continue }
            let month = sqlite3_column_int(s, 1)
            if split.contains(month) {
                pending.append((number, month))
                continue
            }
            let firstDay: Int32
            if let known = firstDays[month] { firstDay = known } else {
                firstDay = Rollups.days(ofMonth: month).first
                firstDays[month] = firstDay
            }
            tallies[index].addMonth(row: s, firstDay: firstDay, windows: w)
        }

        // The split months' events of the kinds folded into event_month.
        if !pending.isEmpty {
            let events = try db.makeStatement(sql: """
                SELECT \(eventColumns) FROM event WHERE partnerNumber = ? AND day >= ? AND day <= ?
                """)
            for (number, month) in pending {
                let days = Rollups.days(ofMonth: month)
                try events.setArguments([number, days.first, min(days.last, w.day)])
                try addEvents(events, db, &tallies, indexByNumber, w, only: Rollups.isMonthly)
            }
        }

        // 2. The detail events.
        let details = try db.makeStatement(sql: "SELECT \(eventColumns) FROM event_detail WHERE day <= ?")
        try details.setArguments([w.day])
        try addEvents(details, db, &tallies, indexByNumber, w)
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
