import Foundation
import GRDB
import GRDBSQLite
import PartnerModel

/// Per-partner rollups of the event history, kept up to date in the same
/// transaction as every event written through ``EventWriter`` (file imports
/// and ``PartnerStore/importEvents(_:)``), so that snapshots of all partners
/// read rollups instead of every event ever recorded.
///
/// - `event_month`: one row per partner and calendar month with the
///   high-volume kinds folded in — logins (count, first day), revenue (exact
///   sum, first day), deals won (count, exact value sum, first day), deals
///   lost (count) and the last day of any of them. `month` is
///   `year * 12 + month - 1`; sums are ``ExactSum`` partials (BLOB).
/// - `event_detail`: a copy of every event but logins, read one by one —
///   by the catalogue for deal registrations (territory and product are
///   checked against the partner's authorizations as they are when the
///   snapshot is taken), certifications and credentials (the latest record
///   as of the day), trainings (distinct modules) and attributes (latest
///   value); by declared measures for any kind they read (revenue and deals
///   too, since `rollups-v3`, and custom kinds). `id` is the event's id.
///   Since `rollups-v3` the table is clustered by `(kind, partnerNumber,
///   day, id)`: a kind's rows of a range of partner numbers are one range
///   of the table, each partner's in date order.
///
/// Events are append-only: rollups only ever grow, by merging (an UPSERT
/// that adds counts and exact sums and keeps the earliest and latest days).
enum Rollups {
    static let monthColumns = "partnerNumber, month, logins, firstLogin, revenue, firstRevenue, dealsWon, dealValueWon, firstDealWon, dealsLost, lastDay"

    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("rollups-v1") { db in
            try db.execute(sql: """
                CREATE TABLE event_month (
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    month INTEGER NOT NULL,
                    logins INTEGER NOT NULL,
                    firstLogin INTEGER,
                    revenue BLOB,
                    firstRevenue INTEGER,
                    dealsWon INTEGER NOT NULL,
                    dealValueWon BLOB,
                    firstDealWon INTEGER,
                    dealsLost INTEGER NOT NULL,
                    lastDay INTEGER NOT NULL,
                    PRIMARY KEY (partnerNumber, month)
                ) WITHOUT ROWID;
                CREATE TABLE event_detail (
                    id INTEGER PRIMARY KEY,
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    day INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    amount REAL,
                    product TEXT,
                    territory TEXT,
                    name TEXT,
                    value,
                    expires INTEGER
                );
                """)
            try backfill(db)
        }
        migrator.registerMigration("rollups-v2") { db in
            // Snapshots compute partners a chunk at a time and read each
            // chunk's detail rows by partner number: keep them clustered by
            // (partnerNumber, id), so a chunk's rows are one range of the
            // table, in the order they were stored.
            try db.execute(sql: """
                CREATE TABLE event_detail_v2 (
                    id INTEGER NOT NULL,
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    day INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    amount REAL,
                    product TEXT,
                    territory TEXT,
                    name TEXT,
                    value,
                    expires INTEGER,
                    PRIMARY KEY (partnerNumber, id)
                ) WITHOUT ROWID;
                INSERT INTO event_detail_v2 (id, partnerNumber, day, kind, amount, product, territory, name, value, expires)
                    SELECT id, partnerNumber, day, kind, amount, product, territory, name, value, expires FROM event_detail
                    ORDER BY partnerNumber, id;
                DROP TABLE event_detail;
                ALTER TABLE event_detail_v2 RENAME TO event_detail;
                """)
        }
        migrator.registerMigration("rollups-v3") { db in
            // Measures read any kind but logins event by event: copy revenue
            // and deals too (rebuilt from `event`, the source of truth), and
            // cluster by kind first, so a measure reads exactly its kind's
            // rows of a chunk of partners as one range.
            try db.execute(sql: """
                CREATE TABLE event_detail_v3 (
                    id INTEGER NOT NULL,
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    day INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    amount REAL,
                    product TEXT,
                    territory TEXT,
                    name TEXT,
                    value,
                    expires INTEGER,
                    PRIMARY KEY (kind, partnerNumber, day, id)
                ) WITHOUT ROWID;
                INSERT INTO event_detail_v3 (id, partnerNumber, day, kind, amount, product, territory, name, value, expires)
                    SELECT id, partnerNumber, day, kind, amount, product, territory, name, value, expires FROM event
                    WHERE kind <> 'login' ORDER BY kind, partnerNumber, day, id;
                DROP TABLE event_detail;
                ALTER TABLE event_detail_v3 RENAME TO event_detail;
                """)
        }
    }

    /// A database made before the rollups: fold in the events it holds.
    static func backfill(_ db: Database) throws {
        let rollups = try RollupWriter(db)
        var batch = EventBatch()
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, partnerNumber, day, kind, amount, currency, product, territory, name, value, expires FROM event ORDER BY id
            """)
        while let row = try rows.next() {
            let kindName: String = row[3]
            // A kind the host does not know was a declared custom kind when it was stored.
            let kind = EventKind(name: kindName) ?? .custom
            var event = StoredEvent(partnerNumber: row[1], day: row[2], kind: kind)
            if kind == .custom { event.customKind = kindName }
            event.amount = row[4]
            event.currency = row[5]
            event.product = row[6]
            event.territory = row[7]
            event.name = row[8]
            let value: DatabaseValue = row[9]
            switch value.storage {
            case .int64(let n): event.value = .number(Double(n))
            case .double(let n): event.value = .number(n)
            case .string(let text): event.value = .text(text)
            case .null, .blob: break
            }
            event.expires = row[10]
            batch.removeAll()
            batch.append(event)
            try batch.withText { try rollups.add(batch.rows[0], text: $0, id: row[0]) }
        }
        try rollups.flush()
    }

    /// `sum_merge(a, b)`: the ExactSum partials of a and b together (the
    /// rollup UPSERT merges revenue with it).
    static let sumMerge = DatabaseFunction("partnerscore_sum_merge", argumentCount: 2, pure: true) { values in
        var sum = ExactSum()
        for value in values {
            if case .blob(let data) = value.storage {
                data.withUnsafeBytes { sum.add(encoded: $0) }
            }
        }
        return sum.partials.isEmpty ? nil : Data(sum.encoded)
    }

    /// The kinds folded into `event_month`.
    static func isMonthly(_ kind: EventKind) -> Bool {
        switch kind {
        case .login, .revenue, .dealWon, .dealLost: true
        default: false
        }
    }

    /// The kinds copied into `event_detail`: all but logins (three quarters
    /// of all events, which no snapshot reads one by one but a login measure).
    static func isDetailed(_ kind: EventKind) -> Bool { kind != .login }

    /// The kinds the catalogue reads from `event_detail` (the others it reads from `event_month`).
    static let catalogueDetailKinds: [EventKind] = EventKind.allCases.filter { !isMonthly($0) && $0 != .custom }

    static func monthIndex(ofDay day: Int32) -> Int32 {
        let (y, m, _) = Day(daysSinceEpoch: day).components
        return Int32(y * 12 + m - 1)
    }

    /// First and last day of a month index.
    static func days(ofMonth month: Int32) -> (first: Int32, last: Int32) {
        let year = Int(month) / 12, m = Int(month) % 12 + 1
        let first = Day(year: year, month: m, day: 1)!
        return (first.daysSinceEpoch, first.daysSinceEpoch + Int32(Day.daysIn(month: m, year: year)) - 1)
    }
}

/// One partner-month of `event_month`, being accumulated.
struct MonthRollup {
    var logins: Int64 = 0
    var firstLogin = Int32.max
    var revenue = ExactSum()
    var firstRevenue = Int32.max
    var dealsWon: Int64 = 0
    var dealValueWon = ExactSum()
    var firstDealWon = Int32.max
    var dealsLost: Int64 = 0
    var lastDay = Int32.min
}

/// Maintains the rollups for events as they are stored: month rows are
/// accumulated in memory (bounded: flushed every `flushThreshold` distinct
/// partner-months) and merged into `event_month` by UPSERT; detail events
/// are copied in groups of ``EventWriter/rowsPerStatement``, one statement
/// execution per group.
final class RollupWriter {
    private let upsert: Statement
    private var detailInsert: EventInsert
    /// Partner-months in memory. An events file comes sorted by partner and
    /// day, so keys (partner number, month) mostly arrive in increasing
    /// order: those go to `ordered` (increasing keys, appended to), and only
    /// a key at or below its last one is looked up — in `ordered` by binary
    /// search, else in `scattered`. A key is never in both.
    private var ordered: [(key: Int64, month: MonthRollup)] = []
    private var scattered: [Int64: MonthRollup] = [:]
    private let flushThreshold: Int
    /// The month of the last day seen and its first and last days (events
    /// come mostly in runs of one partner's month).
    private var cachedMonth: Int32 = 0
    private var cachedFirst = Int32.max
    private var cachedLast = Int32.min
    /// The partner-month being added to, and where it goes back when the
    /// next one starts (events come in runs of one partner's month, so the
    /// stores above are touched once per run, not once per event).
    private var currentKey: Int64 = -1
    private var current = MonthRollup()
    private var currentHome = Home.appended

    private enum Home {
        case appended
        case ordered(Int)
        case scattered
    }
    /// Detail rows waiting for a full group, and their ids.
    private var details = EventBatch()
    private var detailIDs: [Int64] = []

    init(_ db: Database, flushThreshold: Int = 100_000) throws {
        self.flushThreshold = flushThreshold
        db.add(function: Rollups.sumMerge)
        upsert = try db.makeStatement(sql: """
            INSERT INTO event_month (\(Rollups.monthColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            ON CONFLICT (partnerNumber, month) DO UPDATE SET
                logins = logins + excluded.logins,
                firstLogin = min(coalesce(firstLogin, excluded.firstLogin), coalesce(excluded.firstLogin, firstLogin)),
                revenue = partnerscore_sum_merge(revenue, excluded.revenue),
                firstRevenue = min(coalesce(firstRevenue, excluded.firstRevenue), coalesce(excluded.firstRevenue, firstRevenue)),
                dealsWon = dealsWon + excluded.dealsWon,
                dealValueWon = partnerscore_sum_merge(dealValueWon, excluded.dealValueWon),
                firstDealWon = min(coalesce(firstDealWon, excluded.firstDealWon), coalesce(excluded.firstDealWon, firstDealWon)),
                dealsLost = dealsLost + excluded.dealsLost,
                lastDay = max(lastDay, excluded.lastDay)
            """)
        detailInsert = try EventInsert(db, table: "event_detail", currency: false, what: "an event's detail")
        details.reserve(EventWriter.rowsPerStatement)
    }

    /// Fold in an event just stored with this id (its text in `text`).
    func add(_ event: EventRow, text: UnsafeBufferPointer<UInt8>, id: Int64) throws {
        if Rollups.isDetailed(event.kind) {
            details.append(event, from: text)
            detailIDs.append(id)
            if details.count == EventWriter.rowsPerStatement { try writeDetails() }
        }
        guard Rollups.isMonthly(event.kind) else { return }
        if event.day < cachedFirst || event.day > cachedLast {
            cachedMonth = Rollups.monthIndex(ofDay: event.day)
            (cachedFirst, cachedLast) = Rollups.days(ofMonth: cachedMonth)
        }
        let key = event.partnerNumber &* 65_536 &+ Int64(cachedMonth)
        if key != currentKey {
            putCurrentBack()
            if key > (ordered.last?.key ?? -1) {
                // A new partner-month (scattered keys are all below the last ordered one).
                if ordered.count + scattered.count >= flushThreshold { try flushMonths() }
                current = MonthRollup()
                currentHome = .appended
            } else if let index = Self.search(ordered, key) {
                current = ordered[index].month
                currentHome = .ordered(index)
            } else {
                if let month = scattered[key] {
                    current = month
                } else {
                    if ordered.count + scattered.count >= flushThreshold { try flushMonths() }
                    current = MonthRollup()
                }
                currentHome = .scattered
            }
            currentKey = key
        }
        current.add(kind: event.kind, day: event.day, amount: event.hasAmount ? event.amount : 0)
    }

    /// Write the accumulated months and pending details (call before the transaction ends).
    func flush() throws {
        try writeDetails()
        try flushMonths()
    }

    private func putCurrentBack() {
        guard currentKey >= 0 else { return }
        switch currentHome {
        case .appended: ordered.append((currentKey, current))
        case .ordered(let index): ordered[index].month = current
        case .scattered: scattered[currentKey] = current
        }
        currentKey = -1
    }

    private static func search(_ ordered: [(key: Int64, month: MonthRollup)], _ key: Int64) -> Int? {
        var low = 0, high = ordered.count
        while low < high {
            let middle = (low + high) / 2
            if ordered[middle].key < key { low = middle + 1 } else { high = middle }
        }
        return low < ordered.count && ordered[low].key == key ? low : nil
    }

    private func flushMonths() throws {
        putCurrentBack()
        current = MonthRollup()
        let s = upsert.sqliteStatement
        func write(_ key: Int64, _ month: MonthRollup) throws {
            sqlite3_bind_int64(s, 1, key >> 16)
            sqlite3_bind_int64(s, 2, key & 0xFFFF)
            sqlite3_bind_int64(s, 3, month.logins)
            bindDay(s, 4, month.firstLogin)
            bindSum(s, 5, month.revenue)
            bindDay(s, 6, month.firstRevenue)
            sqlite3_bind_int64(s, 7, month.dealsWon)
            bindSum(s, 8, month.dealValueWon)
            bindDay(s, 9, month.firstDealWon)
            sqlite3_bind_int64(s, 10, month.dealsLost)
            sqlite3_bind_int(s, 11, month.lastDay)
            try step(s, "a monthly rollup")
        }
        // In key order (both stores merged): new partner-months then append
        // to event_month's b-tree instead of splitting pages all over it.
        let others = scattered.keys.sorted()
        var next = 0
        for (key, month) in ordered {
            while next < others.count && others[next] < key {
                try write(others[next], scattered[others[next]]!)
                next += 1
            }
            try write(key, month)
        }
        for key in others[next...] { try write(key, scattered[key]!) }
        ordered.removeAll(keepingCapacity: true)
        scattered.removeAll(keepingCapacity: true)
    }

    private func bindDay(_ s: OpaquePointer, _ index: Int32, _ day: Int32) {
        if day == .max { sqlite3_bind_null(s, index) } else { sqlite3_bind_int(s, index, day) }
    }

    private func bindSum(_ s: OpaquePointer, _ index: Int32, _ sum: ExactSum) {
        guard !sum.partials.isEmpty else { sqlite3_bind_null(s, index); return }
        let bytes = sum.encoded
        bytes.withUnsafeBytes { _ = sqlite3_bind_blob(s, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
    }

    private func writeDetails() throws {
        guard !details.rows.isEmpty else { return }
        try details.withText { text in
            try details.rows.withUnsafeBufferPointer { rows in
                try detailIDs.withUnsafeBufferPointer { ids in
                    try detailInsert.write(rows, text, ids: .given(ids))
                }
            }
        }
        details.removeAll()
        detailIDs.removeAll(keepingCapacity: true)
    }
}

extension MonthRollup {
    mutating func add(kind: EventKind, day: Int32, amount: Double) {
        if day > lastDay { lastDay = day }
        switch kind {
        case .login:
            logins += 1
            if day < firstLogin { firstLogin = day }
        case .revenue:
            revenue.add(amount)
            if day < firstRevenue { firstRevenue = day }
        case .dealWon:
            dealsWon += 1
            dealValueWon.add(amount)
            if day < firstDealWon { firstDealWon = day }
        case .dealLost:
            dealsLost += 1
        default:
            break
        }
    }
}

// MARK: - Binding helpers shared by the writers

func bindText(_ s: OpaquePointer, _ index: Int32, _ text: String?) {
    guard var text else { sqlite3_bind_null(s, index); return }
    text.withUTF8 { bytes in
        _ = sqlite3_bind_text(s, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                              Int32(bytes.count), SQLITE_TRANSIENT)
    }
}

/// Run a bound statement once; a failure is a `DatabaseError` with SQLite's
/// code, so a full disk or a held lock can be told apart (``PartnerStore/trouble(_:)``).
func step(_ s: OpaquePointer, _ what: @autoclosure () -> String) throws {
    let code = sqlite3_step(s)
    guard code == SQLITE_DONE else {
        let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(s)))
        sqlite3_reset(s)
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "could not store \(what()): \(message)",
                            sql: sqlite3_sql(s).map { String(cString: $0) })
    }
    sqlite3_reset(s)
}

extension EventKind {
    /// The kind's name as a C string that lives as long as the process.
    nonisolated(unsafe) private static let cNames: [UnsafePointer<CChar>] = allCases.map { UnsafePointer(strdup($0.name)!) }
    static func cName(_ kind: EventKind) -> UnsafePointer<CChar> { cNames[Int(kind.rawValue)] }
}
