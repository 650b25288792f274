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
/// (the import's hot loop).
final class EventWriter {
    private let statement: Statement
    private let kindNames: [String] = EventKind.allCases.map(\.name)

    init(_ db: Database) throws {
        statement = try db.makeStatement(sql: """
            INSERT INTO event (partnerNumber, day, kind, amount, currency, product, territory, name, value, expires)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    func insert(_ event: StoredEvent) throws {
        let s = statement.sqliteStatement
        sqlite3_bind_int64(s, 1, event.partnerNumber)
        sqlite3_bind_int(s, 2, event.day)
        bind(kindNames[Int(event.kind.rawValue)], at: 3)
        if let amount = event.amount { sqlite3_bind_double(s, 4, amount) } else { sqlite3_bind_null(s, 4) }
        bind(event.currency, at: 5)
        bind(event.product, at: 6)
        bind(event.territory, at: 7)
        bind(event.name, at: 8)
        switch event.value {
        case .number(let n)?: sqlite3_bind_double(s, 9, n)
        case .text(let t)?: bind(t, at: 9)
        case nil: sqlite3_bind_null(s, 9)
        }
        if let expires = event.expires { sqlite3_bind_int(s, 10, expires) } else { sqlite3_bind_null(s, 10) }
        let code = sqlite3_step(s)
        sqlite3_reset(s)
        guard code == SQLITE_DONE else {
            throw PartnerStoreError("could not store an event: \(String(cString: sqlite3_errstr(code)))")
        }
    }

    private func bind(_ text: String?, at index: Int32) {
        let s = statement.sqliteStatement
        guard var text else { sqlite3_bind_null(s, index); return }
        text.withUTF8 { bytes in
            _ = sqlite3_bind_text(s, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                  Int32(bytes.count), SQLITE_TRANSIENT)
        }
    }
}

/// SQLite's "copy the bytes now" destructor.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
