import LuaHost
import PartnerModel

/// Turns the table a policy file returns into a validated ``Policy``.
///
/// Every table of the contract is read through a ``ContractTable``: a field
/// its kind does not have (``Contract``) is an error with a "did you
/// mean", and so is a known field of the wrong type. Every error names the
/// file, the line of the nearest declaration (ps.tier, ps.at_least,
/// ps.step, ...) and the field, and says what is expected.
struct PolicyLoader {
    let file: String
    let contentHash: String
    /// The set's measures, and the names this policy declares (the ones its criteria and components may read).
    var measures = MeasurePlan.empty
    var declared: Set<String> = []
    /// The limits the run sets explicitly; they win over the policy's own.
    var runLimits = LuaLimits.Overrides()

    func policy(from value: LuaValue) throws -> Policy {
        guard case .table = value, value["_kind"] == "policy" else {
            throw PolicyError(.validation, file: file,
                              "the file must return ps.policy { ... } (helper modules belong in a subfolder or Policies/lib)")
        }
        // The root's path is empty: its fields are named as they are (`tiers[2]`, not `policy.tiers[2]`).
        let root = try ContractTable(value, path: "", line: nil, file: file, expected: "ps.policy { ... }")
        func fail(_ field: String, _ message: String, line: Int? = nil) -> PolicyError {
            PolicyError(.validation, file: file, line: line ?? root.line, field: field, message)
        }
        for key in root.fields.keys.sorted() where !ContractTable.recorded.contains(key) && !Contract.fieldNames(of: .policy).contains(key) {
            throw fail(key, "unknown field '\(key)'" + Suggestion.didYouMean(key, among: Contract.fieldNames(of: .policy))
                + " (expected \(ContractTable.list(Contract.fieldNames(of: .policy))))")
        }
        let line = root.line
        // A required field left out says so; one given with the wrong value says what it got.
        func need(_ key: String, _ expected: String) -> PolicyError {
            guard let value = root[key] else { return fail(key, "missing: every policy needs one — \(expected)") }
            return fail(key, "\(expected), got \(value.stringValue.map { "'\($0)'" } ?? value.typeName)")
        }
        guard let name = root["name"]?.stringValue, !name.isEmpty else { throw need("name", "expected a non-empty string") }
        guard let version = root["version"].flatMap(Self.text), !version.isEmpty else {
            throw need("version", "expected a version string such as \"2026.1\"")
        }
        if let description = root["description"], description.stringValue == nil {
            throw fail("description", "expected a text, got \(description.typeName)")
        }
        guard let effectiveText = root["effective"]?.stringValue else {
            throw need("effective", "expected the effective date as \"YYYY-MM-DD\"")
        }
        let effective: Day
        do { effective = try Day(parsing: effectiveText) } catch { throw fail("effective", "\(error)") }
        guard let programValues = root["programs"]?.arrayValue, !programValues.isEmpty else {
            throw need("programs", "expected a list of the program names this policy governs, e.g. { \"telecom-agents\" }")
        }
        var programs: [String] = []
        for (i, program) in programValues.enumerated() {
            guard let text = program.stringValue, !text.isEmpty else { throw fail("programs[\(i + 1)]", "expected a program name") }
            programs.append(text)
        }
        let cadences = Cadence.allCases.map(\.rawValue)
        guard let cadenceText = root["cadence"]?.stringValue else {
            throw need("cadence", "expected one of \(cadences.joined(separator: ", "))")
        }
        guard let cadence = Cadence(rawValue: cadenceText) else {
            throw fail("cadence", "unknown cadence '\(cadenceText)'" + Suggestion.didYouMean(cadenceText, among: cadences)
                + " (expected one of \(cadences.joined(separator: ", ")))")
        }
        let remediation = try root["remediation"].map { try ContractTable.period($0, path: "remediation", line: line, file: file) }
            ?? Period()

        guard let tierValues = root["tiers"]?.arrayValue, !tierValues.isEmpty else {
            throw need("tiers", "expected a non-empty list of tiers, lowest first: { ps.tier \"Registered\" { ... }, ... }")
        }
        var tiers: [TierDefinition] = []
        for (i, tierValue) in tierValues.enumerated() {
            tiers.append(try tier(tierValue, path: "tiers[\(i + 1)]", policyLine: line))
        }
        var seen: Set<String> = []
        for (i, tier) in tiers.enumerated() where !seen.insert(tier.name).inserted {
            throw fail("tiers[\(i + 1)].name", "tier '\(tier.name)' is declared twice", line: tier.line)
        }
        for (i, tier) in tiers.enumerated() {
            for (j, former) in tier.formerly.enumerated() where !seen.insert(former).inserted {
                throw fail("tiers[\(i + 1)].formerly[\(j + 1)]",
                           "'\(former)' already names a tier (or another tier's former name): a stored tier must map to one tier",
                           line: tier.line)
            }
        }
        try checkOrder(tiers)

        let health = try healthModel(root["health"], policyLine: line)
        let (milestones, milestoneStart) = try milestoneRules(root["milestones"], policyLine: line)
        var gates: [ComplianceGate] = []
        if let gateValues = root["gates"] {
            guard let list = gateValues.arrayValue else { throw fail("gates", "expected a list of ps.gate \"...\" { ... }") }
            for (i, gateValue) in list.enumerated() {
                let gate = try gate(gateValue, path: "gates[\(i + 1)]", policyLine: line, tiers: tiers)
                if gates.contains(where: { $0.name == gate.name }) {
                    throw fail("gates[\(i + 1)].name", "gate '\(gate.name)' is declared twice (alerts and state are kept by gate name)",
                               line: gate.line)
                }
                gates.append(gate)
            }
        }
        var flags: [PolicyFlag] = []
        if let flagValues = root["flags"] {
            guard let list = flagValues.arrayValue else { throw fail("flags", "expected a list of ps.flag \"Name\" { when = ... }") }
            for (i, item) in list.enumerated() {
                let flag = try flag(item, path: "flags[\(i + 1)]", policyLine: line)
                if flags.contains(where: { $0.name == flag.name }) {
                    throw fail("flags[\(i + 1)].name", "flag '\(flag.name)' is declared twice (alerts are kept by flag name)", line: flag.line)
                }
                flags.append(flag)
            }
        }
        let subjects = AlertSubjects(tiers: tiers.map(\.name), gates: gates.map(\.name), flags: flags.map(\.name),
                                     milestones: milestones.map(\.step.rawValue))
        let interventions = try interventionSteps(root["interventions"], policyLine: line, subjects: subjects)
        let precedence = try precedence(root["intervention_precedence"], policyLine: line, subjects: subjects)

        let limits = LuaLimits.default.overridden(by: try declaredLimits(root["limits"], line: line)).overridden(by: runLimits)

        return Policy(name: name, version: version, effective: effective, programs: programs, cadence: cadence,
                      remediation: remediation, tiers: tiers, health: health, milestones: milestones,
                      milestoneStart: milestoneStart, gates: gates, interventions: interventions,
                      interventionPrecedence: precedence, flags: flags, limits: limits, file: file, contentHash: contentHash,
                      incentives: try incentives(from: value, tiers: tiers))
    }

