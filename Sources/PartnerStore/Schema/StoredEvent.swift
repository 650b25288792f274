import Foundation
import GRDB
import GRDBSQLite
import PartnerModel

/// An event kind as stored in `event.kind`: a built-in kind, or `custom`
/// for a kind a policy declares (its name travels with the event).
enum EventKind: UInt8, CaseIterable, Sendable {
    case revenue, dealRegistered, dealWon, dealLost, certification, training, login, credential, attribute
    case custom

    /// A built-in kind's name ("custom" for the others, whose names the events carry).
    var name: String { self == .custom ? "custom" : ActivityEvent.Kind.names[Int(rawValue)] }

    /// The built-in kind named `name`.
    init?(name: String) {
        guard let index = ActivityEvent.Kind.names.firstIndex(of: name) else { return nil }
        self.init(rawValue: UInt8(index))
    }

    /// Recognise a stored kind from its UTF-8 bytes without making a String.
    init?(bytes: UnsafePointer<UInt8>, count: Int) {
        func equals(_ text: StaticString) -> Bool {
            text.utf8CodeUnitCount == count && memcmp(bytes, text.utf8Start, count) == 0
        }
        switch bytes[0] {
        case UInt8(ascii: "l") where equals("login"): self = .login
        case UInt8(ascii: "r") where equals("revenue"): self = .revenue
        case UInt8(ascii: "t") where equals("training"): self = .training
        case UInt8(ascii: "a") where equals("attribute"): self = .attribute
        case UInt8(ascii: "c") where equals("certification"): self = .certification
        case UInt8(ascii: "c") where equals("credential"): self = .credential
        case UInt8(ascii: "d") where equals("deal_registered"): self = .dealRegistered
        case UInt8(ascii: "d") where equals("deal_won"): self = .dealWon
        case UInt8(ascii: "d") where equals("deal_lost"): self = .dealLost
        default: return nil
        }
    }
}

/// One row of the `event` table, checked.
struct StoredEvent: Sendable {
    var partnerNumber: Int64
    var day: Int32
    var kind: EventKind
    /// A custom kind's name.
    var customKind: String?
    var amount: Double?
    var currency: String?
    var product: String?
    var territory: String?
    var name: String?
    var value: AttributeValue?
    var expires: Int32?

    init(partnerNumber: Int64, day: Int32, kind: EventKind) {
        self.partnerNumber = partnerNumber
        self.day = day
        self.kind = kind
    }

    /// The row for event `index` (0-based) of a batch given as values;
    /// refuses unknown partners, negative amounts, empty names and custom
    /// kinds that `kinds` does not hold, naming the index and the field.
    init(_ event: ActivityEvent, numbers: [String: Int64], kinds: EventKinds, index: Int) throws {
        func refusal(_ message: String, field: String, hint: String) -> PartnerStoreError {
            var error = PartnerStoreError(message, field: field, hint: hint)
            error.index = index
            error.code = "invalid_event"
            return error
        }
        guard let number = numbers[event.partnerID] else {
            var error = refusal("unknown partner '\(event.partnerID)'", field: "partner_id", hint: "import the partner before its events")
            error.isUnknownReference = true
            throw error
        }
        func amount(_ value: Double) throws -> Double {
            guard value.isFinite, value >= 0, value <= ImportRecord.largestAmount else {
                throw refusal("amount \(value) must be a number from 0 to 10^15", field: "amount",
                              hint: "record refunds and losses as their own events, not negative amounts")
            }
            return value
        }
        func required(_ text: String, _ field: String) throws -> String {
            guard !text.isEmpty else { throw refusal("a \(event.kindName) event needs a \(field)", field: field, hint: "fill in the \(field)") }
            return text
        }
        func optional(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        guard let kind = kinds.kind(named: event.kindName) else {
            throw refusal("unknown event kind '\(event.kindName)'", field: "kind", hint: kinds.hint(for: event.kindName))
        }
        self.init(partnerNumber: number, day: event.date.daysSinceEpoch, kind: kind)
        switch event.kind {
        case let .revenue(value, currency, product):
            self.amount = try amount(value)
            self.currency = try required(currency, "currency")
            self.product = try required(product, "product")
        case let .dealRegistered(territory, product, value):
            self.territory = try required(territory, "territory")
            self.product = try required(product, "product")
            self.amount = try amount(value)
        case let .dealWon(value, product, territory), let .dealLost(value, product, territory):
            self.amount = try amount(value)
            self.product = optional(product)
            self.territory = optional(territory)
        case let .certificationEarned(name, expires), let .credential(name, expires):
            self.name = try required(name, "name")
            self.expires = expires?.daysSinceEpoch
        case let .trainingCompleted(module):
            self.name = try required(module, "name")
        case .portalLogin:
            break
        case let .attribute(name, value):
            self.name = try required(name, "name")
            self.value = value
        case let .custom(name, fields):
            customKind = name
            self.amount = try fields.amount.map(amount)
            currency = optional(fields.currency)
            product = optional(fields.product)
            territory = optional(fields.territory)
            self.name = optional(fields.name)
            value = fields.value
        }
    }
}

/// Where a text lies in an ``EventBatch``'s text bytes; `count < 0` for NULL.
struct TextRef: Sendable {
    var offset: Int32
    var count: Int32
    static let none = TextRef(offset: 0, count: -1)
    var isNull: Bool { count < 0 }
}

/// One event as the writer binds it: plain values and text positions, no
/// reference-counted fields, so batches of them move between threads and
/// into SQLite without retains, releases or copies of Strings.
struct EventRow: Sendable {
    var partnerNumber: Int64
    var amount: Double = 0
    /// An attribute's number (`valueKind == 1`).
    var number: Double = 0
    var day: Int32
    /// `Int32.min`: none.
    var expires: Int32 = .min
    var currency = TextRef.none, product = TextRef.none, territory = TextRef.none, name = TextRef.none
    /// An attribute's text (`valueKind == 2`).
    var valueText = TextRef.none
    /// A custom kind's name (NULL for the built-in kinds).
    var customKind = TextRef.none
    var kind: EventKind
    var hasAmount = false
    /// 0 no value, 1 number, 2 text.
    var valueKind: UInt8 = 0

