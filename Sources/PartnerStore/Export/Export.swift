import Foundation
import PartnerModel

/// Output formats of `partnerscore export`.
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, json
}

/// Writes partners and snapshots as CSV or JSON, streaming text to a sink.
/// Field and key order is fixed, so the same data gives the same bytes.
///
/// - Partners CSV is the import format (an export re-imports as is).
/// - Snapshots CSV: `id,program,tier,as_of`, one column per ``Metric`` name
///   (empty when the metric has no value), the milestone dates, then one
///   column per declared measure of the plan given (in its order).
/// - JSON: an array of objects, keys in the same order; snapshots also carry
///   certifications, credentials and attributes, and `measures` when a plan is given.
public struct Exporter: Sendable {
    public let store: PartnerStore

    public init(store: PartnerStore) { self.store = store }

    static let milestoneColumns = ["first_login", "first_training", "first_deal_registration", "first_deal_won", "first_revenue"]

    public func exportPartners(programs: [String]? = nil, format: ExportFormat, to sink: (String) throws -> Void) throws {
        let columns = ImportContent.partners.columns
        if format == .csv { try sink(columns.joined(separator: ",") + "\n") } else { try sink("[") }
        var first = true
        for partner in try store.partners(programs: programs) {
            let values: [String?] = [partner.id, partner.name, partner.type.rawValue, partner.program, partner.region,
                                     partner.country, nil, nil, partner.enrolled.description, partner.channelAccountManager,
                                     partner.tier, partner.tierSince?.description, partner.status.rawValue]
            switch format {
            case .csv:
                var fields = values.map { CSVText.field($0 ?? "") }
                fields[6] = CSVText.field(partner.territories.joined(separator: ";"))
                fields[7] = CSVText.field(partner.products.joined(separator: ";"))
                try sink(fields.joined(separator: ",") + "\n")
            case .json:
                var members: [String] = []
                for (i, column) in columns.enumerated() {
                    let value: String
                    switch i {
                    case 6: value = JSONText.list(partner.territories)
                    case 7: value = JSONText.list(partner.products)
                    default: value = values[i].map(JSONText.string) ?? "null"
                    }
                    members.append(JSONText.string(column) + ":" + value)
                }
                try sink((first ? "\n" : ",\n") + "{" + members.joined(separator: ",") + "}")
            }
            first = false
        }
        if format == .json { try sink(first ? "]\n" : "\n]\n") }
    }

    /// The snapshots as of `asOf` of the chosen partners, in partner id order.
    /// Returns how many were written.
    @discardableResult
    public func exportSnapshots(asOf: Day, programs: [String]? = nil, partnerIDs: [String]? = nil, measures: MeasurePlan = .empty,
                                format: ExportFormat, to sink: (String) throws -> Void) throws -> Int {
        let metrics = Metric.allCases
        if format == .csv {
            try sink((["id", "program", "tier", "as_of"] + metrics.map(\.name) + Exporter.milestoneColumns + measures.names)
                .map(CSVText.field).joined(separator: ",") + "\n")
        } else {
            try sink("[")
        }
        var count = 0
        let calculator = SnapshotCalculator(store: store, measures: measures)
        try calculator.forEachSnapshot(asOf: asOf, programs: programs, partnerIDs: partnerIDs) { s in
            let milestones = [s.milestones.firstLogin, s.milestones.firstTraining, s.milestones.firstDealRegistration,
                              s.milestones.firstDealWon, s.milestones.firstRevenue]
            switch format {
            case .csv:
                var fields = [CSVText.field(s.partner.id), CSVText.field(s.partner.program),
                              CSVText.field(s.partner.tier ?? ""), s.asOf.description]
                fields += metrics.map { metric in s[metric].map { JSONText.number($0, metric) } ?? "" }
                fields += milestones.map { $0?.description ?? "" }
                fields += (0..<measures.shownCount).map { i in
                    Self.measure(s, i, measures.types[i]).map { $0.isText ? CSVText.field($0.text) : $0.text } ?? ""
                }
                try sink(fields.joined(separator: ",") + "\n")
            case .json:
                var text = count == 0 ? "\n{" : ",\n{"
                text += "\"id\":" + JSONText.string(s.partner.id) + ",\"program\":" + JSONText.string(s.partner.program)
                text += ",\"tier\":" + (s.partner.tier.map(JSONText.string) ?? "null") + ",\"as_of\":\"\(s.asOf)\""
                text += ",\"metrics\":{" + metrics.map { metric in JSONText.string(metric.name) + ":" + (s[metric].map { JSONText.number($0, metric) } ?? "null") }
                    .joined(separator: ",") + "}"
                if measures.shownCount > 0 {
                    text += ",\"measures\":{" + (0..<measures.shownCount).map { i in
                        JSONText.string(measures.declarations[i].name) + ":"
                            + (Self.measure(s, i, measures.types[i]).map { $0.isText ? JSONText.string($0.text) : $0.text } ?? "null")
                    }.joined(separator: ",") + "}"
                }
                text += ",\"milestones\":{" + zip(Exporter.milestoneColumns, milestones).map {
                    JSONText.string($0.0) + ":" + ($0.1.map { "\"\($0)\"" } ?? "null")
                }.joined(separator: ",") + "}"
                func records(_ list: [Credential]) -> String {
                    "[" + list.map {
                        "{\"name\":" + JSONText.string($0.name) + ",\"granted\":\"\($0.granted)\",\"expires\":"
                            + ($0.expires.map { "\"\($0)\"" } ?? "null") + "}"
                    }.joined(separator: ",") + "]"
                }
                text += ",\"certifications\":" + records(s.certifications) + ",\"credentials\":" + records(s.credentials)
                text += ",\"attributes\":{" + s.attributes.keys.sorted().map { key in
                    let value: String = switch s.attributes[key]! {
                    case .number(let n): JSONText.number(n)
                    case .text(let t): JSONText.string(t)
                    }
                    return JSONText.string(key) + ":" + value
                }.joined(separator: ",") + "}}"
                try sink(text)
            }
            count += 1
        }
        if format == .json { try sink(count == 0 ? "]\n" : "\n]\n") }
        return count
    }
}

extension Exporter {
    /// Measure `i` of a snapshot as exported: a number, a date (YYYY-MM-DD,
    /// to quote in JSON) or a text value; nil when it has none.
    static func measure(_ s: PartnerSnapshot, _ i: Int, _ type: MeasureType) -> (text: String, isText: Bool)? {
        if let value = s.measure(i) {
            return type == .date ? (Day(daysSinceEpoch: Int32(value)).description, true) : (JSONText.number(value, type), false)
        }
        return s.measures.text(i).map { ($0, true) }
    }
}

enum CSVText {
    static func field(_ text: String) -> String { TextFormat.csvField(text) }
}

enum JSONText {
    static func string(_ text: String) -> String { TextFormat.jsonString(text) }

    static func list(_ items: [String]) -> String { TextFormat.jsonList(items) }

    /// A metric's value: money as an exact decimal (``Money/text(_:)``), other values as ``number(_:)``.
    static func number(_ value: Double, _ metric: Metric) -> String { number(value, MeasureType(metric)) }

    /// A value of a type: money as an exact decimal (``Money/text(_:)``), other values as ``number(_:)``.
    static func number(_ value: Double, _ type: MeasureType) -> String {
        type == .money ? Money.text(value) : number(value)
    }

    /// Integers without a fraction; others in Swift's shortest round-trip form.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }
}