    /// A named declaration (`ps.tier "Gold" { ... }`): the table, checked to
    /// be what `constructor` makes and to have only `allowed` fields, and its name.
    private func declaration(_ value: LuaValue, path: String, policyLine: Int?, kind: String, constructor: String,
                             allowed: [String]) throws -> (ContractTable, String) {
        let spec = try ContractTable(value, path: path, line: policyLine, file: file, expected: "\(constructor) \"Name\" { ... }")
        guard spec.kind == kind else {
            throw spec.error(nil, "expected \(constructor) \"Name\" { ... }"
                + (spec.kind.map { ", got a \($0) (ps.\($0) ...)" } ?? ", got a plain table"))
        }
        try spec.allow(allowed)
        guard let name = spec["name"]?.stringValue, !name.isEmpty else {
            throw spec.error("name", "expected a name: \(constructor) \"Name\" { ... }")
        }
        _ = try spec.string("description", "a text", nonEmpty: false)
        return (spec, name)
    }

    // MARK: - Limits

    /// `limits = { instructions = N, memory_mb = N, timeout_ms = N }`: each a
    /// whole number from 1 to its ceiling (a policy cannot switch a limit off).
    private func declaredLimits(_ value: LuaValue?, line: Int?) throws -> LuaLimits.Overrides {
        guard let value, !value.isNil else { return .init() }
        let spec = try ContractTable(value, path: "limits", line: line, file: file,
                                     expected: "{ instructions = 20000000, memory_mb = 128, timeout_ms = 1000 } (any of them)")
        try spec.allow(Contract.fieldNames(of: .limits))
        var numbers: [String: Int64] = [:]
        for key in Contract.fieldNames(of: .limits) {
            guard let item = spec[key], let maximum = Contract.limitCeilings[key] else { continue }
            let number: Int64?
            switch item {
            case .integer(let i): number = i
            case .number(let d) where d == d.rounded() && abs(d) < 1e18: number = Int64(d)
            default: number = nil
            }
            guard let number, (1...maximum).contains(number) else {
                throw spec.error(key, "expected a whole number from 1 to \(maximum), got \(FunctionResults.describe(item))"
                    + " (a run can set any value with --\(key.replacingOccurrences(of: "_", with: "-")))")
            }
            numbers[key] = number
        }
        return LuaLimits.Overrides(instructions: numbers["instructions"], memoryMB: numbers["memory_mb"],
                                   timeoutMS: numbers["timeout_ms"])
    }

