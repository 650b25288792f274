import GRDB
import GRDBSQLite
import PartnerModel

/// Computes partner snapshots as of a day: every ``Metric``, the latest
/// record of each certification and credential, milestone dates, the
/// latest custom attributes and the measures of a policy set
/// (``MeasurePlan``) — from events dated on or before that day only.
///
/// Partners are computed a chunk at a time (``chunkSize`` of them, in
/// ascending id order), each chunk with a few range queries over the
/// rollups — never one query per metric — so memory is bounded by the chunk,
/// not by the number of partners. Partners enrolled after the as-of day have
/// no snapshot.
///
/// ```swift
/// let calculator = SnapshotCalculator(store: store)
/// for snapshot in try calculator.snapshots(asOf: Day(parsing: "2026-10-31")) {
///     print(snapshot.partner.id, snapshot[.revenue12m] ?? 0)
/// }
/// ```
public struct SnapshotCalculator: Sendable {
    public let store: PartnerStore
    /// How many partners are computed together. Their running totals are
    /// all that is held (about 1.5 KB each); tests make it small to cross
    /// chunk boundaries, and a pipelined evaluation smaller so its first
    /// snapshots come sooner.
    public let chunkSize: Int

    public static let defaultChunkSize = 25_000
    /// The declared measures every snapshot carries (none by default).
    public let measures: MeasurePlan
    /// On PostgreSQL, partners (of ``chunkSize``) per events query: two
    /// queries' events are held in memory at once (about 100 bytes each).
    /// Tests make it small to cross group boundaries.
    package var postgresPartnersPerQuery = 500

    public init(store: PartnerStore, chunkSize: Int = SnapshotCalculator.defaultChunkSize, measures: MeasurePlan = .empty) {
        precondition(chunkSize > 0)
        self.store = store
        self.chunkSize = chunkSize
        self.measures = measures
    }

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
        try store.database.read { session in
            try forEachSnapshot(in: session, asOf: asOf, programs: programs, partnerIDs: partnerIDs, body)
        }
    }

    /// The same inside a transaction the caller holds on either engine
    /// (a run reads snapshots and writes its decisions in one).
    public func forEachSnapshot(in session: any SQLSession, asOf: Day, programs: [String]? = nil, partnerIDs: [String]? = nil,
                                _ body: (PartnerSnapshot) throws -> Void) throws {
        switch session {
        case let grdb as GRDBSession:
            try forEachSnapshot(in: grdb.db, asOf: asOf, programs: programs, partnerIDs: partnerIDs, body)
        case let postgres as PostgresSession:
            try forEachSnapshot(in: postgres, asOf: asOf, programs: programs, partnerIDs: partnerIDs, body)
        default:
            preconditionFailure("no snapshot reader for \(type(of: session))")
        }
    }

    /// The same, inside a transaction the caller already holds (an
    /// evaluation reads snapshots and writes its decisions in one). No
    /// statement is open while `body` runs, so it may write.
    public func forEachSnapshot(in db: Database, asOf: Day, programs: [String]? = nil, partnerIDs: [String]? = nil,
                                _ body: (PartnerSnapshot) throws -> Void) throws {
        let windows = Windows(asOf: asOf)
        // A few partners: their events through the (partnerNumber, day)
        // index. Many: the rollups (work in proportion to partners and
        // months, not events).
        let fromEvents = partnerIDs.map { $0.count <= 500 } ?? false
        let reader = fromEvents ? nil : try RollupReader(db, windows: windows, measures: measures)
        try forEachChunk(asOf: asOf, body) { after in
            try PartnerRow.page(db, programs: programs, partnerIDs: partnerIDs, enrolledBy: asOf, after: after, limit: chunkSize)
        } add: { chunk, tallies, accumulator, index in
            if let reader {
                try reader.add(db, &tallies, &accumulator, index)
            } else {
                let statement = try db.makeStatement(sql: """
                    SELECT \(Self.eventColumns) FROM event
                    WHERE partnerNumber IN (\(databaseQuestionMarks(count: chunk.count))) AND day <= ?
                    """)
                try statement.setArguments(StatementArguments(chunk.map(\.number) + [Int64(asOf.daysSinceEpoch)]))
                try Self.addEvents(statement.sqliteStatement, db, &tallies, &accumulator, index, windows)
            }
        }
    }
}

extension SnapshotCalculator {
    typealias Chunk = [(number: Int64, partner: Partner)]

