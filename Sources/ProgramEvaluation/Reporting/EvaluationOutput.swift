import Foundation
import PartnerModel
import PolicyEngine

/// Renders evaluation results as a table (for people), JSON or CSV (for
/// tools), streaming: one partner at a time, then the run summary.
/// Output is deterministic: the same run gives the same bytes.
public struct EvaluationOutput {
    public enum Format: String, CaseIterable, Sendable {
        case table, json, csv
    }

    public let format: Format
    /// Where the bytes go (valid only during the call).
    private let emit: (UnsafeRawBufferPointer) throws -> Void
    private let encoder: JSONEncoder
    private var count = 0
    private var quiet = 0
    private var sets = 0
    /// A partner's CSV row or JSON, reused from partner to partner: rows are
    /// written as bytes, never as a String per partner.
    private let row = JSONBuffer(capacity: 4096)

    public init(format: Format, write: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.format = format
        emit = write
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
    }

    private func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try emit(UnsafeRawBufferPointer($0)) }
    }

    public static let csvColumns = [
        "policy_set", "partner_id", "program", "as_of", "previous_tier", "tier", "tier_event", "standing", "review_deadline",
        "qualifies_for", "health_score", "health_band", "gates_lapsed", "gates_warning", "suspended_products",
        "open_alerts", "intervention_step", "intervention", "policy", "policy_version", "content_hash", "snapshot_hash",
    ]

    public mutating func begin() throws {
        switch format {
        case .json: try write("{\"runs\":[")
        case .csv: try write(Self.csvColumns.joined(separator: ",") + "\n")
        case .table: break
        }
    }

    public mutating func beginSet(_ name: String) throws {
        count = 0
        quiet = 0
        switch format {
        case .json: try write((sets > 0 ? "," : "") + "{\"policy_set\":\(Self.quoted(name)),\"partners\":[")
        case .table:
            try write((sets > 0 ? "\n" : "") + "Policy set \(name)\n")
            try write(Self.tableRow(["PARTNER", "PROGRAM", "TIER", "EVENT", "STANDING", "HEALTH", "GATES", "ALERTS", "INTERVENTION"]))
        case .csv: break
        }
        sets += 1
    }

    public mutating func partner(_ e: PartnerEvaluation, set: String) throws {
        switch format {
        case .json:
            row.removeAll()
            if count > 0 { row.byte(UInt8(ascii: ",")) }
            e.write(to: row)
            try row.withBytes(emit)
        case .csv:
            // Fields appended to one reused buffer (this runs for every partner).
            row.removeAll()
            func field(_ text: String, last: Bool = false) {
                row.csvField(text)
                row.byte(last ? 0x0A : UInt8(ascii: ","))
            }
            func gates(_ status: GateStatus) -> String {
                e.gates.isEmpty ? "" : e.gates.filter { $0.status == status }.map(\.gate).joined(separator: ";")
            }
            field(set); field(e.partnerID); field(e.program); field(e.asOf.description); field(e.previousTier ?? "")
            field(e.tier ?? ""); field(e.tierEvent.rawValue); field(e.standing.rawValue); field(e.review?.deadline.description ?? "")
            field(e.qualifiesFor ?? ""); field(PolicyEngine.Format.number(e.health.score)); field(e.health.band)
            field(gates(.lapsed)); field(gates(.warning))
            field(e.suspendedProducts.isEmpty ? "" : e.suspendedProducts.joined(separator: ";"))
            row.integer(e.alerts.count); row.byte(UInt8(ascii: ","))
            if let step = e.intervention?.step { row.integer(step) }
            row.byte(UInt8(ascii: ","))
            field(e.intervention?.action ?? "")
            field(e.policy.name); field(e.policy.version); field(e.policy.contentHash)
            row.digest(e.snapshotHash); row.byte(0x0A)
            try row.withBytes(emit)
        case .table:
            // People read the partners something happened to; the CSV and JSON carry all.
            let notable = [.upgraded, .demoted, .reviewOpened, .reviewCleared, .assigned].contains(e.tierEvent)
                || e.gates.contains { $0.event != .none } || (e.intervention?.step ?? 0) >= 2
            guard notable else {
                quiet += 1
                count += 1
                return
            }
            let tier = e.previousTier != e.tier ? "\(e.previousTier ?? "-") → \(e.tier ?? "-")" : (e.tier ?? "-")
            let gates = e.gates.filter { $0.status == .lapsed || $0.status == .warning }
                .map { "\($0.gate): \($0.status.rawValue)" }.joined(separator: "; ")
            let intervention = e.intervention.map { "\($0.step). \($0.action)" } ?? ""
            try write(Self.tableRow([e.partnerID, e.program, tier, e.tierEvent.rawValue, e.standing.rawValue,
                                     "\(PolicyEngine.Format.number(e.health.score)) \(e.health.band)", gates.isEmpty ? "-" : gates,
                                     String(e.alerts.count), intervention]))
        }
        count += 1
    }

    public mutating func endSet(_ summary: RunSummary) throws {
        switch format {
        case .json:
            try write("],\"summary\":" + String(decoding: try encoder.encode(summary), as: UTF8.self) + "}")
        case .csv: break
        case .table:
            if quiet > 0 { try write("(\(TextFormat.count(quiet, "partner")) with no tier change, gate event or escalated alert not listed; --format csv lists all)\n") }
            try write("\n" + Self.summaryText(summary))
        }
    }

    public mutating func end() throws {
        if format == .json { try write("]}\n") }
    }

    /// The run summary in words.
    public static func summaryText(_ s: RunSummary) -> String {
        var lines: [String] = []
        lines.append("Summary of \(s.policySet) as of \(s.asOf)\(s.dryRun ? " (dry run: nothing written)" : "")")
        lines.append("  partners evaluated    \(s.partners) (tiers due for \(s.tiersDue))")
        lines.append("  tier moves            \(s.upgrades) upgraded, \(s.demotions) demoted, \(s.tierEvents["assigned", default: 0]) assigned")
        lines.append("  tier reviews          \(s.reviewsOpened) opened, \(s.tierEvents["review_cleared", default: 0]) cleared, "
            + "\(s.tierEvents["review_continues", default: 0]) continuing")
        lines.append("  compliance gates      \(s.gatesTripped) tripped, \(s.gatesRestored) restored, \(s.gateWarnings) new warnings")
        let tiers = s.tierDistribution.keys.sorted().map { "\($0) \(s.tierDistribution[$0]!)" }.joined(separator: ", ")
        lines.append("  tier distribution     \(tiers.isEmpty ? "-" : tiers)")
        let bands = s.healthBands.keys.sorted().map { "\($0) \(s.healthBands[$0]!)" }.joined(separator: ", ")
        lines.append("  health bands          \(bands.isEmpty ? "-" : bands)")
        let steps = s.alertsByStep.keys.sorted().map { "\($0): \(s.alertsByStep[$0]!)" }.joined(separator: ", ")
        lines.append("  open alerts by step   \(steps.isEmpty ? "none" : steps) (\(s.alertsResolved) resolved)")
        if let id = s.runID { lines.append("  recorded as run       #\(id) (content \(s.contentHash.prefix(12)))") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func tableRow(_ cells: [String]) -> String {
        let widths = [10, 24, 24, 17, 9, 12, 28, 6, 0]
        var line = ""
        for (i, cell) in cells.enumerated() {
            let width = i < widths.count ? widths[i] : 0
            line += width > 0 ? cell.padding(toLength: max(width, cell.count), withPad: " ", startingAt: 0) + " " : cell
        }
        return line + "\n"
    }

    static func quoted(_ text: String) -> String { TextFormat.jsonString(text) }
}