    init(partnerNumber: Int64, day: Int32, kind: EventKind) {
        self.partnerNumber = partnerNumber
        self.day = day
        self.kind = kind
    }
}

/// Checked events ready to write: rows and the bytes of their text.
struct EventBatch: Sendable {
    var rows: [EventRow] = []
    var text: [UInt8] = []

    var count: Int { rows.count }

    mutating func removeAll() {
        rows.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
    }

    mutating func reserve(_ rows: Int) {
        self.rows.reserveCapacity(rows)
        text.reserveCapacity(rows * 16)
    }

    mutating func store(_ text: String?) -> TextRef {
        guard var text else { return .none }
        let offset = Int32(self.text.count)
        text.withUTF8 { self.text.append(contentsOf: $0) }
        return TextRef(offset: offset, count: Int32(self.text.count) - offset)
    }

    mutating func store(_ bytes: UnsafeBufferPointer<UInt8>, _ ref: TextRef) -> TextRef {
        guard !ref.isNull else { return .none }
        let offset = Int32(text.count)
        text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[Int(ref.offset)..<Int(ref.offset + ref.count)]))
        return TextRef(offset: offset, count: ref.count)
    }

    mutating func append(_ event: StoredEvent) {
        var row = EventRow(partnerNumber: event.partnerNumber, day: event.day, kind: event.kind)
        row.customKind = store(event.customKind)
        if let amount = event.amount {
            row.amount = amount
            row.hasAmount = true
        }
        row.currency = store(event.currency)
        row.product = store(event.product)
        row.territory = store(event.territory)
        row.name = store(event.name)
        switch event.value {
        case .number(let n)?:
            row.valueKind = 1
            row.number = n
        case .text(let t)?:
            row.valueKind = 2
            row.valueText = store(t)
        case nil:
            break
        }
        row.expires = event.expires ?? .min
        rows.append(row)
    }

    /// Append a row of another batch whose text is `bytes`.
    mutating func append(_ row: EventRow, from bytes: UnsafeBufferPointer<UInt8>) {
        var row = row
        row.currency = store(bytes, row.currency)
        row.product = store(bytes, row.product)
        row.territory = store(bytes, row.territory)
        row.name = store(bytes, row.name)
        row.valueText = store(bytes, row.valueText)
        row.customKind = store(bytes, row.customKind)
        rows.append(row)
    }

    /// The text bytes for binding (a valid pointer even when there are none).
    func withText<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if text.isEmpty {
            let empty: [UInt8] = [0]
            return try empty.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<0])) }
        }
        return try text.withUnsafeBufferPointer(body)
    }
}

/// Binds a statement's parameters through SQLite's C API, skipping a NULL
/// for a parameter that holds NULL already (a reset keeps the bindings):
/// most columns of most events are NULL, so most of those calls go.
struct Parameters {
    let s: OpaquePointer
    private var isNull: [Bool]