    /// The loop both engines' snapshot readers share: `page` gives the next
    /// `chunkSize` partners after an id (in id order), `add` feeds the
    /// chunk's events, in (partner, day, id) order per kind, into their
    /// tallies and measure accumulator, and the chunk's snapshots go to
    /// `body` — with no statement open, so `body` may write.
    func forEachChunk(asOf: Day, _ body: (PartnerSnapshot) throws -> Void, page: (_ after: String?) throws -> Chunk,
                      add: (Chunk, inout [PartnerTally], inout MeasureAccumulator?, ChunkIndex) throws -> Void) throws {
        let windows = Windows(asOf: asOf)
        var after: String?
        while true {
            let chunk = try page(after)
            guard let last = chunk.last else { return }
            after = last.partner.id
            var tallies = chunk.map { PartnerTally(partner: $0.partner) }
            var accumulator = measures.isEmpty ? nil : MeasureAccumulator(plan: measures, asOf: asOf, partners: chunk.map(\.partner))
            try add(chunk, &tallies, &accumulator, ChunkIndex(numbers: chunk.map(\.number)))
            for (i, entry) in chunk.enumerated() {
                var snapshot = tallies[i].snapshot(partner: entry.partner, windows: windows)
                if let accumulator { snapshot.measures = accumulator.values(partner: i, catalogue: snapshot.values) }
                try body(snapshot)
            }
            if chunk.count < chunkSize { return }
        }
    }
}

/// Partner number → position in the chunk being computed.
struct ChunkIndex {
    /// The chunk's partner numbers, ascending.
    let sorted: [Int64]
    private let lowest: Int64
    /// Position by `number - lowest` (-1: not in the chunk) when the numbers
    /// are dense enough; otherwise a dictionary.
    private let dense: [Int32]
    private let sparse: [Int64: Int32]

    init(numbers: [Int64]) {
        sorted = numbers.sorted()
        lowest = sorted.first ?? 0
        let span = (sorted.last ?? 0) - lowest + 1
        if span <= Int64(numbers.count) * 8 + 1024 {
            var dense = [Int32](repeating: -1, count: Int(span))
            for (i, number) in numbers.enumerated() { dense[Int(number - lowest)] = Int32(i) }
            self.dense = dense
            sparse = [:]
        } else {
            dense = []
            sparse = Dictionary(uniqueKeysWithValues: numbers.enumerated().map { ($1, Int32($0)) })
        }
    }

    /// The position of this partner in the chunk, or nil.
    @inline(__always)
    func position(of number: Int64) -> Int? {
        if dense.isEmpty { return sparse[number].map(Int.init) }
        let offset = number &- lowest
        guard offset >= 0 && offset < Int64(dense.count) else { return nil }
        let position = dense[Int(offset)]
        return position < 0 ? nil : Int(position)
    }

    /// The chunk's numbers as ranges to scan: runs of numbers with small gaps
    /// (numbers inside a range but not in the chunk are skipped by ``position(of:)``).
    var ranges: [ClosedRange<Int64>] {
        var ranges: [ClosedRange<Int64>] = []
        guard var low = sorted.first else { return [] }
        var high = low
        for number in sorted.dropFirst() {
            if number - high > 32 {
                ranges.append(low...high)
                low = number
            }
            high = number
        }
        ranges.append(low...high)
        return ranges
    }
}

extension SnapshotCalculator {
    /// The event columns ``PartnerTally/add(kind:day:row:windows:)`` and
    /// ``feed(_:_:)`` read, in their order.
    static let eventColumns = "partnerNumber, day, kind, amount, product, territory, name, value, expires, id"

    /// Step `statement` (rows of ``eventColumns``, any kinds) and add each
    /// event of a partner of the chunk to its tally (the built-in kinds of
    /// `allowed`) and to the measures reading its kind.
    static func addEvents(_ s: OpaquePointer, _ db: Database, _ tallies: inout [PartnerTally],
                          _ accumulator: inout MeasureAccumulator?, _ index: ChunkIndex, _ windows: Windows,
                          only allowed: (EventKind) -> Bool = { _ in true }) throws {
        try forEachRow(s, db) {
            guard let position = index.position(of: sqlite3_column_int64(s, 0)),
                  let kindText = sqlite3_column_text(s, 2) else { return }
            let kindBytes = UnsafeBufferPointer(start: kindText, count: Int(sqlite3_column_bytes(s, 2)))
            let day = sqlite3_column_int(s, 1)
            let row = SQLiteEventRow(s)
            if let kind = EventKind(bytes: kindText, count: kindBytes.count), allowed(kind) {
                tallies[position].add(kind: kind, day: day, row: row, windows: windows)
            }
            if accumulator != nil, let slot = accumulator!.plan.kindSlot(bytes: kindBytes) {
                feed(row, day) { accumulator!.add(partner: position, kind: slot, $0) }
            }
        }
    }

