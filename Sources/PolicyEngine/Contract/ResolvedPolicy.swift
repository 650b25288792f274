import Foundation
import LuaHost
import PartnerModel

/// A policy set as the host reads it, every default filled in: what
/// `partnerscore policy show` prints. Keys are the contract's own field names
/// (snake_case); the JSON is written with sorted keys, so the same set always
/// prints the same bytes.
public struct ResolvedPolicySet: Encodable {
    var set: String
    var path: String
    var library: String
    var contentHash: String
    /// The measures the set declares, in its order: what each is, as data (name, type, meaning, where declared).
    var measures: [ResolvedMeasure]
    var policies: [ResolvedPolicy]

    enum CodingKeys: String, CodingKey {
        case set, path, library, policies, measures
        case contentHash = "content_hash"
    }

    public init(_ policySet: PolicySet) {
        set = policySet.name
        path = policySet.displayPath
        library = policySet.library.displayPath
        contentHash = policySet.contentHash
        measures = (0..<policySet.measures.shownCount).map { i in
            let d = policySet.measures.declarations[i]
            return ResolvedMeasure(name: d.name, type: policySet.measures.types[i].rawValue, meaning: d.meaning, declared: d.location)
        }
        policies = policySet.policies.map { ResolvedPolicy($0, lua: policySet.lua) }
    }

    /// Pretty-printed JSON with sorted keys and a final newline.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}

/// A declared measure as `policy show` lists it.
struct ResolvedMeasure: Encodable {
    var name: String
    var type: String
    var meaning: String
    /// `file:line` of its declaration.
    var declared: String
}

/// One policy with every default filled in.
struct ResolvedPolicy: Encodable {
    struct Cadence: Encodable {
        var name: String
        var tiersDue: String
        enum CodingKeys: String, CodingKey {
            case name
            case tiersDue = "tiers_due"
        }
    }

    struct Criterion: Encodable {
        var label: String
        var test: String
        var metric: String?
        /// A declared measure the criterion compares.
        var measure: String?
        var name: String?
        var op: String?
        var value: Double?
        /// `file:line` of a function.
        var function: String?
    }

    struct Tier: Encodable {
        var name: String
        var entry: [Criterion]
        var maintain: [Criterion]
        /// Whether `maintain` is the entry criteria because the tier gives none of its own.
        var maintainIsEntry: Bool
        var benefits: [String: BenefitValue]
        var formerly: [String]
        enum CodingKeys: String, CodingKey {
            case name, entry, maintain, benefits, formerly
            case maintainIsEntry = "maintain_is_entry"
        }
    }

    struct Gate: Encodable {
        var name: String
        var credential: String?
        var certification: String?
        var warn: String
        /// Product names, `"every partner"`, or `"function at FILE:LINE"`.
        var appliesTo: AppliesTo
        var suspends: [String: [String]]
        enum CodingKeys: String, CodingKey {
            case name, credential, certification, warn, suspends
            case appliesTo = "applies_to"
        }
    }