    // MARK: - Tiers and criteria

    private func tier(_ value: LuaValue, path: String, policyLine: Int?) throws -> TierDefinition {
        let (spec, name) = try declaration(value, path: path, policyLine: policyLine, kind: "tier", constructor: "ps.tier",
                                           allowed: Contract.fieldNames(of: .tier))
        let entry = try criteria(spec, "entry")
        let maintain = spec.has("maintain") ? try criteria(spec, "maintain") : nil
        var benefits: [String: BenefitValue] = [:]
        if let table = try spec.table("benefits", "a table of benefit = value, e.g. { commission = 0.12, mdf = 5000 }") {
            for (key, item) in table.fields {
                switch item {
                case .integer(let i): benefits[key] = .number(Double(i))
                case .number(let d) where d.isFinite: benefits[key] = .number(d)
                case .string(let s): benefits[key] = .text(s)
                case .boolean(let b): benefits[key] = .flag(b)
                default: throw table.error(key, "expected a number, text or boolean, got \(item.typeName)")
                }
            }
        }
        let formerly = try spec.names("formerly", "the tier's former names, e.g. { \"Silver\" }")
        return TierDefinition(name: name, entry: entry, maintain: maintain, benefits: benefits, formerly: formerly,
                              file: file, line: spec.line)
    }

    private func criteria(_ spec: ContractTable, _ key: String) throws -> [Criterion] {
        guard let list = try spec.list(key, "a list of criteria, e.g. { ps.at_least(\"revenue_12m\", 50000) }") else { return [] }
        return try list.enumerated().map { try criterion($0.element, path: "\(spec.path).\(key)[\($0.offset + 1)]", line: spec.line) }
    }

