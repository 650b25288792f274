import Foundation
import PartnerModel

/// The import's hot path for a CSV events row: the checked event straight
/// from the field bytes, or nil when the row is anything but plainly valid —
/// the caller then reads it through ``ImportRecord/event(numbers:)``, which
/// either accepts it too or names what is wrong. So this path decides only
/// speed, never what is accepted: each check here is the same as (or
/// stricter than) the one there.
enum FastEventRow {
    // Column numbers in ImportContent.events.columns order.
    private static let partnerIDColumn = 0, dateColumn = 1, kindColumn = 2, amountColumn = 3, currencyColumn = 4,
                       productColumn = 5, territoryColumn = 6, nameColumn = 7, valueColumn = 8, expiresColumn = 9

    static func event(records: CSVRecords, positions: [Int?], numbers: [String: Int64]) -> StoredEvent? {
        let bytes = records.bytes
        let fields = records.fields
        func field(_ column: Int) -> CSVRecords.Field? {
            guard let position = positions[column] else { return nil }
            return fields[position]
        }
        /// A non-empty field as text.
        func text(_ column: Int) -> String? {
            guard let position = positions[column], !fields[position].isEmpty else { return nil }
            return records.string(at: position)
        }
        func day(_ column: Int) -> Int32? {
            guard let f = field(column), f.end - f.start == 10, !f.escaped else { return nil }
            return parseDay(UnsafeBufferPointer(rebasing: bytes[f.start..<f.end]))
        }
        func amount() -> Double? {
            guard let text = text(amountColumn), let value = Double(text), value.isFinite, value >= 0 else { return nil }
            return value
        }

        guard let id = text(partnerIDColumn), let number = numbers[id], let eventDay = day(dateColumn),
              let k = field(kindColumn), !k.isEmpty, !k.escaped,
              let kind = EventKind(bytes: bytes.baseAddress! + k.start, count: k.end - k.start) else { return nil }
        var event = StoredEvent(partnerNumber: number, day: eventDay, kind: kind)
        switch kind {
        case .login:
            break
        case .revenue:
            guard let amount = amount(), let currency = text(currencyColumn), let product = text(productColumn) else { return nil }
            event.amount = amount
            event.currency = currency
            event.product = product
        case .dealRegistered:
            guard let amount = amount(), let product = text(productColumn), let territory = text(territoryColumn) else { return nil }
            event.amount = amount
            event.product = product
            event.territory = territory
        case .dealWon, .dealLost:
            guard let amount = amount() else { return nil }
            event.amount = amount
        case .certification, .credential:
            guard let name = text(nameColumn) else { return nil }
            event.name = name
            if let f = field(expiresColumn), !f.isEmpty {
                guard let expires = day(expiresColumn) else { return nil }
                event.expires = expires
            }
        case .training:
            guard let name = text(nameColumn) else { return nil }
            event.name = name
        case .attribute:
            guard let name = text(nameColumn), let valueText = text(valueColumn) else { return nil }
            event.name = name
            if let number = Double(valueText), number.isFinite { event.value = .number(number) } else { event.value = .text(valueText) }
        }
        return event
    }

    /// `YYYY-MM-DD` of a day that exists, as ``Day(parsing:)`` accepts it.
    static func parseDay(_ b: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                let d = b[i] &- 48
                guard d <= 9 else { return nil }
                value = value * 10 + Int(d)
            }
            return value
        }
        guard let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10),
              let parsed = Day(year: y, month: m, day: d) else { return nil }
        return parsed.daysSinceEpoch
    }
}
