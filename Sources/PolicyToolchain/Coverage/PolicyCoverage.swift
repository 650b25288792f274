import Foundation
import LuaHost
import PolicyEngine

/// What the fixtures of a policy set exercise, in the domain's terms —
/// tiers reached, each criterion seen passing and failing, each gate status,
/// milestones met and overdue, each intervention step, each health band —
/// and which lines of Lua functions ran: every function the set's own files
/// define (policy files and helper modules), every function a policy
/// declares, and the functions of shared library modules that ran at all
/// (the library serves every set; a set answers for the helpers it uses).
///
/// Load the set with `recordsCoverage: true`: the modules it requires are
/// then known, and what runs while it loads counts as run.
public final class PolicyCoverage {
    public let policySet: PolicySet
    private var tiers: Set<String> = []
    private var criteria: [String: (passed: Bool, failed: Bool)] = [:]
    private var gates: Set<String> = []
    private var milestones: Set<String> = []
    private var steps: Set<String> = []
    private var bands: Set<String> = []
    private var flags: Set<String> = []

    public init(policySet: PolicySet) {
        self.policySet = policySet
        policySet.lua.recordsCoverage = true
    }

    public func observe(_ e: PartnerEvaluation) {
        let file = e.policy.file
        if let tier = e.tier { tiers.insert("\(file)|\(tier)") }
        for row in e.criteria {
            let key = Self.criterionKey(file: file, tier: row.tier, phase: row.phase.rawValue, label: row.label, line: row.line)
            var seen = criteria[key] ?? (false, false)
            if row.passed { seen.passed = true } else { seen.failed = true }
            criteria[key] = seen
        }
        for gate in e.gates { gates.insert("\(file)|\(gate.gate)|\(gate.status.rawValue)") }
        for m in e.milestones {
            switch m.status {
            case .metOnTime, .metLate: milestones.insert("\(file)|\(m.milestone.rawValue)|met")
            case .overdue: milestones.insert("\(file)|\(m.milestone.rawValue)|overdue")
            case .pending: break
            }
        }
        for alert in e.alerts where alert.step > 0 { steps.insert("\(file)|\(alert.step)") }
        for alert in e.alerts where alert.key.kind == .policyFlag { flags.insert("\(file)|\(alert.key.subject)") }
        bands.insert("\(file)|\(e.health.band)")
    }

    static func criterionKey(file: String, tier: String, phase: String, label: String, line: Int?) -> String {
        "\(file)|\(tier)|\(phase)|\(label)|\(line ?? 0)"
    }