    func criterion(_ value: LuaValue, path: String, line outer: Int?) throws -> Criterion {
        let example = "a criterion such as ps.at_least(\"revenue_12m\", 50000)"
        let spec = try ContractTable(value, path: path, line: outer, file: file, expected: example)
        guard spec.kind == "criterion" else { throw spec.error(nil, "expected \(example), got a plain table") }
        let line = spec.line
        // What the constructors set; `options` is the optional last argument.
        try spec.allow(["test", "metric", "op", "value", "name", "label", "fn", "options"])
        var custom: String?
        if let options = try spec.table("options", "{ label = \"...\" } as the last argument") {
            try options.allow(Contract.fieldNames(of: .criterionOptions))
            custom = try options.string("label", "a non-empty text")
        }
        guard let test = spec["test"]?.stringValue else { throw spec.error("test", "expected \(example)") }
        func comparison() throws -> (Comparison, Double) {
            guard let opText = spec["op"]?.stringValue, let op = Comparison(rawValue: opText) else {
                throw spec.error("op", "expected one of \(Comparison.allCases.map(\.rawValue).joined(separator: " "))")
            }
            guard let threshold = try spec.number("value", "a numeric threshold") else {
                throw spec.error("value", "expected a numeric threshold, got nil")
            }
            return (op, threshold)
        }
        func name(_ what: String) throws -> String {
            guard let name = try spec.string("name", what) else { throw spec.error("name", "expected \(what), got nil") }
            return name
        }
        switch test {
        case "metric":
            guard let name = try spec.string("metric", "a metric name") else { throw spec.error("metric", "expected a metric name") }
            guard let metric = Metric(name: name) else {
                let measure = try measureRef(name, for: "a criterion") { spec.error("metric", $0) }
                let (op, threshold) = try comparison()
                return Criterion(test: .measure(measure, op, threshold),
                                 label: "\(custom ?? name) \(op.symbol) \(Format.value(threshold, measure.type))", file: file, line: line)
            }
            let (op, threshold) = try comparison()
            return Criterion(test: .metric(metric, op, threshold),
                             label: "\(custom ?? name) \(op.symbol) \(Format.metric(threshold, metric))", file: file, line: line)
        case "attribute":
            let attribute = try name("an attribute name")
            let (op, threshold) = try comparison()
            return Criterion(test: .attribute(attribute, op, threshold),
                             label: "\(custom ?? attribute) \(op.symbol) \(Format.number(threshold))", file: file, line: line)
        case "certification":
            let certification = try name("a certification name")
            return Criterion(test: .certification(certification), label: custom ?? "certified: \(certification)", file: file, line: line)
        case "credential":
            let kind = try name("a credential kind")
            return Criterion(test: .credential(kind), label: custom ?? "valid credential: \(kind)", file: file, line: line)
        case "territories":
            let (op, threshold) = try comparison()
            return Criterion(test: .territories(op, threshold),
                             label: "\(custom ?? "authorized territories") \(op.symbol) \(Format.number(threshold))", file: file, line: line)
        case "function":
            guard case .function(let reference) = spec["fn"] ?? .nil else {
                throw spec.error("fn", "expected a function(p) returning passed, observed, required, got \(spec["fn"]?.typeName ?? "nil")")
            }
            let label = try spec.string("label", "a label such as \"Joint customers ≥ 3\"") ?? "custom check"
            return Criterion(test: .function(reference), label: label, file: file, line: line)
        default:
            throw spec.error("test", "unknown criterion test '\(test)'")
        }
    }

    /// Tiers must be ordered lowest first: a higher tier may not ask for less
    /// of the same metric than a lower one.
    private func checkOrder(_ tiers: [TierDefinition]) throws {
        var floors: [String: (Double, String)] = [:]
        for tier in tiers {
            for criterion in tier.entry {
                guard let (name, op, threshold, type) = criterion.comparison, op == .atLeast || op == .above else { continue }
                if let (previous, lowerTier) = floors[name], threshold < previous {
                    throw PolicyError(.validation, file: file, line: criterion.line, field: "tiers.\(tier.name).entry",
                                      "tiers out of order: \(tier.name) asks for \(name) \(op.symbol) \(Format.value(threshold, type)) "
                                          + "but the lower tier \(lowerTier) already asks for \(Format.value(previous, type)); list tiers lowest first")
                }
                floors[name] = (threshold, tier.name)
            }
        }
    }

    // MARK: - Health