    /// Step `s` to its end, calling `row` at each row; reset it after.
    @inline(__always)
    static func forEachRow(_ s: OpaquePointer, _ db: Database, _ row: () throws -> Void) throws {
        defer { sqlite3_reset(s) }
        while true {
            let code = sqlite3_step(s)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code, db) }
            try row()
        }
    }

    /// The measure event of a row, for `body`.
    @inline(__always)
    static func feed<Row: EventColumns>(_ row: Row, _ day: Int32, _ body: (MeasureEvent) -> Void) {
        var event = MeasureEvent(day: day, sequence: row.sequence)
        event.amount = row.amount
        event.product = row.product
        event.territory = row.territory
        event.name = row.name
        event.expires = row.expires
        if let number = row.valueNumber { event.number = number } else { event.text = row.valueText }
        body(event)
    }

    static func failure(_ code: Int32, _ db: Database) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
}

/// Adds a chunk of partners' tallies (and measures) from the rollups (``Rollups``):
///
/// 1. `event_month` rows up to the as-of month. A month that a window
///    bound cuts through (or the as-of month, unless the as-of day is its
///    last) is "split": its events are read one by one from `event`
///    through the (partnerNumber, day) index instead. Every other month
///    lies wholly inside or outside each window and is added whole.
/// 2. `event_detail` up to the as-of day, a kind at a time: the kinds the
///    catalogue reads one by one (deal registrations, certifications,
///    credentials, trainings, attributes) and those the measures read
///    (from the earliest day one of them needs).
/// 3. Logins, for measures that read them, from `event` partner by partner
///    through the (partnerNumber, day) index (logins are not copied to
///    `event_detail`: they are three quarters of all events).
///
/// The tables are keyed by (kind and) partner number, so a chunk is read as
/// a few ranges of them (``ChunkIndex/ranges``). The statements are
/// prepared once and reused for every chunk.
final class RollupReader {
    private let windows: Windows
    private let asOfMonth: Int32
    private let split: [Int32]
    private var firstDays: [Int32: Int32] = [:]
    private let months: Statement
    private let details: Statement
    /// Per kind only measures read: its rows with NULL for the columns they do not need.
    private let measureDetails: [Statement?]
    private let splitEvents: Statement
    private let logins: Statement?
    /// The kinds read from event_detail: their name, whether the catalogue
    /// reads them (as which kind), the measures' kind slot, the earliest day (exclusive).
    private let detailKinds: [(name: String, catalogue: EventKind?, slot: Int?, after: Int32)]
    private let loginSlot: Int?
    private let loginsAfter: Int32

    init(_ db: Database, windows w: Windows, measures: MeasurePlan) throws {
        windows = w
        asOfMonth = Rollups.monthIndex(ofDay: w.day)
        var split: [Int32] = []
        for bound in [w.month1, w.months3, w.months12, w.months24, w.days30, w.days90, w.day] {
            // A month is cut when the bound is not its last day.
            let month = Rollups.monthIndex(ofDay: bound)
            if Rollups.days(ofMonth: month).last != bound, !split.contains(month) { split.append(month) }
        }
        self.split = split
        months = try db.makeStatement(sql: """
            SELECT \(Rollups.monthColumns) FROM event_month WHERE partnerNumber BETWEEN ?1 AND ?2 AND month <= ?3
            """)
        details = try db.makeStatement(sql: """
            SELECT \(SnapshotCalculator.eventColumns) FROM event_detail
            WHERE kind = ?1 AND partnerNumber BETWEEN ?2 AND ?3 AND day > ?4 AND day <= ?5
            """)
        splitEvents = try db.makeStatement(sql: """
            SELECT \(SnapshotCalculator.eventColumns) FROM event WHERE partnerNumber = ?1 AND day >= ?2 AND day <= ?3
            """)
        var kinds = Rollups.catalogueDetailKinds.map { kind in
            (name: kind.name, catalogue: Optional(kind), slot: measures.kindSlot(kind.name), after: Int32.min)
        }
        for (slot, name) in measures.kinds.enumerated() where name != EventKind.login.name && !kinds.contains(where: { $0.name == name }) {
            kinds.append((name, nil, slot, measures.lowerBound(ofKind: slot, asOf: w.asOf)))
        }
        detailKinds = kinds
        // SQLite decodes every column a statement selects, for every row: a
        // kind only measures read selects just the fields they use.
        var measureDetails = [Statement?](repeating: nil, count: kinds.count)
        for (i, kind) in kinds.enumerated() where kind.catalogue == nil {
            let fields = measures.fields(ofKind: kind.slot!)
            func column(_ name: String, _ field: EventFields) -> String { fields.contains(field) ? name : "NULL" }
            measureDetails[i] = try db.makeStatement(sql: """
                SELECT partnerNumber, day, NULL, \(column("amount", .amount)), \(column("product", .product)), \(column("territory", .territory)),
                       \(column("name", .name)), \(column("value", .value)), \(column("expires", .expires)), id
                FROM event_detail WHERE kind = ?1 AND partnerNumber BETWEEN ?2 AND ?3 AND day > ?4 AND day <= ?5
                """)
        }
        self.measureDetails = measureDetails
        loginSlot = measures.kindSlot(EventKind.login.name)
        loginsAfter = loginSlot.map { measures.lowerBound(ofKind: $0, asOf: w.asOf) } ?? .max
        logins = loginSlot == nil ? nil : try db.makeStatement(sql: """
            SELECT \(SnapshotCalculator.eventColumns) FROM event
            WHERE partnerNumber = ?1 AND day > ?2 AND day <= ?3 AND kind = 'login'
            """)
    }