    init(_ statement: Statement) {
        s = statement.sqliteStatement
        isNull = Array(repeating: true, count: Int(sqlite3_bind_parameter_count(s)) + 1)
    }

    @inline(__always) mutating func null(_ i: Int32) {
        if !isNull[Int(i)] {
            sqlite3_bind_null(s, i)
            isNull[Int(i)] = true
        }
    }

    @inline(__always) mutating func int64(_ i: Int32, _ value: Int64) {
        sqlite3_bind_int64(s, i, value)
        isNull[Int(i)] = false
    }

    @inline(__always) mutating func int32(_ i: Int32, _ value: Int32) {
        sqlite3_bind_int(s, i, value)
        isNull[Int(i)] = false
    }

    @inline(__always) mutating func double(_ i: Int32, _ value: Double) {
        sqlite3_bind_double(s, i, value)
        isNull[Int(i)] = false
    }

    /// A row's kind: a built-in kind's name (a C string that lives as long
    /// as the process: no copy), or a custom kind's from the batch.
    @inline(__always) mutating func kind(_ i: Int32, _ row: EventRow, _ bytes: UnsafeBufferPointer<UInt8>) {
        if row.kind == .custom { return text(i, row.customKind, bytes) }
        sqlite3_bind_text(s, i, EventKind.cName(row.kind), -1, nil)
        isNull[Int(i)] = false
    }

    /// A text of a batch, bound without a copy (SQLite reads it during the
    /// step; the batch is not changed until then).
    @inline(__always) mutating func text(_ i: Int32, _ ref: TextRef, _ bytes: UnsafeBufferPointer<UInt8>) {
        guard ref.count >= 0 else { return null(i) }
        let pointer = UnsafeRawPointer(bytes.baseAddress!) + Int(ref.offset)
        sqlite3_bind_text(s, i, pointer.assumingMemoryBound(to: CChar.self), ref.count, nil)
        isNull[Int(i)] = false
    }

    /// Execute the statement once with what is bound.
    func execute(_ what: @autoclosure () -> String) throws {
        try step(s, what())
    }
}

/// Inserts events through SQLite's C API (the import's hot loop) and keeps
/// the rollups (``RollupWriter``) in step. Call ``finish()`` before the
/// transaction commits.
///
/// Events are written in groups of ``rowsPerStatement``, one execution of
/// a many-row `INSERT ... VALUES` per group: a one-row INSERT pays for
/// opening and closing its cursors, halting and resetting the VM on every
/// row. Text is bound from the batch without a copy, and ids are given
/// explicitly — the largest stored id plus one, as SQLite would choose — so
/// the rollups know each event's id without asking.
final class EventWriter {
    static let rowsPerStatement = EventInsert.rowsPerStatement
    private var events: EventInsert
    private let rollups: RollupWriter
    private var kinds: CustomKindRows
    /// Rows waiting for a full group (events given one by one, a batch's tail).
    private var pending = EventBatch()
    private var nextID: Int64

    /// - Parameter rollupFlushThreshold: partner-months the rollups hold
    ///   before writing them (tests make it small).
    init(_ db: Database, rollupFlushThreshold: Int = 100_000) throws {
        events = try EventInsert(db, table: "event", currency: true, what: "an event")
        nextID = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM event") ?? 0) + 1
        rollups = try RollupWriter(db, flushThreshold: rollupFlushThreshold)
        kinds = try CustomKindRows(db)
        pending.reserve(Self.rowsPerStatement)
    }

    func insert(_ event: StoredEvent) throws {
        pending.append(event)
        if pending.count == Self.rowsPerStatement { try writePending() }
    }

    /// Insert a batch of checked events, in order.
    func insert(_ batch: EventBatch) throws {
        try batch.withText { text in
            var start = 0
            let group = Self.rowsPerStatement
            try batch.rows.withUnsafeBufferPointer { rows in
                while !pending.rows.isEmpty && start < rows.count {
                    pending.append(rows[start], from: text)
                    start += 1
                    if pending.count == group { try writePending() }
                }
                while rows.count - start >= group {
                    try write(UnsafeBufferPointer(rebasing: rows[start..<(start + group)]), text)
                    start += group
                }
                while start < rows.count {
                    pending.append(rows[start], from: text)
                    start += 1
                }
            }
        }
    }

    /// Write what is pending and what the rollups still hold in memory.
    func finish() throws {
        try writePending()
        try rollups.flush()
    }

    private func writePending() throws {
        guard !pending.rows.isEmpty else { return }
        try pending.withText { text in
            try pending.rows.withUnsafeBufferPointer { try write($0, text) }
        }
        pending.removeAll()
    }

