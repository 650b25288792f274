import Foundation
import GRDB
import GRDBSQLite
import PartnerModel

/// An event kind as stored in `event.kind`.
enum EventKind: UInt8, CaseIterable, Sendable {
    case revenue, dealRegistered, dealWon, dealLost, certification, training, login, credential, attribute

    var name: String { ActivityEvent.Kind.names[Int(rawValue)] }

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

    /// The row for an API event; refuses unknown partners, negative amounts and empty names.
    init(_ event: ActivityEvent, numbers: [String: Int64], location: String) throws {
        guard let number = numbers[event.partnerID] else {
            throw PartnerStoreError("unknown partner '\(event.partnerID)'", file: location, field: "partner_id",
                                    hint: "import the partner before its events")
        }
        func amount(_ value: Double) throws -> Double {
            guard value.isFinite, value >= 0 else {
                throw PartnerStoreError("amount \(value) must be a number ≥ 0", file: location, field: "amount",
                                        hint: "record refunds and losses as their own events, not negative amounts")
            }
            return value
        }
        func required(_ text: String, _ field: String) throws -> String {
            guard !text.isEmpty else {
                throw PartnerStoreError("a \(event.kindName) event needs a \(field)", file: location, field: field,
                                        hint: "fill in the \(field)")
            }
            return text
        }
        self.init(partnerNumber: number, day: event.date.daysSinceEpoch, kind: EventKind(name: event.kindName)!)
        switch event.kind {
        case let .revenue(value, currency, product):
            self.amount = try amount(value)
            self.currency = try required(currency, "currency")
            self.product = try required(product, "product")
        case let .dealRegistered(territory, product, value):
            self.territory = try required(territory, "territory")
            self.product = try required(product, "product")
            self.amount = try amount(value)
        case let .dealWon(value), let .dealLost(value):
            self.amount = try amount(value)
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
        }
    }
}

/// Inserts events with one prepared statement bound through SQLite's C API
/// (the import's hot loop), and keeps the rollups (``RollupWriter``) in step.
/// Call ``finish()`` before the transaction commits.
final class EventWriter {
    private let statement: Statement
    private let connection: OpaquePointer?
    private let rollups: RollupWriter

    init(_ db: Database) throws {
        connection = db.sqliteConnection
        statement = try db.makeStatement(sql: """
            INSERT INTO event (partnerNumber, day, kind, amount, currency, product, territory, name, value, expires)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        rollups = try RollupWriter(db)
    }

    func insert(_ event: StoredEvent) throws {
        let s = statement.sqliteStatement
        sqlite3_bind_int64(s, 1, event.partnerNumber)
        sqlite3_bind_int(s, 2, event.day)
        bindStatic(s, 3, EventKind.cName(event.kind))
        if let amount = event.amount { sqlite3_bind_double(s, 4, amount) } else { sqlite3_bind_null(s, 4) }
        bindText(s, 5, event.currency)
        bindText(s, 6, event.product)
        bindText(s, 7, event.territory)
        bindText(s, 8, event.name)
        switch event.value {
        case .number(let n)?: sqlite3_bind_double(s, 9, n)
        case .text(let t)?: bindText(s, 9, t)
        case nil: sqlite3_bind_null(s, 9)
        }
        if let expires = event.expires { sqlite3_bind_int(s, 10, expires) } else { sqlite3_bind_null(s, 10) }
        try step(s, "an event")
        try rollups.add(event, id: sqlite3_last_insert_rowid(connection))
    }

    /// Write what the rollups still hold in memory.
    func finish() throws {
        try rollups.flush()
    }
}

/// SQLite's "copy the bytes now" destructor.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