    func add(_ db: Database, _ tallies: inout [PartnerTally], _ accumulator: inout MeasureAccumulator?, _ index: ChunkIndex) throws {
        let w = windows
        // 1. Whole months; split ones are remembered as (partner number, month).
        var pending: [(number: Int64, month: Int32)] = []
        let s = months.sqliteStatement
        for range in index.ranges {
            sqlite3_bind_int64(s, 1, range.lowerBound)
            sqlite3_bind_int64(s, 2, range.upperBound)
            sqlite3_bind_int(s, 3, asOfMonth)
            try SnapshotCalculator.forEachRow(s, db) {
                let number = sqlite3_column_int64(s, 0)
                guard let position = index.position(of: number) else { return }
                let month = sqlite3_column_int(s, 1)
                if split.contains(month) {
                    pending.append((number, month))
                    return
                }
                tallies[position].addMonth(row: s, firstDay: firstDay(of: month), windows: w)
            }
        }

        // The split months' events of the kinds folded into event_month (the measures read theirs from event_detail).
        let e = splitEvents.sqliteStatement
        var none: MeasureAccumulator?
        for (number, month) in pending {
            let days = Rollups.days(ofMonth: month)
            sqlite3_bind_int64(e, 1, number)
            sqlite3_bind_int(e, 2, days.first)
            sqlite3_bind_int(e, 3, min(days.last, w.day))
            try SnapshotCalculator.addEvents(e, db, &tallies, &none, index, w, only: Rollups.isMonthly)
        }

        // 2. The detail events, a kind at a time.
        for (i, kind) in detailKinds.enumerated() where kind.catalogue != nil || accumulator != nil {
            let d = (measureDetails[i] ?? details).sqliteStatement
            for range in index.ranges {
                bindText(d, 1, kind.name)
                sqlite3_bind_int64(d, 2, range.lowerBound)
                sqlite3_bind_int64(d, 3, range.upperBound)
                sqlite3_bind_int(d, 4, kind.after)
                sqlite3_bind_int(d, 5, w.day)
                try SnapshotCalculator.forEachRow(d, db) {
                    guard let position = index.position(of: sqlite3_column_int64(d, 0)) else { return }
                    let day = sqlite3_column_int(d, 1)
                    let row = SQLiteEventRow(d)
                    if let catalogue = kind.catalogue { tallies[position].add(kind: catalogue, day: day, row: row, windows: w) }
                    if let slot = kind.slot, accumulator != nil {
                        SnapshotCalculator.feed(row, day) { accumulator!.add(partner: position, kind: slot, $0) }
                    }
                }
            }
        }

        // 3. Logins, for the measures that read them.
        if let logins, let slot = loginSlot, accumulator != nil {
            let l = logins.sqliteStatement
            for number in index.sorted {
                guard let position = index.position(of: number) else { continue }
                sqlite3_bind_int64(l, 1, number)
                sqlite3_bind_int(l, 2, loginsAfter)
                sqlite3_bind_int(l, 3, w.day)
                try SnapshotCalculator.forEachRow(l, db) {
                    SnapshotCalculator.feed(SQLiteEventRow(l), sqlite3_column_int(l, 1)) { accumulator!.add(partner: position, kind: slot, $0) }
                }
            }
        }
    }

    private func firstDay(of month: Int32) -> Int32 {
        if let known = firstDays[month] { return known }
        let first = Rollups.days(ofMonth: month).first
        firstDays[month] = first
        return first
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