    /// Write rows (a full group, or any number one by one) and fold them into the rollups.
    private func write(_ rows: UnsafeBufferPointer<EventRow>, _ text: UnsafeBufferPointer<UInt8>) throws {
        for row in rows where row.kind == .custom { try kinds.ensure(row.customKind, text) }
        try events.write(rows, text, ids: .consecutive(from: nextID))
        for row in rows {
            try rollups.add(row, text: text, id: nextID)
            nextID += 1
        }
    }
}

/// Adds a custom kind to `event_kind` (which `event.kind` references)
/// before its first event is stored; remembers the kinds it has seen.
struct CustomKindRows {
    private let insert: Statement
    private var known: [[UInt8]] = []

    init(_ db: Database) throws {
        insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO event_kind (name) VALUES (?)")
    }

    mutating func ensure(_ kind: TextRef, _ text: UnsafeBufferPointer<UInt8>) throws {
        let bytes = UnsafeBufferPointer(rebasing: text[Int(kind.offset)..<Int(kind.offset + kind.count)])
        for name in known where name.count == bytes.count && name.elementsEqual(bytes) { return }
        var parameters = Parameters(insert)
        parameters.text(1, kind, text)
        try parameters.execute("the event kind '\(String(decoding: bytes, as: UTF8.self))'")
        known.append(Array(bytes))
    }
}

/// A many-row `INSERT ... VALUES` of event rows and its one-row twin: a
/// full group of ``rowsPerStatement`` rows is one execution, fewer go one by
/// one. The event table and the rollups' detail table (which has no
/// currency) write through it.
struct EventInsert {
    static let rowsPerStatement = 64

    /// The ids of the rows written.
    enum IDs {
        case consecutive(from: Int64)
        case given(UnsafeBufferPointer<Int64>)

        func id(_ index: Int) -> Int64 {
            switch self {
            case .consecutive(let first): first + Int64(index)
            case .given(let ids): ids[index]
            }
        }
    }

    private let statements: [Statement]
    private var many: Parameters
    private var one: Parameters
    private let currency: Bool
    private let what: String

    init(_ db: Database, table: String, currency: Bool, what: String) throws {
        let columns = "id, partnerNumber, day, kind, amount" + (currency ? ", currency" : "")
            + ", product, territory, name, value, expires"
        let row = "(" + databaseQuestionMarks(count: currency ? 11 : 10) + ")"
        func insert(rows: Int) throws -> Statement {
            try db.makeStatement(sql: "INSERT INTO \(table) (\(columns)) VALUES "
                                 + Array(repeating: row, count: rows).joined(separator: ","))
        }
        statements = [try insert(rows: Self.rowsPerStatement), try insert(rows: 1)]
        many = Parameters(statements[0])
        one = Parameters(statements[1])
        self.currency = currency
        self.what = what
    }

    mutating func write(_ rows: UnsafeBufferPointer<EventRow>, _ text: UnsafeBufferPointer<UInt8>, ids: IDs) throws {
        if rows.count == Self.rowsPerStatement {
            try Self.write(rows, from: 0, text, ids: ids, currency: currency, what: what, with: &many)
        } else {
            for i in rows.indices {
                try Self.write(UnsafeBufferPointer(rebasing: rows[i...i]), from: i, text, ids: ids, currency: currency,
                               what: what, with: &one)
            }
        }
    }

    /// Bind `rows` (the first is row `first` of the ids) and execute once.
    private static func write(_ rows: UnsafeBufferPointer<EventRow>, from first: Int, _ text: UnsafeBufferPointer<UInt8>,
                              ids: IDs, currency: Bool, what: String, with p: inout Parameters) throws {
        var column: Int32 = 1
        for (i, row) in rows.enumerated() {
            p.int64(column, ids.id(first + i))
            p.int64(column + 1, row.partnerNumber)
            p.int32(column + 2, row.day)
            p.kind(column + 3, row, text)
            if row.hasAmount { p.double(column + 4, row.amount) } else { p.null(column + 4) }
            column += 5
            if currency {
                p.text(column, row.currency, text)
                column += 1
            }
            p.text(column, row.product, text)
            p.text(column + 1, row.territory, text)
            p.text(column + 2, row.name, text)
            switch row.valueKind {
            case 1: p.double(column + 3, row.number)
            case 2: p.text(column + 3, row.valueText, text)
            default: p.null(column + 3)
            }
            if row.expires != .min { p.int32(column + 4, row.expires) } else { p.null(column + 4) }
            column += 5
        }
        try p.execute(what)
    }
}

/// SQLite's "copy the bytes now" destructor.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