    private func healthModel(_ value: LuaValue?, policyLine: Int?) throws -> HealthModel {
        guard let value, !value.isNil else {
            return HealthModel(components: [], bands: Self.defaultBands)
        }
        let spec = try ContractTable(value, path: "health", line: policyLine, file: file,
                                     expected: "{ components = {...}, bands = {...} }")
        try spec.allow(Contract.fieldNames(of: .health))
        guard let list = try spec.list("components", "a list of ps.component \"name\" { ... }"), !list.isEmpty else {
            throw spec.error("components",
                             "expected a non-empty list of components, e.g. ps.component \"revenue\" { weight = 0.4, metric = \"revenue_3m\", target = 30000 }")
        }
        var components: [HealthComponent] = []
        for (i, item) in list.enumerated() {
            let (c, name) = try declaration(item, path: "health.components[\(i + 1)]", policyLine: policyLine, kind: "component",
                                            constructor: "ps.component", allowed: Contract.fieldNames(of: .component))
            guard let weight = try c.number("weight", "a positive number"), weight > 0 else {
                throw c.error("weight", "expected a positive number")
            }
            if let score = c["score"] {
                guard case .function(let reference) = score else { throw c.error("score", "expected a function(p), got \(score.typeName)") }
                for key in ["metric", "target", "floor"] where c.has(key) {
                    throw c.error(key, "a component scores with either score = function(p) or a metric (with target and floor), not both")
                }
                components.append(HealthComponent(name: name, weight: weight, metric: nil, target: 1, floor: 0,
                                                  scoreFunction: reference, file: file, line: c.line))
                continue
            }
            guard let metricName = try c.string("metric", "a metric name") else {
                throw c.error("metric", "expected a metric name or score = function(p) ... end")
            }
            let metric = Metric(name: metricName)
            let measure = metric == nil ? try measureRef(metricName, for: "a health component") { c.error("metric", $0) } : nil
            guard let target = try c.number("target", "the value that scores full marks") else {
                throw c.error("target", "expected the value that scores full marks")
            }
            let floor = try c.number("floor", "the value that scores nothing") ?? 0
            guard floor != target else { throw c.error("floor", "floor and target must differ") }
            components.append(HealthComponent(name: name, weight: weight, metric: metric, measure: measure, target: target,
                                              floor: floor, scoreFunction: nil, file: file, line: c.line))
        }
        var bands = Self.defaultBands
        if let table = try spec.table("bands", "{ green = 70, yellow = 40, red = 0 } (band = minimum score)") {
            guard !table.fields.isEmpty else {
                throw table.error(nil, "expected { green = 70, yellow = 40, red = 0 } (band = minimum score)")
            }
            bands = []
            for name in table.fields.keys.sorted() {
                if Int(name) != nil { throw table.error(name, "expected band = minimum score, e.g. { green = 70, yellow = 40, red = 0 }") }
                guard let value = try table.number(name, "a minimum score between 0 and 100"), (0...100).contains(value) else {
                    throw table.error(name, "expected a minimum score between 0 and 100")
                }
                bands.append(HealthBand(name: name, minimum: value))
            }
            bands.sort { $0.minimum > $1.minimum || ($0.minimum == $1.minimum && $0.name < $1.name) }
            if bands.last?.minimum != 0 {
                throw table.error(nil, "the lowest band must start at 0 so every score has a band")
            }
            // The traffic-light names carry their order: green above yellow above red. A
            // swap would put the best partners in the alerting band without a word.
            let lights = ["green", "yellow", "red"].compactMap { name in bands.first { $0.name == name } }
            for (higher, lower) in zip(lights, lights.dropFirst()) where higher.minimum <= lower.minimum {
                throw table.error(higher.name, "\(higher.name) starts at \(Format.number(higher.minimum)), not above \(lower.name) "
                    + "(\(Format.number(lower.minimum))): a band's number is the minimum score of that band, green highest")
            }
        }
        return HealthModel(components: components, bands: bands)
    }

    static let defaultBands = [HealthBand(name: "green", minimum: 70), HealthBand(name: "yellow", minimum: 40),
                               HealthBand(name: "red", minimum: 0)]

    // MARK: - Milestones