    /// The report: every coverable item and whether a fixture reached it.
    public func report() -> CoverageReport {
        var items: [CoverageReport.Item] = []
        func item(_ covered: Bool, _ text: String, _ file: String, _ line: Int?) {
            items.append(.init(covered: covered, description: text, file: file, line: line))
        }
        var functions: [LuaReference] = []
        for policy in policySet.policies {
            let file = policy.file
            for tier in policy.tiers {
                item(tiers.contains("\(file)|\(tier.name)"), "tier \(tier.name) reached", file, tier.line)
                for (phase, list) in [("entry", tier.entry), ("maintain", tier.maintain ?? [])] {
                    for criterion in list {
                        if case .function(let reference) = criterion.test { functions.append(reference) }
                        let key = Self.criterionKey(file: file, tier: tier.name, phase: phase, label: criterion.label, line: criterion.line)
                        let seen = criteria[key] ?? (false, false)
                        item(seen.passed, "\(tier.name) \(phase): \"\(criterion.label)\" passes", file, criterion.line)
                        item(seen.failed, "\(tier.name) \(phase): \"\(criterion.label)\" fails", file, criterion.line)
                    }
                }
            }
            for gate in policy.gates {
                if let f = gate.appliesFunction { functions.append(f) }
                for status in ["ok", "warning", "lapsed"] {
                    item(gates.contains("\(file)|\(gate.name)|\(status)"), "gate \(gate.name) \(status)", file, gate.line)
                }
            }
            for rule in policy.milestones {
                for outcome in ["met", "overdue"] {
                    item(milestones.contains("\(file)|\(rule.step.rawValue)|\(outcome)"), "milestone \(rule.step.rawValue) \(outcome)", file, nil)
                }
            }
            for flag in policy.flags {
                if case .function(let reference) = flag.condition.test { functions.append(reference) }
                item(flags.contains("\(file)|\(flag.name)"), "flag \(flag.name) raised", file, flag.line)
            }
            for (index, step) in policy.interventions.enumerated() {
                item(steps.contains("\(file)|\(index + 1)"), "intervention step \(index + 1) (\(step.action))", file, nil)
            }
            if !policy.health.components.isEmpty {
                for component in policy.health.components { if let f = component.scoreFunction { functions.append(f) } }
                for band in policy.health.bands {
                    item(bands.contains("\(file)|\(band.name)"), "health band \(band.name)", file, nil)
                }
            }
        }
        // Lines of Lua functions.
        let lua = policySet.lua
        let executed = lua.coveredLines()
        var lines: [String: (all: Set<Int>, run: Set<Int>)] = [:]
        func add(_ chunk: String, _ active: Set<Int>) {
            var entry = lines[chunk] ?? ([], [])
            entry.all.formUnion(active)
            entry.run.formUnion(active.intersection(executed[chunk] ?? []))
            lines[chunk] = entry
        }
        for function in functions {
            if let (chunk, active) = lua.activeLines(of: function) { add(chunk, active) }
        }
        let policyFiles = Set(policySet.policies.map(\.file)).sorted().compactMap { file -> (chunkName: String, source: String)? in
            let url = policySet.directory.appendingPathComponent((file as NSString).lastPathComponent)
            return (try? String(contentsOf: url, encoding: .utf8)).map { (file, $0) }
        }
        let own = policySet.displayPath + "/"
        for (chunk, source) in policyFiles + lua.modulesLoadedWhileRecording {
            let ran = executed[chunk] ?? []
            for function in lua.functionLines(source: source, chunkName: chunk) ?? []
            where chunk.hasPrefix(own) || !function.isDisjoint(with: ran) {
                add(chunk, function)
            }
        }
        let fileLines = lines.keys.sorted().map { chunk -> CoverageReport.FileLines in
            let (all, run) = lines[chunk]!
            return .init(file: chunk, executable: all.count, executed: run.count,
                         missing: CoverageReport.ranges(all.subtracting(run)))
        }
        let covered = items.filter(\.covered).count + fileLines.reduce(0) { $0 + $1.executed }
        let total = items.count + fileLines.reduce(0) { $0 + $1.executable }
        return CoverageReport(set: policySet.name, covered: covered, total: total,
                              percent: total == 0 ? 100 : (Double(covered) / Double(total) * 1000).rounded() / 10,
                              items: items, lines: fileLines)
    }
}

public struct CoverageReport: Sendable, Codable {
    public struct Item: Sendable, Codable {
        public var covered: Bool
        public var description: String
        public var file: String
        public var line: Int?
    }

    public struct FileLines: Sendable, Codable {
        public var file: String
        public var executable: Int
        public var executed: Int
        /// Line ranges with code that never ran ("12-14").
        public var missing: [String]
    }

    public var set: String
    public var covered: Int
    public var total: Int
    public var percent: Double
    public var items: [Item]
    public var lines: [FileLines]

    public var text: String {
        var out = "Coverage of \(set): \(PolicyEngine.Format.number(percent))% (\(covered) of \(total))\n"
        let missing = items.filter { !$0.covered }
        if !missing.isEmpty {
            out += "  not reached by any fixture:\n"
            for item in missing {
                out += "    \(item.description)" + (item.line.map { "   [\(item.file):\($0)]" } ?? "   [\(item.file)]") + "\n"
            }
        }
        for file in lines where !file.missing.isEmpty {
            out += "  Lua lines never run: \(file.file): \(file.missing.joined(separator: ", "))\n"
        }
        return out
    }

    static func ranges(_ lines: Set<Int>) -> [String] {
        var out: [String] = []
        var start: Int?
        var previous = 0
        for line in lines.sorted() {
            if let s = start, line == previous + 1 {
                previous = line
                _ = s
                continue
            }
            if let s = start { out.append(s == previous ? "\(s)" : "\(s)-\(previous)") }
            start = line
            previous = line
        }
        if let s = start { out.append(s == previous ? "\(s)" : "\(s)-\(previous)") }
        return out
    }
}
