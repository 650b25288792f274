import Foundation
import LuaHost
import PartnerModel
import PolicyEngine

/// Static checks of policy sets beyond what loading validates: tiers no
/// partner can reach, threshold orders that leave partners without a tier or
/// demote them the day they are promoted, impossible thresholds, and lint
/// (luacheck, when installed) against the sandbox's globals.
public struct PolicyChecker {
    public struct Finding: Sendable, Codable, Equatable, CustomStringConvertible {
        public enum Severity: String, Sendable, Codable { case error, warning }
        public var severity: Severity
        public var file: String
        public var line: Int?
        public var message: String

        public var description: String {
            "\(file)\(line.map { ":\($0)" } ?? ""): \(severity.rawValue): \(message)"
        }
    }

    /// Where luacheck's configuration lives (`Policies/.luacheckrc`), if any.
    public var luacheckConfig: URL?

    public init(luacheckConfig: URL? = nil) {
        self.luacheckConfig = luacheckConfig
    }

    /// Check the set at `directory` (with its shared modules from `library`,
    /// by default the lib folder beside it): load errors, then the analyses.
    public func check(setDirectory directory: URL, displayPath: String, library: ModuleResolver.Root? = nil) -> [Finding] {
        var findings: [Finding] = []
        do {
            let set = try PolicySet(directory: directory, displayPath: displayPath, library: library)
            for policy in set.policies { findings.append(contentsOf: analyse(policy, measures: set.measures)) }
        } catch let error as PolicyError {
            let message = (error.field.map { "\($0): " } ?? "") + error.message
            findings.append(Finding(severity: .error, file: error.file, line: error.line, message: message))
        } catch {
            findings.append(Finding(severity: .error, file: displayPath, line: nil, message: "\(error)"))
        }
        findings.append(contentsOf: lint(directory: directory, displayPath: displayPath))
        return findings
    }

    // MARK: - Analyses of a loaded policy

    public func analyse(_ policy: Policy, measures: MeasurePlan = .empty) -> [Finding] {
        var findings: [Finding] = []
        func warn(_ line: Int?, _ message: String) {
            findings.append(Finding(severity: .warning, file: policy.file, line: line, message: message))
        }
        func error(_ line: Int?, _ message: String) {
            findings.append(Finding(severity: .error, file: policy.file, line: line, message: message))
        }
        // Thresholds no value can meet.
        for tier in policy.tiers {
            for criterion in tier.entry + (tier.maintain ?? []) {
                if let problem = impossible(criterion, measures: measures) { error(criterion.line, "tier \(tier.name): \(criterion.label) — \(problem)") }
            }
            // Contradictory bounds in one tier's entry criteria.
            var lower: [Metric: (Double, Int?)] = [:], upper: [Metric: (Double, Int?)] = [:]
            for criterion in tier.entry {
                guard case .metric(let metric, let op, let value) = criterion.test else { continue }
                switch op {
                case .atLeast, .above:
                    if value > (lower[metric]?.0 ?? -.infinity) { lower[metric] = (value, criterion.line) }
                case .atMost, .below:
                    if value < (upper[metric]?.0 ?? .infinity) { upper[metric] = (value, criterion.line) }
                default: break
                }
            }
            for (metric, (low, line)) in lower {
                if let (high, _) = upper[metric], low > high {
                    error(line, "tier \(tier.name) can never be reached: it needs \(metric.name) ≥ \(Format.number(low)) and ≤ \(Format.number(high))")
                }
            }
        }
        // A lower tier whose qualifiers all qualify for a higher tier is never reached by promotion.
        for (i, lowerTier) in policy.tiers.enumerated() {
            for higherTier in policy.tiers[(i + 1)...] where implies(lowerTier.entry, higherTier.entry) {
                let why = higherTier.entry.isEmpty ? "\(higherTier.name) has no entry criteria"
                    : "every partner meeting \(lowerTier.name)'s entry criteria also meets \(higherTier.name)'s"
                warn(lowerTier.line, "tier \(lowerTier.name) can never be reached by promotion: \(why) — "
                    + "raise \(higherTier.name)'s thresholds or remove \(lowerTier.name)")
                break
            }
        }
        // Partners who qualify for no tier.
        if let entryTier = policy.tiers.first, !entryTier.entry.isEmpty {
            let criteria = entryTier.entry.map(\.label).joined(separator: ", ")
            warn(entryTier.line, "partners failing the entry tier \(entryTier.name)'s criteria (\(criteria)) qualify for no tier "
                + "and hold none; give the entry tier no criteria if every enrolled partner should have one")
        }
        // Maintenance stricter than entry: promoted partners land straight in review.
        for tier in policy.tiers {
            guard let maintain = tier.maintain else { continue }
            for m in maintain {
                guard case .metric(let metric, let mop, let keep) = m.test, mop == .atLeast || mop == .above else { continue }
                for e in tier.entry {
                    if case .metric(metric, let eop, let enter) = e.test, eop == .atLeast || eop == .above, keep > enter {
                        warn(m.line, "tier \(tier.name) keeps \(metric.name) ≥ \(Format.number(keep)) but admits at ≥ \(Format.number(enter)): "
                            + "a partner promoted between the two enters tier review at its next evaluation")
                    }
                }
            }
        }
        // Gates that can never apply.
        for gate in policy.gates where !gate.appliesToProducts.isEmpty && !gate.suspendsProducts.isEmpty
            && Set(gate.suspendsProducts).isDisjoint(with: gate.appliesToProducts) {
            warn(gate.line, "gate \(gate.name) applies to \(gate.appliesToProducts.joined(separator: ", ")) but suspends "
                + "\(gate.suspendsProducts.joined(separator: ", ")): a partner listing only the first never loses anything "
                + "(only partners with an empty product list, which authorizes every product, would)")
        }
        return findings
    }