    private func milestoneRules(_ value: LuaValue?, policyLine: Int?) throws -> ([MilestoneRule], MilestoneStart) {
        var deadlines: [MilestoneRule.Step: Period] = [:]
        for step in MilestoneRule.Step.allCases { deadlines[step] = step.defaultDeadline }
        var start = MilestoneStart.enrolment
        if let value, !value.isNil {
            let spec = try ContractTable(value, path: "milestones", line: policyLine, file: file,
                                         expected: "{ first_login = \"3 days\", ... } (defaults: ps.default_milestones)")
            try spec.allow(Contract.fieldNames(of: .milestones))
            if let from = try spec.string("from", "\"enrolment\" or \"effective_or_enrolment\"") {
                let starts = MilestoneStart.allCases.map(\.rawValue)
                guard let parsed = MilestoneStart(rawValue: from) else {
                    throw spec.error("from", "unknown start '\(from)'" + Suggestion.didYouMean(from, among: starts)
                        + " (expected \(ContractTable.list(starts.map { "\"\($0)\"" })))")
                }
                start = parsed
            }
            for step in MilestoneRule.Step.allCases {
                guard let item = spec[step.rawValue] else { continue }
                if item == .boolean(false) {
                    deadlines[step] = nil
                } else {
                    deadlines[step] = try ContractTable.period(item, path: "milestones.\(step.rawValue)", line: spec.line, file: file)
                }
            }
        }
        let rules = MilestoneRule.Step.allCases.compactMap { step in deadlines[step].map { MilestoneRule(step: step, deadline: $0) } }
        return (rules, start)
    }

    // MARK: - Gates and flags

    private func gate(_ value: LuaValue, path: String, policyLine: Int?, tiers: [TierDefinition]) throws -> ComplianceGate {
        let (spec, name) = try declaration(value, path: path, policyLine: policyLine, kind: "gate", constructor: "ps.gate",
                                           allowed: Contract.fieldNames(of: .gate))
        let requirement: ComplianceGate.Requirement
        let credential = try spec.string("credential", "a credential kind such as \"HIPAA\"")
        let certification = try spec.string("certification", "a certification name")
        switch (credential, certification) {
        case (let kind?, nil): requirement = .credential(kind)
        case (nil, let name?): requirement = .certification(name)
        case (.some, .some): throw spec.error("certification", "a gate requires a credential or a certification, not both")
        case (nil, nil): throw spec.error("credential", "expected credential = \"KIND\" or certification = \"NAME\"")
        }
        let warning = try spec.period("warn") ?? Period()
        var products: [String] = [], benefits: [String] = []
        if let suspends = try spec.table("suspends", "{ products = {...}, benefits = {...} }") {
            try suspends.allow(Contract.fieldNames(of: .suspends))
            products = try suspends.names("products")
            benefits = try suspends.names("benefits")
            let known = Set(tiers.flatMap { $0.benefits.keys })
            for benefit in benefits where !known.contains(benefit) {
                throw suspends.error("benefits", "no tier declares a benefit named '\(benefit)'" + Suggestion.didYouMean(benefit, among: known.sorted())
                    + " (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
        if products.isEmpty && benefits.isEmpty {
            throw spec.error("suspends", "a gate must suspend at least one product or benefit")
        }
        var appliesProducts: [String] = []
        var appliesFunction: LuaReference?
        if case .function(let reference) = spec["applies_to"] ?? .nil {
            appliesFunction = reference
        } else {
            appliesProducts = try spec.names("applies_to", "a list of products, e.g. { \"ehr-cloud\" }, or a function(p)")
            // An empty list could mean "nobody" or "everybody": leaving the field out says everybody.
            if appliesProducts.isEmpty, spec["applies_to"] != nil {
                throw spec.error("applies_to", "an empty list applies to nobody — leave applies_to out to apply the gate to every partner, "
                    + "or list its products")
            }
        }
        return ComplianceGate(name: name, requirement: requirement, warning: warning, suspendsProducts: products,
                              suspendsBenefits: benefits, appliesToProducts: appliesProducts, appliesFunction: appliesFunction,
                              file: file, line: spec.line)
    }

    private func flag(_ value: LuaValue, path: String, policyLine: Int?) throws -> PolicyFlag {
        let (spec, name) = try declaration(value, path: path, policyLine: policyLine, kind: "flag", constructor: "ps.flag",
                                           allowed: Contract.fieldNames(of: .flag))
        guard let when = spec["when"] else {
            throw spec.error("when", "expected the condition that raises the flag (a criterion or ps.check)")
        }
        return PolicyFlag(name: name, condition: try criterion(when, path: path + ".when", line: spec.line), file: file, line: spec.line)
    }

    // MARK: - Interventions

    /// What alerts can be about: the names a step or a precedence entry may use.
    struct AlertSubjects {
        var tiers: [String]
        var gates: [String]
        var flags: [String]
        var milestones: [String]

        /// The subjects alerts of `kind` have.
        func of(_ kind: AlertKind) -> [String] {
            switch kind {
            case .milestoneOverdue: milestones
            case .tierReview: tiers
            case .gateWarning, .gateLapsed: gates
            case .healthRed: ["health"]
            case .policyFlag: flags
            }
        }
    }

    private func alertKind(_ name: String, in spec: ContractTable, field: String) throws -> AlertKind {
        guard let kind = AlertKind(rawValue: name) else {
            let kinds = AlertKind.allCases.map(\.rawValue)
            throw spec.error(field, "unknown alert kind '\(name)'" + Suggestion.didYouMean(name, among: kinds)
                + " (expected one of \(kinds.joined(separator: ", ")))")
        }
        return kind
    }

    private func interventionSteps(_ value: LuaValue?, policyLine: Int?, subjects: AlertSubjects) throws -> [InterventionStep] {
        guard let value, !value.isNil else { return [] }
        guard let list = value.arrayValue else {
            throw PolicyError(.validation, file: file, line: policyLine, field: "interventions",
                              "expected a list of ps.step { after = \"14 days\", action = \"...\" }, got \(value.typeName)")
        }
        var steps: [InterventionStep] = []
        for (i, item) in list.enumerated() {
            let spec = try ContractTable(item, path: "interventions[\(i + 1)]", line: policyLine, file: file,
                                         expected: "ps.step { after = ..., action = ... }")
            // ps.step records its line; a plain table { ... } is accepted too, named by the policy's line.
            if let kind = spec.kind, kind != "step" {
                throw spec.error(nil, "expected ps.step { after = ..., action = ... }, got a \(kind) (ps.\(kind) ...)")
            }
            try spec.allow(Contract.fieldNames(of: .intervention))
            guard let action = try spec.string("action", "the action to take") else { throw spec.error("action", "expected the action to take") }
            let after = try spec.period("after") ?? Period()
            let owner = try spec.string("owner", "who acts, e.g. \"CAM\"")
            let queue = try spec.string("queue", "the queue its tasks go to, e.g. \"partner-success\"")
            if let queue, queue.trimmingCharacters(in: .whitespaces).isEmpty {
                throw spec.error("queue", "expected the name of a queue, got an empty string (leave queue out to use the owner's name)")
            }
            let pause = try spec.period("pause")
            if let pause, pause == Period() {
                throw spec.error("pause", "a pause of 0 days holds nothing: give a period such as \"14 days\", or leave pause out")
            }
            var kinds: [AlertKind] = []
            for (j, kindName) in try spec.names("kinds", "a list of alert kinds, e.g. { \"gate_lapsed\" }").enumerated() {
                kinds.append(try alertKind(kindName, in: spec, field: "kinds[\(j + 1)]"))
            }
            var step = InterventionStep(after: after, action: action, owner: owner, queue: queue, pause: pause, kinds: kinds,
                                        file: file, line: spec.line)
            for (key, known, what) in [("gates", subjects.gates, "gate"), ("flags", subjects.flags, "flag"),
                                       ("milestones", subjects.milestones, "milestone")] {
                let names = try spec.names(key, "a list of \(what) names")
                for (j, name) in names.enumerated() where !known.contains(name) {
                    throw spec.error("\(key)[\(j + 1)]", "no \(what) named '\(name)' in this policy" + Suggestion.didYouMean(name, among: known)
                        + (known.isEmpty ? " (it declares none)" : " (it has \(known.joined(separator: ", ")))"))
                }
                switch key {
                case "gates": step.gates = names
                case "flags": step.flags = names
                default: step.milestones = names
                }
            }
            if step.isRoute, !kinds.isEmpty, !kinds.contains(where: { kind in
                (kind == .gateWarning || kind == .gateLapsed) && !step.gates.isEmpty
                    || kind == .policyFlag && !step.flags.isEmpty || kind == .milestoneOverdue && !step.milestones.isEmpty
            }) {
                throw spec.error("kinds", "this step answers no alert: none of its kinds is about what it names "
                    + "(gates: gate_warning, gate_lapsed; flags: policy_flag; milestones: milestone_overdue)")
            }
            steps.append(step)
        }
        // The menu must escalate along every path an alert can take through it: the steps that name
        // nothing, and the steps that name each gate, flag or milestone (a route may follow the others).
        var tracks: [String: [Int]] = [:]
        for (i, step) in steps.enumerated() {
            if !step.isRoute { tracks["", default: []].append(i) }
            for name in step.gates { tracks["gate \(name)", default: []].append(i) }
            for name in step.flags { tracks["flag \(name)", default: []].append(i) }
            for name in step.milestones { tracks["milestone \(name)", default: []].append(i) }
        }
        let late = tracks.values.flatMap { track in
            zip(track, track.dropFirst()).filter { Self.approximateDays(steps[$0.1].after) < Self.approximateDays(steps[$0.0].after) }
        }.min { $0.1 < $1.1 }
        if let (earlier, i) = late {
            throw PolicyError(.validation, file: file, line: steps[i].line ?? policyLine, field: "interventions[\(i + 1)].after",
                              "the menu must escalate: list steps in increasing 'after' order (this one comes after step \(earlier + 1), "
                                  + "which waits longer" + (steps[i].isRoute ? ", and answers the same alerts)" : ")"))
        }
        return steps
    }

    /// `intervention_precedence = { "gate_lapsed:ISO27001", "tier_review" }`: alert kinds or single alerts, first wins.
    private func precedence(_ value: LuaValue?, policyLine: Int?, subjects: AlertSubjects) throws -> [AlertPattern] {
        guard let value, !value.isNil else { return [] }
        let root = try ContractTable(["intervention_precedence": value], path: "", line: policyLine, file: file, expected: "")
        var patterns: [AlertPattern] = []
        let names = try root.names("intervention_precedence",
                                   "a list of alert kinds or alerts, e.g. { \"gate_lapsed:ISO27001\", \"tier_review\" }")
        for (i, entry) in names.enumerated() {
            let field = "intervention_precedence[\(i + 1)]"
            let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let kind = try alertKind(parts[0], in: root, field: field)
            var pattern = AlertPattern(kind: kind)
            if parts.count == 2 {
                let known = subjects.of(kind)
                guard known.contains(parts[1]) else {
                    throw PolicyError(.validation, file: file, line: policyLine, field: field,
                                      "no \(kind.rawValue) alert is about '\(parts[1])' in this policy" + Suggestion.didYouMean(parts[1], among: known)
                                          + (known.isEmpty ? "" : " (its \(kind.rawValue) alerts are about \(known.joined(separator: ", ")))"))
                }
                pattern.subject = parts[1]
            }
            if patterns.contains(pattern) {
                throw PolicyError(.validation, file: file, line: policyLine, field: field, "'\(entry)' is listed twice")
            }
            patterns.append(pattern)
        }
        return patterns
    }

    // MARK: - Helpers

    /// The measure named `name`, which this policy must declare and which
    /// must hold a number; the error says what `name` is otherwise.
    func measureRef(_ name: String, for use: String, fail: (String) -> PolicyError) throws -> MeasureRef {
        guard let index = measures.index(of: name) else {
            throw fail("unknown metric '\(name)'" + MetricNames.suggestion(for: name, measures: declared.sorted()))
        }
        guard declared.contains(name) else {
            throw fail("measure '\(name)' is declared by \(measures.declarations[index].location), not by this policy: "
                       + "add it to this policy's measures too (declare it once in a module of Policies/lib to share it)")
        }
        let type = measures.types[index]
        guard type.isComparable else {
            throw fail("'\(name)' is a date, which \(use) cannot compare with a number: "
                       + "measure aggregate = \"days_since_last\" for recency")
        }
        return MeasureRef(index: index, name: name, type: type)
    }

    static func approximateDays(_ period: Period) -> Int { period.days + period.months * 30 }

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
    /// " — did you mean '...'?" among the metrics and `measures` (names the policy declares), or where to look.
    public static func suggestion(for name: String, measures: [String] = []) -> String {
        let suggestion = Suggestion.didYouMean(name, among: Metric.allCases.map(\.name) + measures)
        return suggestion.isEmpty
            ? " (see docs/policies.md for the list of metrics; declare a measure in this policy's measures to use one)" : suggestion
    }
}
