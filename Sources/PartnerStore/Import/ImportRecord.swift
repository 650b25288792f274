import Foundation
import PartnerModel

/// What an import file holds, told apart by its columns: a file whose CSV
/// header or first JSON object has `partner_id` holds events; one with `id`
/// holds partners.
enum ImportContent: Sendable {
    case partners, events

    var columns: [String] {
        switch self {
        case .partners: ["id", "name", "type", "program", "region", "country", "territories", "products", "enrolled",
                         "cam", "tier", "tier_since", "status"]
        case .events: ["partner_id", "date", "kind", "amount", "currency", "product", "territory", "name", "value",
                       "expires"]
        }
    }

    /// Columns a CSV header may leave out.
    var optionalColumns: Set<String> {
        switch self {
        case .partners: ["tier", "tier_since", "status"]
        case .events: []
        }
    }

    static func detect(keys: some Sequence<String>) -> ImportContent? {
        let keys = Set(keys)
        if keys.contains("partner_id") { return .events }
        if keys.contains("id") { return .partners }
        return nil
    }
}

/// A field's value as read: CSV gives text, JSON Lines may give numbers and arrays.
enum FieldValue: Sendable {
    case text(String)
    case number(Double)
    case list([String])
}

/// One record of an import file, its fields in ``ImportContent/columns``
/// order, with the accessors that check them and name file, line and field
/// when they refuse.
struct ImportRecord {
    var file: String
    var line: Int
    var content: ImportContent
    var values: [FieldValue?]
    /// JSON says what type a value is: a number must be a JSON number, a
    /// text a string and a list an array; CSV text is read as each field needs.
    var isJSON = false

    func failure(_ column: Int, _ message: String, hint: String) -> PartnerStoreError {
        var error = PartnerStoreError(message, file: file, line: line, field: content.columns[column], hint: hint)
        error.code = content == .events ? "invalid_event" : "invalid_partner"
        return error
    }

    func text(_ column: Int) throws -> String? {
        switch values[column] {
        case nil: return nil
        case .text(let text): return text
        case .number: throw failure(column, "expected a string, found a number", hint: "write text in double quotes")
        case .list: throw failure(column, "expected a text, found a list", hint: "write a single value")
        }
    }

    func requiredText(_ column: Int, for what: String? = nil) throws -> String {
        guard let text = try text(column), !text.isEmpty else {
            let name = content.columns[column]
            throw failure(column, "missing \(what.map { "(a \($0) needs one)" } ?? "required value")",
                          hint: "fill in the \(name) of every row")
        }
        return text
    }

    func day(_ column: Int, required: Bool) throws -> Day? {
        guard let text = try text(column), !text.isEmpty else {
            if required { _ = try requiredText(column) }
            return nil
        }
        do {
            return try Day(parsing: text)
        } catch {
            let message = switch error.kind {
            case .format: "'\(text)' is not a date"
            case .noSuchDay: "no such day '\(text)'"
            case .outOfRange: "'\(text)' is \(error.reason)"
            }
            throw failure(column, message, hint: error.hint)
        }
    }

    func number(_ column: Int) throws -> Double? {
        switch values[column] {
        case nil: return nil
        case .number(let number): return number
        case .text(let text):
            if isJSON { throw failure(column, "expected a number, found a string", hint: "write numbers without quotes, such as 1250.50") }
            if text.isEmpty { return nil }
            guard let number = JSONNumber.parse(text) else {
                throw failure(column, "'\(text)' is not a number",
                              hint: "write plain decimal numbers such as 1250.50 or 1.5e3 (no hex, '+', thousands separators or currency signs)")
            }
            return number
        case .list: throw failure(column, "expected a number, found a list", hint: "write a single number")
        }
    }

    /// The largest amount an event may carry: sums of such amounts stay
    /// finite and print in full (a larger one is a typo, not money).
    static let largestAmount = 1e15

    /// A money amount: required, finite, not negative, at most ``largestAmount``,
    /// with at most four decimal places.
    func amount(_ column: Int, for kind: String) throws -> Double {
        guard let amount = try number(column) else {
            throw failure(column, "missing (a \(kind) event needs an amount)", hint: "fill in the amount")
        }
        let shown: String
        if case .text(let text)? = values[column] { shown = text } else { shown = "\(amount)" }
        guard amount >= 0 else {
            throw failure(column, "negative amount \(shown) for a \(kind) event",
                          hint: "amounts are 0 or more; record a loss or refund as its own event")
        }
        guard amount <= Self.largestAmount else {
            throw failure(column, "amount \(shown) is larger than 10^15",
                          hint: "amounts are at most 1000000000000000; check the figure (a missing decimal point?)")
        }
        // Money keeps four decimal places (Money): a finer amount would be rounded away unseen.
        guard Money.isExact(amount) else {
            throw failure(column, "amount \(shown) has more than \(Money.places) decimal places",
                          hint: "write amounts in currency units to at most \(Money.places) decimal places")
        }
        return amount
    }

    /// A list: `;`-separated in CSV text, an array of strings in JSON.
    func list(_ column: Int) throws -> [String] {
        switch values[column] {
        case nil: return []
        case .list(let list): return list
        case .text(let text) where isJSON:
            if text.isEmpty { return [] }
            throw failure(column, "expected a list, found a string", hint: "write lists as [\"a\", \"b\"]")
        case .text(let text):
            return text.split(separator: ";").compactMap { item in
                var trimmed = item
                while trimmed.first == " " { trimmed = trimmed.dropFirst() }
                while trimmed.last == " " { trimmed = trimmed.dropLast() }
                return trimmed.isEmpty ? nil : String(trimmed)
            }
        case .number: throw failure(column, "expected a list, found a number", hint: "separate list items with ';'")
        }
    }
}