    /// Why no value of the metric can meet the criterion, if that is so.
    func impossible(_ criterion: Criterion, measures: MeasurePlan = .empty) -> String? {
        if case .measure(let ref, let op, let value) = criterion.test, ref.index < measures.count,
           case .periods(let periods) = measures.declarations[ref.index].definition {
            // A count of the last N periods is 0...N.
            let last = Double(periods.last)
            if (op == .atLeast && value > last) || (op == .above && value >= last) {
                return "\(ref.name) counts \(periods.last) periods, so it is never \(op == .atLeast ? "≥" : ">") \(Format.number(value))"
            }
            if (op == .below && value <= 0) || (op == .atMost && value < 0) {
                return "\(ref.name) is a count, never negative"
            }
            return nil
        }
        guard case .metric(let metric, let op, let value) = criterion.test else {
            if case .territories(let op, let value) = criterion.test, (op == .below && value <= 0) || (op == .atMost && value < 0) {
                return "a partner cannot have fewer than 0 territories"
            }
            return nil
        }
        let nonNegative = metric != .revenueGrowth
        switch op {
        case .below where nonNegative && value <= 0, .atMost where nonNegative && value < 0:
            return "\(metric.name) is never negative"
        case .atLeast where metric == .winRate12m && value > 1, .above where metric == .winRate12m && value >= 1:
            return "a win rate is at most 1 (100%); write 0.4 for 40%"
        default:
            return nil
        }
    }

    /// Whether every partner meeting all of `lower` meets all of `higher`.
    func implies(_ lower: [Criterion], _ higher: [Criterion]) -> Bool {
        higher.allSatisfy { h in lower.contains { l in implies(l, h) } }
    }

    func implies(_ l: Criterion, _ h: Criterion) -> Bool {
        switch (l.test, h.test) {
        case (.metric(let lm, let lop, let lv), .metric(let hm, let hop, let hv)) where lm == hm:
            return dominates(lop, lv, hop, hv)
        case (.measure(let lm, let lop, let lv), .measure(let hm, let hop, let hv)) where lm.index == hm.index:
            return dominates(lop, lv, hop, hv)
        case (.attribute(let ln, let lop, let lv), .attribute(let hn, let hop, let hv)) where ln == hn:
            return dominates(lop, lv, hop, hv)
        case (.territories(let lop, let lv), .territories(let hop, let hv)):
            return dominates(lop, lv, hop, hv)
        case (.certification(let a), .certification(let b)), (.credential(let a), .credential(let b)):
            return a == b
        default:
            return false
        }
    }

    /// `x lop lv` implies `x hop hv`.
    func dominates(_ lop: Comparison, _ lv: Double, _ hop: Comparison, _ hv: Double) -> Bool {
        switch (lop, hop) {
        case (.atLeast, .atLeast), (.above, .above), (.above, .atLeast): return lv >= hv
        case (.atLeast, .above): return lv > hv
        case (.atMost, .atMost), (.below, .below), (.below, .atMost): return lv <= hv
        case (.atMost, .below): return lv < hv
        case (.equal, .equal): return lv == hv
        default: return false
        }
    }

    // MARK: - luacheck

    /// Run luacheck on the set's Lua files when it is installed.
    func lint(directory: URL, displayPath: String) -> [Finding] {
        guard let luacheck = Self.executable(named: "luacheck") else { return [] }
        var files: [String] = []
        if let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) {
            for case let url as URL in enumerator where url.pathExtension == "lua" && !url.path.contains("/fixtures/") {
                files.append(url.standardizedFileURL.path)
            }
        }
        guard !files.isEmpty else { return [] }
        var arguments = ["--formatter", "plain", "--codes", "--no-color"]
        if let config = luacheckConfig, FileManager.default.fileExists(atPath: config.path) {
            return run(luacheck, arguments + ["--config", config.path], files: files, directory: directory, displayPath: displayPath)
        }
        // A folder without its own .luacheckrc is checked against the sandbox's globals all the
        // same (the configuration editor-files would write), not against plain Lua's.
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("partnerscore-\(UUID().uuidString).luacheckrc")
        defer { try? FileManager.default.removeItem(at: temporary) }
        if let text = try? EditorFiles.luacheckConfig(), (try? text.write(to: temporary, atomically: true, encoding: .utf8)) != nil {
            arguments += ["--config", temporary.path]
        }
        return run(luacheck, arguments, files: files, directory: directory, displayPath: displayPath)
    }

    private func run(_ luacheck: URL, _ arguments: [String], files: [String], directory: URL, displayPath: String) -> [Finding] {
        let process = Process()
        process.executableURL = luacheck
        process.arguments = arguments + files.sorted()
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return [] }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let root = directory.standardizedFileURL.path
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line -> Finding? in
            // /abs/path/file.lua:12:7: (W111) setting non-standard global variable 'x'
            let parts = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, let number = Int(parts[1]) else { return nil }
            var file = String(parts[0])
            if file.hasPrefix(root) { file = displayPath + file.dropFirst(root.count) }
            let message = parts[3].trimmingCharacters(in: .whitespaces)
            let severity: Finding.Severity = message.hasPrefix("(E") ? .error : .warning
            return Finding(severity: severity, file: file, line: number, message: "luacheck " + message)
        }
    }

    static func executable(named name: String) -> URL? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
