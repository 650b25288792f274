import Foundation
import PartnerModel

/// Writes partners or events in the import formats (see README "Data
/// formats"), buffered, with a fixed field order so output is byte-stable.
final class ImportFileWriter {
    enum Content { case partners, events }

    private let handle: FileHandle
    private let format: ProgramGenerator.Format
    private var buffer: [UInt8] = []

    static let partnerColumns = ["id", "name", "type", "program", "region", "country", "territories", "products",
                                 "enrolled", "cam", "tier", "tier_since", "status"]
    static let eventColumns = ["partner_id", "date", "kind", "amount", "currency", "product", "territory", "name",
                               "value", "expires"]

    init(url: URL, format: ProgramGenerator.Format, content: Content) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        self.format = format
        buffer.reserveCapacity(1 << 20)
        if format == .csv {
            append((content == .partners ? Self.partnerColumns : Self.eventColumns).joined(separator: ",") + "\n")
        }
    }

    func write(_ partner: Partner) throws {
        let fields: [Field] = [
            .text(partner.id), .text(partner.name), .text(partner.type.rawValue), .text(partner.program),
            .text(partner.region), .text(partner.country), .list(partner.territories), .list(partner.products),
            .text(partner.enrolled.description), .text(partner.channelAccountManager), .text(partner.tier ?? ""),
            .text(partner.tierSince?.description ?? ""), .text(partner.status.rawValue),
        ]
        try writeRecord(fields, columns: Self.partnerColumns)
    }

    func write(_ event: ActivityEvent) throws {
        var fields = [Field](repeating: .none, count: 10)
        fields[0] = .text(event.partnerID)
        fields[1] = .text(event.date.description)
        fields[2] = .text(event.kindName)
        switch event.kind {
        case let .revenue(amount, currency, product):
            fields[3] = .number(amount); fields[4] = .text(currency); fields[5] = .text(product)
        case let .dealRegistered(territory, product, amount):
            fields[3] = .number(amount); fields[5] = .text(product); fields[6] = .text(territory)
        case let .dealWon(amount, product, territory), let .dealLost(amount, product, territory):
            fields[3] = .number(amount)
            if let product { fields[5] = .text(product) }
            if let territory { fields[6] = .text(territory) }
        case let .certificationEarned(name, expires), let .credential(name, expires):
            fields[7] = .text(name)
            if let expires { fields[9] = .text(expires.description) }
        case let .trainingCompleted(module):
            fields[7] = .text(module)
        case .portalLogin:
            break
        case let .attribute(name, value):
            fields[7] = .text(name)
            switch value {
            case .number(let n): fields[8] = .number(n)
            case .text(let t): fields[8] = .text(t)
            }
        case let .custom(_, custom):
            if let amount = custom.amount { fields[3] = .number(amount) }
            for (i, text) in [(4, custom.currency), (5, custom.product), (6, custom.territory), (7, custom.name)] {
                if let text { fields[i] = .text(text) }
            }
            switch custom.value {
            case .number(let n)?: fields[8] = .number(n)
            case .text(let t)?: fields[8] = .text(t)
            case nil: break
            }
        }
        try writeRecord(fields, columns: Self.eventColumns)
    }

    enum Field {
        case none
        case text(String)
        case number(Double)
        case list([String])
    }

    private func writeRecord(_ fields: [Field], columns: [String]) throws {
        switch format {
        case .csv:
            var line = ""
            for (i, field) in fields.enumerated() {
                if i > 0 { line += "," }
                switch field {
                case .none: break
                case .text(let text): line += Self.csvField(text)
                case .number(let number): line += Self.number(number)
                case .list(let list): line += Self.csvField(list.joined(separator: ";"))
                }
            }
            append(line + "\n")
        case .jsonl:
            var line = "{"
            var first = true
            for (i, field) in fields.enumerated() {
                let value: String
                switch field {
                case .none: continue
                case .text(let text):
                    if text.isEmpty { continue }
                    value = Self.jsonString(text)
                case .number(let number): value = Self.number(number)
                case .list(let list): value = "[" + list.map(Self.jsonString).joined(separator: ",") + "]"
                }
                line += (first ? "" : ",") + "\"" + columns[i] + "\":" + value
                first = false
            }
            append(line + "}\n")
        }
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func append(_ text: String) { buffer.append(contentsOf: text.utf8) }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.close()
    }

    static func csvField(_ text: String) -> String { TextFormat.csvField(text) }

    static func jsonString(_ text: String) -> String { TextFormat.jsonString(text) }

    /// Integers without a fraction, others with up to two decimals.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let cents = Int64((value * 100).rounded())
        let fraction = abs(cents % 100)
        return (cents < 0 && cents > -100 ? "-" : "") + String(cents / 100) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}