    enum AppliesTo: Encodable {
        case products([String])
        case text(String)
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .products(let list): try c.encode(list)
            case .text(let text): try c.encode(text)
            }
        }
    }

    struct Component: Encodable {
        var name: String
        var weight: Double
        /// The weight's share of all weights: the most points the component gives, out of 100.
        var share: Double
        var metric: String?
        var floor: Double?
        var target: Double?
        var score: String?
    }

    struct Band: Encodable {
        var name: String
        var minimum: Double
    }

    struct Health: Encodable {
        var components: [Component]
        var bands: [Band]
        /// The band whose partners get a health_red alert (none without components or with one band).
        var alertingBand: String?
        enum CodingKeys: String, CodingKey {
            case components, bands
            case alertingBand = "alerting_band"
        }
    }

    struct Flag: Encodable {
        var name: String
        var when: Criterion
    }

    struct Step: Encodable {
        var after: String
        var action: String
        var owner: String?
        /// Where the step's tasks go: the partner's cam for a CAM step (this queue when it has none), else this queue.
        var queue: String
        var camStep: Bool
        /// nil: acknowledging its task does not hold escalation.
        var pause: String?
        var kinds: [String]
        /// A route's gates, flags and milestones (all empty: not a route).
        var gates: [String]
        var flags: [String]
        var milestones: [String]

        enum CodingKeys: String, CodingKey {
            case after, action, owner, queue, camStep = "cam_step", pause, kinds, gates, flags, milestones
        }
    }

    /// What each call of the policy's functions runs under (0: none).
    struct Limits: Encodable {
        var instructions: Int64
        var memoryMB: Int
        var timeoutMS: Int64
        enum CodingKeys: String, CodingKey {
            case instructions
            case memoryMB = "memory_mb", timeoutMS = "timeout_ms"
        }
    }

    var file: String
    var name: String
    var version: String
    var effective: Day
    var programs: [String]
    var cadence: Cadence
    var remediation: String
    var tiers: [Tier]
    var gates: [Gate]
    var health: Health
    /// Milestone → deadline from enrolment, or false when switched off.
    var milestones: [String: Milestone]
    /// Where the deadlines count from (`enrolment`, `effective_or_enrolment`).
    var milestonesFrom: String
    var flags: [Flag]
    var interventions: [Step]
    var interventionPrecedence: [String]
    var limits: Limits
    var incentives: Incentives?

    /// `incentives` as the host reads it: each rule's basis in words, its rate and cap per tier (benefits resolved).
    struct Incentives: Encodable {
        struct Rule: Encodable {
            struct Accelerator: Encodable {
                var at: String
                var add: String
            }
            var name: String
            var line: String
            var every: String
            var fiscalYearStart: Int
            var basis: String
            /// Tier → rate (a SPIFF: its amount per event); tiers not listed earn nothing.
            var rate: [String: String]
            var accelerators: [Accelerator]
            /// MDF: tier → cap per period.
            var cap: [String: String]?
            var benefit: String?
            var promotion: [String: String]?
            /// `file:line` of a rate function (then `rate` is empty).
            var rateFunction: String?
            var declared: String
            enum CodingKeys: String, CodingKey {
                case name, line, every, basis, rate, accelerators, cap, benefit, promotion, declared
                case rateFunction = "rate_function"
                case fiscalYearStart = "fiscal_year_start"
            }
        }
        var currency: String
        var rules: [Rule]
    }

    enum CodingKeys: String, CodingKey {
        case file, name, version, effective, programs, cadence, remediation, tiers, gates, health, milestones, flags, interventions, limits
        case milestonesFrom = "milestones_from", interventionPrecedence = "intervention_precedence", incentives
    }

    enum Milestone: Encodable {
        case deadline(String)
        case off
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .deadline(let text): try c.encode(text)
            case .off: try c.encode(false)
            }
        }
    }

    init(_ policy: Policy, lua: LuaState) {
        func where_(_ function: LuaReference) -> String {
            lua.definition(of: function).map { "\($0.chunk):\($0.line)" } ?? "a function"
        }
        func criterion(_ c: PolicyEngine.Criterion) -> Criterion {
            var out = Criterion(label: c.label, test: "")
            switch c.test {
            case .metric(let metric, let op, let value):
                (out.test, out.metric, out.op, out.value) = ("metric", metric.name, op.rawValue, value)
            case .measure(let measure, let op, let value):
                (out.test, out.measure, out.op, out.value) = ("measure", measure.name, op.rawValue, value)
            case .attribute(let name, let op, let value):
                (out.test, out.name, out.op, out.value) = ("attribute", name, op.rawValue, value)
            case .certification(let name): (out.test, out.name) = ("certification", name)
            case .credential(let kind): (out.test, out.name) = ("credential", kind)
            case .territories(let op, let value): (out.test, out.op, out.value) = ("territories", op.rawValue, value)
            case .function(let function): (out.test, out.function) = ("function", where_(function))
            }
            return out
        }
        file = policy.file
        name = policy.name
        version = policy.version
        effective = policy.effective
        programs = policy.programs
        cadence = Cadence(name: policy.cadence.rawValue, tiersDue: policy.cadence.calendar)
        remediation = policy.remediation.description
        tiers = policy.tiers.map { tier in
            Tier(name: tier.name, entry: tier.entry.map(criterion), maintain: tier.maintenanceCriteria.map(criterion),
                 maintainIsEntry: tier.maintain == nil, benefits: tier.benefits, formerly: tier.formerly)
        }
        gates = policy.gates.map { gate in
            var credential: String?, certification: String?
            switch gate.requirement {
            case .credential(let kind): credential = kind
            case .certification(let name): certification = name
            }
            let appliesTo: AppliesTo = gate.appliesFunction.map { .text("function at \(where_($0))") }
                ?? (gate.appliesToProducts.isEmpty ? .text("every partner") : .products(gate.appliesToProducts))
            return Gate(name: gate.name, credential: credential, certification: certification, warn: gate.warning.description,
                        appliesTo: appliesTo, suspends: ["products": gate.suspendsProducts, "benefits": gate.suspendsBenefits])
        }
        let total = policy.health.components.reduce(0) { $0 + $1.weight }
        health = Health(
            components: policy.health.components.map { c in
                Component(name: c.name, weight: c.weight, share: (c.weight / total * 1000).rounded() / 10,
                          metric: c.metric?.name ?? c.measure?.name, floor: c.scoreFunction == nil ? c.floor : nil,
                          target: c.scoreFunction == nil ? c.target : nil, score: c.scoreFunction.map { "function at \(where_($0))" })
            },
            bands: policy.health.bands.map { Band(name: $0.name, minimum: $0.minimum) },
            alertingBand: policy.health.alertingBand)
        var milestones: [String: Milestone] = [:]
        for step in MilestoneRule.Step.allCases { milestones[step.rawValue] = .off }
        for rule in policy.milestones { milestones[rule.step.rawValue] = .deadline(rule.deadline.description) }
        self.milestones = milestones
        milestonesFrom = policy.milestoneStart.rawValue
        flags = policy.flags.map { Flag(name: $0.name, when: criterion($0.condition)) }
        interventions = policy.interventions.map { step in
            Step(after: step.after.description, action: step.action, owner: step.owner, queue: step.assignee(cam: nil),
                 camStep: step.isCAMStep, pause: step.pause?.description,
                 kinds: (step.kinds.isEmpty ? AlertKind.allCases : step.kinds).map(\.rawValue),
                 gates: step.gates, flags: step.flags, milestones: step.milestones)
        }
        interventionPrecedence = policy.interventionPrecedence.map(\.description)
        limits = Limits(instructions: policy.limits.instructions, memoryMB: policy.limits.memoryBytes >> 20,
                        timeoutMS: policy.limits.timeoutNanoseconds / 1_000_000)
        incentives = policy.incentives.map { plan in
            func perTier(_ rate: IncentiveRate) -> [String: String] {
                var out: [String: String] = [:]
                for tier in policy.tiers {
                    if let value = IncentiveRule.value(rate, tier: tier.name) { out[tier.name] = value.description }
                }
                return out
            }
            return Incentives(currency: plan.currency, rules: plan.rules.map { rule in
                Incentives.Rule(name: rule.name, line: rule.line.rawValue, every: rule.every.rawValue, fiscalYearStart: rule.fiscalYearStart,
                                basis: rule.basisMeaning, rate: perTier(rule.rate),
                                accelerators: rule.accelerators.map { .init(at: $0.at.description, add: $0.add.description) },
                                cap: rule.cap.map(perTier), benefit: rule.benefit,
                                promotion: rule.promotion.map { ["from": $0.from.description, "to": $0.to.description, "kind": $0.kind,
                                                                 "products": $0.products.joined(separator: ", ")] },
                                rateFunction: { if case .function(let f) = rule.rate { return where_(f) } else { return nil } }(),
                                declared: rule.location)
            })
        }
    }
}