// MARK: - Records to domain values

extension ImportRecord {
    /// The partner a partners-file record describes; `statusGiven` is false
    /// when the record has no status (an update then keeps the stored one).
    func partner() throws -> (partner: Partner, statusGiven: Bool) {
        let id = try requiredText(0)
        if let (message, hint) = FieldText.problem(in: id, lineBreaks: false) { throw failure(0, message, hint: hint) }
        let name = try requiredText(1)
        let typeText = try requiredText(2)
        guard let type = PartnerType(rawValue: typeText) else {
            throw failure(2, "unknown partner type '\(typeText)'",
                          hint: "use one of " + PartnerType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let program = try requiredText(3)
        let enrolled = try day(8, required: true)!
        var status = PartnerStatus.active
        let statusText = try text(12) ?? ""
        if !statusText.isEmpty {
            guard let given = PartnerStatus(rawValue: statusText) else {
                throw failure(12, "unknown status '\(statusText)'",
                              hint: "use one of " + PartnerStatus.allCases.map(\.rawValue).joined(separator: ", "))
            }
            status = given
        }
        let tier = try text(10).flatMap { $0.isEmpty ? nil : $0 }
        let partner = Partner(id: id, name: name, type: type, program: program, region: try text(4) ?? "",
                              country: try text(5) ?? "", territories: try list(6), products: try list(7),
                              enrolled: enrolled, channelAccountManager: try text(9) ?? "",
                              tier: tier, tierSince: try day(11, required: false), status: status)
        return (partner, !statusText.isEmpty)
    }

    /// The event an events-file record describes, for a partner in `numbers`,
    /// of a kind `kinds` accepts. The one record checker: file imports and
    /// the service's ingest both make their events here.
    func event(numbers: [String: Int64], kinds: EventKinds) throws -> StoredEvent {
        let partnerID = try requiredText(0)
        guard let number = numbers[partnerID] else {
            var error = failure(0, "unknown partner '\(partnerID)'",
                                hint: "import the partners file first (or in the same import); partner ids are case-sensitive")
            error.isUnknownReference = true
            throw error
        }
        let day = try self.day(1, required: true)!
        let kindText = try requiredText(2)
        guard let kind = kinds.kind(named: kindText) else {
            throw failure(2, "unknown event kind '\(kindText)'", hint: kinds.hint(for: kindText))
        }
        var event = StoredEvent(partnerNumber: number, day: day.daysSinceEpoch, kind: kind)
        func optionalText(_ column: Int) throws -> String? { try text(column).flatMap { $0.isEmpty ? nil : $0 } }
        switch kind {
        case .revenue:
            event.amount = try amount(3, for: kindText)
            event.currency = try requiredText(4, for: "revenue event")
            event.product = try requiredText(5, for: "revenue event")
        case .dealRegistered:
            event.amount = try amount(3, for: kindText)
            event.product = try requiredText(5, for: "deal registration")
            event.territory = try requiredText(6, for: "deal registration")
        case .dealWon, .dealLost:
            event.amount = try amount(3, for: kindText)
            event.product = try optionalText(5)
            event.territory = try optionalText(6)
        case .certification, .credential:
            event.name = try requiredText(7, for: kind == .certification ? "certification" : "credential")
            event.expires = try self.day(9, required: false)?.daysSinceEpoch
        case .training:
            event.name = try requiredText(7, for: "training event (the module)")
        case .login:
            break
        case .attribute:
            event.name = try requiredText(7, for: "attribute event")
            event.value = try value(8)
            if event.value == nil { _ = try requiredText(8, for: "attribute event") }
        case .custom:
            // A declared kind: every field optional, an amount never negative.
            event.customKind = kindText
            if try self.number(3) != nil { event.amount = try amount(3, for: kindText) }
            event.currency = try optionalText(4)
            event.product = try optionalText(5)
            event.territory = try optionalText(6)
            event.name = try optionalText(7)
            event.value = try value(8)
            if try optionalText(9) != nil {
                throw failure(9, "a \(kindText) event has no expiry", hint: "leave expires empty; only certifications and credentials expire")
            }
        }
        // Every field given is checked, whether or not the kind uses it, so
        // nothing malformed passes because it happens to be ignored.
        if event.amount == nil, try self.number(3) != nil { _ = try amount(3, for: kindText) }
        for column in 4...7 { _ = try text(column) }
        if case .list? = values[8] { throw failure(8, "expected a number or a text, found a list", hint: "write a single value") }
        if event.expires == nil { _ = try self.day(9, required: false) }
        return event
    }

    /// A value: a number when it reads as one, else a text; nil when empty.
    private func value(_ column: Int) throws -> AttributeValue? {
        switch values[column] {
        case .number(let number)?: return .number(number)
        case .text(let text)? where !text.isEmpty:
            if let number = JSONNumber.parse(text) { return .number(number) }
            return .text(text)
        case .list?: throw failure(column, "expected a number or a text, found a list", hint: "write a single value")
        default: return nil
        }
    }
}
