import LuaHost
import PartnerModel

/// Turns the table a policy file returns into a validated ``Policy``.
///
/// Every error names the file, the line of the nearest declaration (ps.tier,
/// ps.at_least, ...) and the field, and says what is expected.
struct PolicyLoader {
    let file: String
    let contentHash: String

    func policy(from value: LuaValue) throws -> Policy {
        guard case .table(let root) = value, root["_kind"] == "policy" else {
            throw PolicyError(.validation, file: file,
                              "the file must return ps.policy { ... } (helper modules belong in a subfolder or Policies/lib)")
        }
        let line = Self.line(of: value)
        func fail(_ field: String, _ message: String, line override: Int? = nil) -> PolicyError {
            PolicyError(.validation, file: file, line: override ?? line, field: field, message)
        }
        let allowed: Set<String> = ["name", "version", "effective", "programs", "cadence", "remediation", "tiers",
                                    "health", "milestones", "gates", "interventions", "flags", "description"]
        for key in root.keys where !key.hasPrefix("_") && !allowed.contains(key) {
            throw fail(key, "unknown field (expected one of \(allowed.sorted().joined(separator: ", ")))")
        }
        guard let name = root["name"]?.stringValue, !name.isEmpty else { throw fail("name", "expected a non-empty string") }
        guard let version = root["version"].flatMap(Self.text), !version.isEmpty else {
            throw fail("version", "expected a version string such as \"2026.1\"")
        }
        guard let effectiveText = root["effective"]?.stringValue else {
            throw fail("effective", "expected the effective date as \"YYYY-MM-DD\"")
        }
        let effective: Day
        do { effective = try Day(parsing: effectiveText) } catch { throw fail("effective", "\(error)") }
        guard let programValues = root["programs"]?.arrayValue, !programValues.isEmpty else {
            throw fail("programs", "expected a list of the program names this policy governs, e.g. { \"telecom-agents\" }")
        }
        var programs: [String] = []
        for (i, program) in programValues.enumerated() {
            guard let text = program.stringValue, !text.isEmpty else { throw fail("programs[\(i + 1)]", "expected a program name") }
            programs.append(text)
        }
        guard let cadenceText = root["cadence"]?.stringValue else {
            throw fail("cadence", "expected one of \(Cadence.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let cadence = Cadence(rawValue: cadenceText) else {
            throw fail("cadence", "unknown cadence '\(cadenceText)' (expected one of \(Cadence.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let remediation = try period(root["remediation"] ?? "0 days", field: "remediation", line: line)

        guard let tierValues = root["tiers"]?.arrayValue, !tierValues.isEmpty else {
            throw fail("tiers", "expected a non-empty list of tiers, lowest first: { ps.tier \"Registered\" { ... }, ... }")
        }
        var tiers: [TierDefinition] = []
        for (i, tierValue) in tierValues.enumerated() {
            tiers.append(try tier(tierValue, field: "tiers[\(i + 1)]", policyLine: line))
        }
        var seen: Set<String> = []
        for (i, tier) in tiers.enumerated() where !seen.insert(tier.name).inserted {
            throw fail("tiers[\(i + 1)].name", "tier '\(tier.name)' is declared twice", line: tier.line)
        }
        try checkOrder(tiers)

        let health = try healthModel(root["health"], policyLine: line)
        let milestones = try milestoneRules(root["milestones"], policyLine: line)
        var gates: [ComplianceGate] = []
        if let gateValues = root["gates"] {
            guard let list = gateValues.arrayValue else { throw fail("gates", "expected a list of ps.gate \"...\" { ... }") }
            for (i, gateValue) in list.enumerated() {
                gates.append(try gate(gateValue, field: "gates[\(i + 1)]", policyLine: line, tiers: tiers))
            }
        }
        let interventions = try interventionSteps(root["interventions"], policyLine: line)
        var flags: [PolicyFlag] = []
        if let flagValues = root["flags"] {
            guard let list = flagValues.arrayValue else { throw fail("flags", "expected a list of ps.flag \"Name\" { when = ... }") }
            for (i, item) in list.enumerated() {
                let field = "flags[\(i + 1)]"
                guard case .table(let spec) = item, let flagName = spec["name"]?.stringValue, !flagName.isEmpty else {
                    throw fail(field, "expected ps.flag \"Name\" { when = ps.above(\"deals_outside_territory_30d\", 0) }")
                }
                let flagLine = Self.line(of: item) ?? line
                guard let when = spec["when"] else {
                    throw PolicyError(.validation, file: file, line: flagLine, field: field + ".when",
                                      "expected the condition that raises the flag (a criterion or ps.check)")
                }
                flags.append(PolicyFlag(name: flagName, condition: try criterion(when, field: field + ".when", line: flagLine),
                                        file: file, line: flagLine))
            }
        }

        return Policy(name: name, version: version, effective: effective, programs: programs, cadence: cadence,
                      remediation: remediation, tiers: tiers, health: health, milestones: milestones, gates: gates,
                      interventions: interventions, flags: flags, file: file, contentHash: contentHash)
    }

    // MARK: - Tiers and criteria

    private func tier(_ value: LuaValue, field: String, policyLine: Int?) throws -> TierDefinition {
        guard case .table(let spec) = value else {
            throw PolicyError(.validation, file: file, line: policyLine, field: field, "expected ps.tier \"Name\" { ... }")
        }
        let line = Self.line(of: value) ?? policyLine
        guard let name = spec["name"]?.stringValue, !name.isEmpty else {
            throw PolicyError(.validation, file: file, line: line, field: field + ".name", "expected a tier name")
        }
        let allowed: Set<String> = ["name", "entry", "maintain", "benefits", "description"]
        for key in spec.keys where !key.hasPrefix("_") && !allowed.contains(key) {
            throw PolicyError(.validation, file: file, line: line, field: "\(field).\(key)",
                              "unknown tier field (expected entry, maintain, benefits)")
        }
        let entry = try criteria(spec["entry"], field: field + ".entry", line: line)
        let maintain = try spec["maintain"].map { try criteria($0, field: field + ".maintain", line: line) }
        var benefits: [String: BenefitValue] = [:]
        if let benefitValue = spec["benefits"] {
            guard case .table(let table) = benefitValue else {
                throw PolicyError(.validation, file: file, line: line, field: field + ".benefits",
                                  "expected a table of benefit = value, e.g. { commission = 0.12, mdf = 5000 }")
            }
            for (key, item) in table {
                switch item {
                case .integer(let i): benefits[key] = .number(Double(i))
                case .number(let d): benefits[key] = .number(d)
                case .string(let s): benefits[key] = .text(s)
                case .boolean(let b): benefits[key] = .flag(b)
                default:
                    throw PolicyError(.validation, file: file, line: line, field: "\(field).benefits.\(key)",
                                      "expected a number, text or boolean")
                }
            }
        }
        return TierDefinition(name: name, entry: entry, maintain: maintain, benefits: benefits, file: file, line: line)
    }

    private func criteria(_ value: LuaValue?, field: String, line: Int?) throws -> [Criterion] {
        guard let value else { return [] }
        guard let list = value.arrayValue else {
            throw PolicyError(.validation, file: file, line: line, field: field,
                              "expected a list of criteria, e.g. { ps.at_least(\"revenue_12m\", 50000) }")
        }
        return try list.enumerated().map { try criterion($0.element, field: "\(field)[\($0.offset + 1)]", line: line) }
    }

    func criterion(_ value: LuaValue, field: String, line outer: Int?) throws -> Criterion {
        guard case .table(let spec) = value else {
            throw PolicyError(.validation, file: file, line: outer, field: field,
                              "expected a criterion such as ps.at_least(\"revenue_12m\", 50000)")
        }
        let line = Self.line(of: value) ?? outer
        func fail(_ sub: String, _ message: String) -> PolicyError {
            PolicyError(.validation, file: file, line: line, field: sub.isEmpty ? field : "\(field).\(sub)", message)
        }
        guard let test = spec["test"]?.stringValue else {
            throw fail("test", "expected test = \"metric\", \"attribute\", \"certification\", \"credential\", \"territories\" or \"function\"")
        }
        func comparison() throws -> (Comparison, Double) {
            guard let opText = spec["op"]?.stringValue, let op = Comparison(rawValue: opText) else {
                throw fail("op", "expected one of \(Comparison.allCases.map(\.rawValue).joined(separator: " "))")
            }
            guard let threshold = spec["value"]?.doubleValue else {
                throw fail("value", "expected a numeric threshold, got \(spec["value"]?.typeName ?? "nil")")
            }
            return (op, threshold)
        }
        switch test {
        case "metric":
            guard let name = spec["metric"]?.stringValue else { throw fail("metric", "expected a metric name") }
            guard let metric = Metric(name: name) else {
                throw fail("metric", "unknown metric '\(name)'" + MetricNames.suggestion(for: name))
            }
            let (op, threshold) = try comparison()
            return Criterion(test: .metric(metric, op, threshold),
                             label: "\(name) \(op.symbol) \(Format.number(threshold, money: metric.isMoney))",
                             file: file, line: line)
        case "attribute":
            guard let name = spec["name"]?.stringValue, !name.isEmpty else { throw fail("name", "expected an attribute name") }
            let (op, threshold) = try comparison()
            return Criterion(test: .attribute(name, op, threshold), label: "\(name) \(op.symbol) \(Format.number(threshold))",
                             file: file, line: line)
        case "certification":
            guard let name = spec["name"]?.stringValue, !name.isEmpty else { throw fail("name", "expected a certification name") }
            return Criterion(test: .certification(name), label: "certified: \(name)", file: file, line: line)
        case "credential":
            guard let name = spec["name"]?.stringValue, !name.isEmpty else { throw fail("name", "expected a credential kind") }
            return Criterion(test: .credential(name), label: "valid credential: \(name)", file: file, line: line)
        case "territories":
            let (op, threshold) = try comparison()
            return Criterion(test: .territories(op, threshold), label: "authorized territories \(op.symbol) \(Format.number(threshold))",
                             file: file, line: line)
        case "function":
            guard case .function(let reference) = spec["fn"] ?? .nil else { throw fail("fn", "expected a function(p) returning passed, observed, required") }
            let label = spec["label"]?.stringValue ?? "custom check"
            return Criterion(test: .function(reference), label: label, file: file, line: line)
        default:
            throw fail("test", "unknown criterion test '\(test)'")
        }
    }

    /// Tiers must be ordered lowest first: a higher tier may not ask for less
    /// of the same metric than a lower one.
    private func checkOrder(_ tiers: [TierDefinition]) throws {
        var floors: [Metric: (Double, String)] = [:]
        for tier in tiers {
            for criterion in tier.entry {
                guard case .metric(let metric, let op, let threshold) = criterion.test, op == .atLeast || op == .above else { continue }
                if let (previous, lowerTier) = floors[metric], threshold < previous {
                    throw PolicyError(.validation, file: file, line: criterion.line, field: "tiers.\(tier.name).entry",
                                      "tiers out of order: \(tier.name) asks for \(metric.name) \(op.symbol) \(Format.number(threshold)) "
                                          + "but the lower tier \(lowerTier) already asks for \(Format.number(previous)); list tiers lowest first")
                }
                floors[metric] = (threshold, tier.name)
            }
        }
    }

    // MARK: - Health

    private func healthModel(_ value: LuaValue?, policyLine: Int?) throws -> HealthModel {
        guard let value else {
            return HealthModel(components: [], bands: Self.defaultBands)
        }
        guard case .table(let spec) = value else {
            throw PolicyError(.validation, file: file, line: policyLine, field: "health", "expected { components = {...}, bands = {...} }")
        }
        guard let list = spec["components"]?.arrayValue, !list.isEmpty else {
            throw PolicyError(.validation, file: file, line: policyLine, field: "health.components",
                              "expected a non-empty list of components, e.g. ps.component \"revenue\" { weight = 0.4, metric = \"revenue_3m\", target = 30000 }")
        }
        var components: [HealthComponent] = []
        for (i, item) in list.enumerated() {
            let field = "health.components[\(i + 1)]"
            guard case .table(let c) = item else {
                throw PolicyError(.validation, file: file, line: policyLine, field: field, "expected a component table")
            }
            let line = Self.line(of: item) ?? policyLine
            func fail(_ sub: String, _ message: String) -> PolicyError {
                PolicyError(.validation, file: file, line: line, field: "\(field).\(sub)", message)
            }
            guard let name = c["name"]?.stringValue, !name.isEmpty else { throw fail("name", "expected a component name") }
            guard let weight = c["weight"]?.doubleValue, weight > 0 else { throw fail("weight", "expected a positive number") }
            if case .function(let reference) = c["score"] ?? .nil {
                components.append(HealthComponent(name: name, weight: weight, metric: nil, target: 1, floor: 0,
                                                  scoreFunction: reference, file: file, line: line))
                continue
            }
            guard let metricName = c["metric"]?.stringValue else {
                throw fail("metric", "expected a metric name or score = function(p) ... end")
            }
            guard let metric = Metric(name: metricName) else {
                throw fail("metric", "unknown metric '\(metricName)'" + MetricNames.suggestion(for: metricName))
            }
            guard let target = c["target"]?.doubleValue else { throw fail("target", "expected the value that scores full marks") }
            let floor = c["floor"]?.doubleValue ?? 0
            guard floor != target else { throw fail("floor", "floor and target must differ") }
            components.append(HealthComponent(name: name, weight: weight, metric: metric, target: target, floor: floor,
                                              scoreFunction: nil, file: file, line: line))
        }
        var bands = Self.defaultBands
        if let bandValue = spec["bands"] {
            guard case .table(let table) = bandValue, !table.isEmpty else {
                throw PolicyError(.validation, file: file, line: policyLine, field: "health.bands",
                                  "expected { green = 70, yellow = 40, red = 0 } (band = minimum score)")
            }
            bands = []
            for (name, minimum) in table {
                guard let value = minimum.doubleValue, (0...100).contains(value) else {
                    throw PolicyError(.validation, file: file, line: policyLine, field: "health.bands.\(name)",
                                      "expected a minimum score between 0 and 100")
                }
                bands.append(HealthBand(name: name, minimum: value))
            }
            bands.sort { $0.minimum > $1.minimum || ($0.minimum == $1.minimum && $0.name < $1.name) }
            if bands.last?.minimum != 0 {
                throw PolicyError(.validation, file: file, line: policyLine, field: "health.bands",
                                  "the lowest band must start at 0 so every score has a band")
            }
        }
        return HealthModel(components: components, bands: bands)
    }

    static let defaultBands = [HealthBand(name: "green", minimum: 70), HealthBand(name: "yellow", minimum: 40),
                               HealthBand(name: "red", minimum: 0)]

    // MARK: - Milestones

    private func milestoneRules(_ value: LuaValue?, policyLine: Int?) throws -> [MilestoneRule] {
        var deadlines: [MilestoneRule.Step: Period] = [:]
        for step in MilestoneRule.Step.allCases { deadlines[step] = step.defaultDeadline }
        if let value {
            guard case .table(let table) = value else {
                throw PolicyError(.validation, file: file, line: policyLine, field: "milestones",
                                  "expected { first_login = \"3 days\", ... } (defaults: ps.default_milestones)")
            }
            for (key, item) in table where !key.hasPrefix("_") {
                guard let step = MilestoneRule.Step(rawValue: key) else {
                    throw PolicyError(.validation, file: file, line: policyLine, field: "milestones.\(key)",
                                      "unknown milestone (expected \(MilestoneRule.Step.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                if item == .boolean(false) {
                    deadlines[step] = nil
                } else {
                    deadlines[step] = try period(item, field: "milestones.\(key)", line: policyLine)
                }
            }
        }
        return MilestoneRule.Step.allCases.compactMap { step in deadlines[step].map { MilestoneRule(step: step, deadline: $0) } }
    }

    // MARK: - Gates

    private func gate(_ value: LuaValue, field: String, policyLine: Int?, tiers: [TierDefinition]) throws -> ComplianceGate {
        guard case .table(let spec) = value else {
            throw PolicyError(.validation, file: file, line: policyLine, field: field, "expected ps.gate \"Name\" { ... }")
        }
        let line = Self.line(of: value) ?? policyLine
        func fail(_ sub: String, _ message: String) -> PolicyError {
            PolicyError(.validation, file: file, line: line, field: "\(field).\(sub)", message)
        }
        guard let name = spec["name"]?.stringValue, !name.isEmpty else { throw fail("name", "expected a gate name") }
        let requirement: ComplianceGate.Requirement
        if let kind = spec["credential"]?.stringValue {
            requirement = .credential(kind)
        } else if let certification = spec["certification"]?.stringValue {
            requirement = .certification(certification)
        } else {
            throw fail("credential", "expected credential = \"KIND\" or certification = \"NAME\"")
        }
        let warning = try period(spec["warn"] ?? "0 days", field: "\(field).warn", line: line)
        var products: [String] = [], benefits: [String] = []
        if let suspends = spec["suspends"] {
            guard case .table(let s) = suspends else { throw fail("suspends", "expected { products = {...}, benefits = {...} }") }
            products = try strings(s["products"], field: "\(field).suspends.products", line: line)
            benefits = try strings(s["benefits"], field: "\(field).suspends.benefits", line: line)
            let known = Set(tiers.flatMap { $0.benefits.keys })
            for benefit in benefits where !known.contains(benefit) {
                throw fail("suspends.benefits", "no tier declares a benefit named '\(benefit)' (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
        if products.isEmpty && benefits.isEmpty {
            throw fail("suspends", "a gate must suspend at least one product or benefit")
        }
        var appliesProducts: [String] = []
        var appliesFunction: LuaReference?
        switch spec["applies_to"] ?? .nil {
        case .nil: break
        case .function(let reference): appliesFunction = reference
        case let other: appliesProducts = try strings(other, field: "\(field).applies_to", line: line)
        }
        return ComplianceGate(name: name, requirement: requirement, warning: warning, suspendsProducts: products,
                              suspendsBenefits: benefits, appliesToProducts: appliesProducts, appliesFunction: appliesFunction,
                              file: file, line: line)
    }

    // MARK: - Interventions

    private func interventionSteps(_ value: LuaValue?, policyLine: Int?) throws -> [InterventionStep] {
        guard let value else { return [] }
        guard let list = value.arrayValue else {
            throw PolicyError(.validation, file: file, line: policyLine, field: "interventions",
                              "expected a list of { after = \"14 days\", action = \"...\" }")
        }
        var steps: [InterventionStep] = []
        for (i, item) in list.enumerated() {
            let field = "interventions[\(i + 1)]"
            guard case .table(let spec) = item else {
                throw PolicyError(.validation, file: file, line: policyLine, field: field, "expected { after = ..., action = ... }")
            }
            guard let action = spec["action"]?.stringValue, !action.isEmpty else {
                throw PolicyError(.validation, file: file, line: policyLine, field: field + ".action", "expected the action to take")
            }
            let after = try period(spec["after"] ?? "0 days", field: field + ".after", line: policyLine)
            var kinds: [AlertKind] = []
            for (j, kindName) in try strings(spec["kinds"], field: field + ".kinds", line: policyLine).enumerated() {
                guard let kind = AlertKind(rawValue: kindName) else {
                    throw PolicyError(.validation, file: file, line: policyLine, field: "\(field).kinds[\(j + 1)]",
                                      "unknown alert kind (expected \(AlertKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                kinds.append(kind)
            }
            steps.append(InterventionStep(after: after, action: action, owner: spec["owner"]?.stringValue, kinds: kinds))
        }
        for (i, pair) in zip(steps, steps.dropFirst()).enumerated() where Self.approximateDays(pair.1.after) < Self.approximateDays(pair.0.after) {
            throw PolicyError(.validation, file: file, line: policyLine, field: "interventions[\(i + 2)].after",
                              "the menu must escalate: list steps in increasing 'after' order")
        }
        return steps
    }

    // MARK: - Helpers

    private func strings(_ value: LuaValue?, field: String, line: Int?) throws -> [String] {
        guard let value, !value.isNil else { return [] }
        guard let list = value.arrayValue else {
            throw PolicyError(.validation, file: file, line: line, field: field, "expected a list of names")
        }
        return try list.enumerated().map { i, item in
            guard let text = item.stringValue else {
                throw PolicyError(.validation, file: file, line: line, field: "\(field)[\(i + 1)]", "expected a name")
            }
            return text
        }
    }

    /// `"60 days"`, `"3 months"`, `60` (days), `{ days = 60 }` or `{ months = 3 }`; each part at most
    /// ``Day/longestSpanInYears`` long, so the days computed from it stay exact.
    func period(_ value: LuaValue, field: String, line: Int?) throws -> Period {
        let help = "expected a period such as \"60 days\" or \"3 months\""
        let years = Day.longestSpanInYears
        let tooLong = PolicyError(.validation, file: file, line: line, field: field,
                                  "a period is at most \(years) years (\(years * 366) days, \(years * 12) months)")
        func checked(days: Double, months: Double) throws -> Period {
            guard days <= Double(years * 366), months <= Double(years * 12) else { throw tooLong }
            return Period(days: Int(days), months: Int(months))
        }
        switch value {
        case .integer(let days) where days >= 0: return try checked(days: Double(days), months: 0)
        case .string(let text):
            let parts = text.split(separator: " ")
            // Digits only; read as a Double so that a huge count is "too long", not an overflow.
            guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
                  let count = Double(parts[0]) else {
                throw PolicyError(.validation, file: file, line: line, field: field, help)
            }
            switch parts[1] {
            case "day", "days": return try checked(days: count, months: 0)
            case "week", "weeks": return try checked(days: count * 7, months: 0)
            case "month", "months": return try checked(days: 0, months: count)
            case "year", "years": return try checked(days: 0, months: count * 12)
            default: throw PolicyError(.validation, file: file, line: line, field: field, help)
            }
        case .table(let spec):
            let days = spec["days"]?.doubleValue ?? 0, months = spec["months"]?.doubleValue ?? 0
            guard days >= 0, months >= 0, days == days.rounded(), months == months.rounded() else {
                throw PolicyError(.validation, file: file, line: line, field: field, help)
            }
            return try checked(days: days, months: months)
        default:
            throw PolicyError(.validation, file: file, line: line, field: field, help)
        }
    }

    static func approximateDays(_ period: Period) -> Int { period.days + period.months * 30 }

    static func line(of value: LuaValue) -> Int? {
        if case .integer(let line) = value["_line"] { return Int(line) }
        return nil
    }

    static func text(_ value: LuaValue) -> String? {
        switch value {
        case .string(let s): s
        case .integer(let i): String(i)
        case .number(let d): String(d)
        default: nil
        }
    }
}

/// Metric names and "did you mean" suggestions.
public enum MetricNames {
    public static func suggestion(for name: String) -> String {
        let candidates = Metric.allCases.map(\.name)
        let best = candidates.map { ($0, distance(name, $0)) }.min { $0.1 < $1.1 }
        if let (candidate, d) = best, d <= max(2, name.count / 3) { return " — did you mean '\(candidate)'?" }
        return " (see docs/policies.md for the list of metrics)"
    }

    /// Levenshtein distance.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count), current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
