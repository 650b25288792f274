import LuaHost
import PartnerModel

/// A validated policy: what one policy file declares for the programs it governs.
///
/// A class: loaded once, never changed, and read for every partner, so an
/// evaluation holds one reference instead of copying (and retaining) every field.
public final class Policy: Sendable {
    public let name: String
    public let version: String
    public let effective: Day
    public let programs: [String]
    public let cadence: Cadence
    /// How long a partner in tier review has to recover before demotion.
    public let remediation: Period
    /// Lowest first.
    public let tiers: [TierDefinition]
    public let health: HealthModel
    public let milestones: [MilestoneRule]
    /// The day milestone deadlines count from.
    public let milestoneStart: MilestoneStart
    public let gates: [ComplianceGate]
    public let interventions: [InterventionStep]
    /// Conditions that raise a `policy_flag` alert for a person to look at.
    public let flags: [PolicyFlag]
    /// Which open alert's intervention a partner gets first, when several
    /// have one; empty: the most escalated step (then the oldest alert).
    public let interventionPrecedence: [AlertPattern]
    /// What each call of the policy's functions runs under: the defaults
    /// (``LuaLimits/default``), then the policy's `limits` field, then the
    /// limits the run sets explicitly (command-line flags).
    public let limits: LuaLimits
    /// Where the policy came from, e.g. `Policies/telecom/agents.lua`.
    public let file: String
    /// SHA-256 of the policy file and every module of its set (hex).
    public let contentHash: String
    /// What partners earn (nil: the policy declares no incentives).
    public let incentives: IncentivePlan?
    /// Name, version, content hash and file, as every decision of the policy records them.
    public let identity: PolicyIdentity
    /// The most criterion results one evaluation can have: every tier's
    /// entry criteria and the largest maintenance list.
    let criteriaPerEvaluation: Int
    /// The policy as every evaluation reads it.
    let plan: EvaluationPlan

    public init(name: String, version: String, effective: Day, programs: [String], cadence: Cadence, remediation: Period,
                tiers: [TierDefinition], health: HealthModel, milestones: [MilestoneRule],
                milestoneStart: MilestoneStart = .enrolment, gates: [ComplianceGate], interventions: [InterventionStep],
                interventionPrecedence: [AlertPattern] = [], flags: [PolicyFlag], limits: LuaLimits = .default, file: String,
                contentHash: String, incentives: IncentivePlan? = nil) {
        self.incentives = incentives
        self.name = name
        self.version = version
        self.effective = effective
        self.programs = programs
        self.cadence = cadence
        self.remediation = remediation
        self.tiers = tiers
        self.health = health
        self.milestones = milestones
        self.milestoneStart = milestoneStart
        self.gates = gates
        self.interventions = interventions
        self.interventionPrecedence = interventionPrecedence
        self.flags = flags
        self.limits = limits
        self.file = file
        self.contentHash = contentHash
        identity = PolicyIdentity(name: name, version: version, contentHash: contentHash, file: file)
        criteriaPerEvaluation = tiers.reduce(0) { $0 + $1.entry.count } + (tiers.map { $0.maintain?.count ?? 0 }.max() ?? 0)
        plan = EvaluationPlan(tiers: tiers, health: health, milestones: milestones, interventions: interventions,
                              precedence: interventionPrecedence, flags: flags)
    }

    /// The position of the tier named `name` (0 = entry tier), if the policy has it.
    public func tierIndex(named name: String?) -> Int? {
        guard let name else { return nil }
        return tiers.firstIndex { $0.name == name }
    }

    /// The tier named `name`, with its position (0 = entry tier).
    public func tier(named name: String?) -> (index: Int, definition: TierDefinition)? {
        guard let name, let index = tiers.firstIndex(where: { $0.name == name }) else { return nil }
        return (index, tiers[index])
    }

    /// The metric of the criterion a result is about (found by its source line and label), if it reads one.
    public func metric(of result: CriterionResult) -> Metric? {
        for tier in tiers {
            for criterion in tier.entry + (tier.maintain ?? [])
            where criterion.line == result.line && criterion.label == result.label && criterion.file == result.file {
                if case .metric(let metric, _, _) = criterion.test { return metric }
                return nil
            }
        }
        return nil
    }

    /// Whether the policy calls Lua functions when it evaluates a partner.
    public var usesFunctions: Bool {
        tiers.contains { $0.entry.contains(where: \.isFunction) || ($0.maintain ?? []).contains(where: \.isFunction) }
            || health.components.contains { $0.scoreFunction != nil }
            || gates.contains { $0.appliesFunction != nil }
            || flags.contains { $0.condition.isFunction }
    }
}

/// How often tiers are re-evaluated. Health, milestones and compliance are
/// monitored at every run whatever the cadence.
public enum Cadence: String, Sendable, CaseIterable, Codable {
    case monthly, quarterly, semiannual, annual, rolling

    /// Whether an evaluation on `day` is due, given the last tier evaluation.
    public func isDue(on day: Day, lastEvaluation: Day?) -> Bool {
        guard let last = lastEvaluation else { return true }
        guard day > last else { return false }
        let (y1, m1, _) = last.components, (y2, m2, _) = day.components
        switch self {
        case .rolling: return true
        case .monthly: return (y2, m2) != (y1, m1)
        case .quarterly: return (y2, (m2 - 1) / 3) != (y1, (m1 - 1) / 3)
        case .semiannual: return (y2, (m2 - 1) / 6) != (y1, (m1 - 1) / 6)
        case .annual: return y2 != y1
        }
    }

    /// When tiers are due, in words (docs/policies.md lists the same).
    public var calendar: String {
        switch self {
        case .monthly: "at the first evaluation in each calendar month"
        case .quarterly: "at the first evaluation in each calendar quarter (from January, April, July and October 1)"
        case .semiannual: "at the first evaluation in each half-year (from January 1 and July 1)"
        case .annual: "at the first evaluation in each calendar year"
        case .rolling: "at every evaluation"
        }
    }

    /// The first day an evaluation is due again after a due one on `day`: the
    /// start of the next calendar month, quarter (January, April, July,
    /// October), half-year (January, July) or year; the next day when rolling.
    public func nextDue(after day: Day) -> Day {
        let (year, month, _) = day.components
        let months = switch self {
        case .rolling: 0
        case .monthly: 1
        case .quarterly: 3
        case .semiannual: 6
        case .annual: 12
        }
        guard months > 0 else { return day.adding(days: 1) }
        let start = (month - 1) / months * months + 1   // first month of the day's period
        guard let first = Day(year: year, month: start, day: 1) else { return day.adding(days: 1) }
        return first.adding(months: months)
    }
}

public struct TierDefinition: Sendable {
    public var name: String
    /// All must hold to enter (or be promoted to) the tier. Empty: everyone qualifies.
    public var entry: [Criterion]
    /// All must hold to keep the tier; nil means the entry criteria.
    public var maintain: [Criterion]?
    /// Benefit name → value (commission rate, MDF amount, lead priority, SLA...).
    public var benefits: [String: BenefitValue]
    /// Names the tier had before a rename: a partner stored in one of them holds this tier.
    public var formerly: [String] = []
    public var file: String
    public var line: Int?

    public var maintenanceCriteria: [Criterion] { maintain ?? entry }
}

public enum BenefitValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Double)
    case text(String)
    case flag(Bool)

    public var description: String {
        switch self {
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .text(let t): t
        case .flag(let b): b ? "yes" : "no"
        }
    }

    /// Benefits are plain JSON values: `0.12`, `"4h"`, `true`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .flag(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let n): try container.encode(n)
        case .text(let t): try container.encode(t)
        case .flag(let b): try container.encode(b)
        }
    }
}

/// One condition a partner must meet.
public struct Criterion: Sendable {
    public enum Test: Sendable {
        /// A snapshot metric compared with a threshold.
        case metric(Metric, Comparison, Double)
        /// A measure the set declares compared with a threshold.
        case measure(MeasureRef, Comparison, Double)
        /// A custom attribute compared with a threshold.
        case attribute(String, Comparison, Double)
        /// A valid (unexpired) certification with this name.
        case certification(String)
        /// A valid credential or contract of this kind.
        case credential(String)
        /// At least this many authorized territories.
        case territories(Comparison, Double)
        /// A Lua function returning `passed, observed, required`.
        case function(LuaReference)
    }

    public let test: Test
    /// A designer-facing description ("revenue_12m ≥ 250,000").
    public var label: String
    public var file: String
    public var line: Int?
    /// What a declarative criterion asks for, in words (`"≥ 250,000"`,
    /// `"valid"`), written once at load rather than at every evaluation;
    /// nil for a function, which says it itself.
    public let requirement: String?

    public init(test: Test, label: String, file: String, line: Int?) {
        self.test = test
        self.label = label
        self.file = file
        self.line = line
        requirement = switch test {
        case .metric(let metric, let op, let threshold): "\(op.symbol) \(Format.metric(threshold, metric))"
        case .measure(let measure, let op, let threshold): "\(op.symbol) \(Format.value(threshold, measure.type))"
        case .attribute(_, let op, let threshold), .territories(let op, let threshold): "\(op.symbol) \(Format.number(threshold))"
        case .certification, .credential: "valid"
        case .function: nil
        }
    }

    public var isFunction: Bool { if case .function = test { true } else { false } }

    /// The metric a declarative criterion reads, if any.
    public var metric: Metric? { if case .metric(let m, _, _) = test { m } else { nil } }

    /// What a criterion comparing a metric or a measure with a threshold
    /// compares (by name: measure names are never metric names), how, with
    /// what, and the type of the value (how to write it).
    public var comparison: (name: String, op: Comparison, threshold: Double, type: MeasureType)? {
        switch test {
        case .metric(let metric, let op, let threshold): (metric.name, op, threshold, MeasureType(metric))
        case .measure(let measure, let op, let threshold): (measure.name, op, threshold, measure.type)
        default: nil
        }
    }
}

/// A declared measure as criteria and health components read it: its
/// position in the set's ``MeasurePlan`` (and in every snapshot's measures),
/// its name and its type.
public struct MeasureRef: Sendable, Hashable {
    public let index: Int
    public let name: String
    public let type: MeasureType

    public init(index: Int, name: String, type: MeasureType) {
        self.index = index
        self.name = name
        self.type = type
    }
}

/// The weighted health score and its bands.
public struct HealthModel: Sendable {
    public var components: [HealthComponent]
    /// Highest first; the last band has the lowest minimum.
    public var bands: [HealthBand]

    /// The band whose partners raise a `health_red` alert: the lowest, when
    /// there are components and more than one band.
    public var alertingBand: String? { bands.count > 1 && !components.isEmpty ? bands.last?.name : nil }
}

public struct HealthComponent: Sendable {
    public let name: String
    public let weight: Double
    /// Linear score from `floor` (0) to `target` (1), clamped; `floor` above
    /// `target` means lower is better (days since last activity).
    public let metric: Metric?
    /// Or a declared measure, scored the same way.
    public let measure: MeasureRef?
    public let target: Double
    public let floor: Double
    /// Or a Lua function returning a score in 0...1 (and a detail text).
    public let scoreFunction: LuaReference?
    public var file: String
    public var line: Int?

    /// The target in words, as evaluations show it (`"15,000"`, `"score 1"`),
    /// written once at load.
    public let targetText: String

    public init(name: String, weight: Double, metric: Metric?, measure: MeasureRef? = nil, target: Double, floor: Double,
                scoreFunction: LuaReference?, file: String, line: Int?) {
        self.name = name
        self.weight = weight
        self.metric = metric
        self.measure = measure
        self.target = target
        self.floor = floor
        self.scoreFunction = scoreFunction
        self.file = file
        self.line = line
        targetText = scoreFunction != nil ? "score 1"
            : metric.map { Format.metric(target, $0) } ?? measure.map { Format.value(target, $0.type) } ?? ""
    }
}

public struct HealthBand: Sendable, Hashable, Codable {
    public var name: String
    public var minimum: Double
}

/// An onboarding milestone: reached by a deadline after enrolment.
public struct MilestoneRule: Sendable, Hashable {
    public enum Step: String, Sendable, CaseIterable, Codable {
        case firstLogin = "first_login"
        case firstTraining = "first_training"
        case firstDealRegistration = "first_deal_registration"
        case firstDealWon = "first_deal_won"
        case firstTierQualification = "first_tier_qualification"
        case firstTierAdvancement = "first_tier_advancement"

        public var meaning: String {
            switch self {
            case .firstLogin: "first portal login"
            case .firstTraining: "first training module completed"
            case .firstDealRegistration: "first deal registration"
            case .firstDealWon: "first deal won"
            case .firstTierQualification: "first qualification for a tier above the entry tier"
            case .firstTierAdvancement: "first tier advancement"
            }
        }

        /// The defaults from the partner success literature.
        public var defaultDeadline: Period {
            switch self {
            case .firstLogin: Period(days: 3)
            case .firstTraining: Period(days: 7)
            case .firstDealRegistration: Period(days: 30)
            case .firstDealWon: Period(days: 90)
            case .firstTierQualification: Period(months: 12)
            case .firstTierAdvancement: Period(months: 18)
            }
        }
    }

    public var step: Step
    public var deadline: Period
}

/// The day milestone deadlines count from (`milestones = { from = ... }`).
public enum MilestoneStart: String, Sendable, CaseIterable, Codable {
    /// The partner's enrolment (the default).
    case enrolment
    /// The later of the partner's enrolment and the policy's `effective`
    /// date: partners enrolled before a program moved onto Partnerscore get
    /// their deadlines from that date, not from years ago.
    case effectiveOrEnrolment = "effective_or_enrolment"

    /// The day deadlines count from for a partner enrolled on `enrolled`.
    public func start(enrolled: Day, effective: Day) -> Day {
        switch self {
        case .enrolment: enrolled
        case .effectiveOrEnrolment: max(enrolled, effective)
        }
    }
}

/// A compliance requirement separate from scores: while the credential or
/// certification is not valid, the named product authorizations and benefits
/// are suspended; a warning is raised `warning` ahead of expiry.
public struct ComplianceGate: Sendable {
    public enum Requirement: Sendable, Hashable {
        case credential(String)
        case certification(String)

        public var name: String {
            switch self {
            case .credential(let k): k
            case .certification(let n): n
            }
        }
    }

    public var name: String
    public var requirement: Requirement
    public var warning: Period
    public var suspendsProducts: [String]
    public var suspendsBenefits: [String]
    /// The gate applies only to partners authorized for one of these products (empty: all).
    public var appliesToProducts: [String]
    /// Or a Lua function deciding whether the gate applies.
    public var appliesFunction: LuaReference?
    public var file: String
    public var line: Int?
}

/// A named condition that, while it holds, raises a `policy_flag` alert (e.g.
/// deal registrations outside the partner's territory, to review before
/// approving them).
public struct PolicyFlag: Sendable {
    public var name: String
    /// The flag is raised while this holds.
    public var condition: Criterion
    public var file: String
    public var line: Int?
}

/// One rung of the intervention menu: used once an alert has been open `after`.
public struct InterventionStep: Sendable, Hashable {
    public var after: Period
    public var action: String
    public var owner: String?
    /// Who the step's task goes to when it is not the partner's channel
    /// account manager's (nil: the owner's name; see ``assignee(cam:)``).
    public var queue: String?
    /// While the task this step opened for an alert is acknowledged, the
    /// alert does not escalate past this step until the acknowledgement day
    /// plus this period (nil: acknowledging does not hold escalation).
    public var pause: Period?
    /// Alert kinds it answers (empty: any).
    public var kinds: [AlertKind]
    /// The gates, flags and milestones whose alerts it answers (all empty:
    /// alerts about anything). A step that names any is a route: alerts about
    /// what it names are answered only by the steps that name them.
    public var gates: [String] = []
    public var flags: [String] = []
    public var milestones: [String] = []
    public var file: String = ""
    public var line: Int?

    /// Whether the step names the subject of alerts of `kind` called `subject`.
    public func names(_ kind: AlertKind, _ subject: String) -> Bool {
        switch kind {
        case .gateWarning, .gateLapsed: gates.contains(subject)
        case .policyFlag: flags.contains(subject)
        case .milestoneOverdue: milestones.contains(subject)
        case .tierReview, .healthRed: false
        }
    }

    /// Whether the step names any gate, flag or milestone.
    public var isRoute: Bool { !gates.isEmpty || !flags.isEmpty || !milestones.isEmpty }

    /// Whether the step is the channel account manager's: its owner is `CAM` (any case).
    public var isCAMStep: Bool { owner?.caseInsensitiveCompare(Self.camOwner) == .orderedSame }

    static let camOwner = "CAM"

    /// Who the task this step opens for a partner goes to: the partner's
    /// channel account manager (`cam`) for a CAM step when it has one, else
    /// the step's `queue`, else its owner, else `unassigned`.
    public func assignee(cam: String?) -> String {
        if isCAMStep, let cam, !cam.isEmpty { return cam }
        return queue ?? owner ?? "unassigned"
    }
}

/// An alert kind, or one alert (`gate_lapsed:ISO27001`): an entry of a
/// policy's `intervention_precedence`.
public struct AlertPattern: Sendable, Hashable, CustomStringConvertible {
    public var kind: AlertKind
    /// nil: every alert of the kind.
    public var subject: String?

    public init(kind: AlertKind, subject: String? = nil) {
        self.kind = kind
        self.subject = subject
    }

    public func matches(_ key: AlertKey) -> Bool { key.kind == kind && (subject == nil || subject == key.subject) }

    public var description: String { subject.map { "\(kind.rawValue):\($0)" } ?? kind.rawValue }
}

/// Why a partner needs attention.
public enum AlertKind: String, Sendable, CaseIterable, Codable, Comparable {
    case milestoneOverdue = "milestone_overdue"
    case tierReview = "tier_review"
    case gateWarning = "gate_warning"
    case gateLapsed = "gate_lapsed"
    case healthRed = "health_red"
    case policyFlag = "policy_flag"

    /// Ordered by raw value (alphabetical), compared as integers: alert keys
    /// are sorted for every partner at every run.
    public static func < (a: AlertKind, b: AlertKind) -> Bool { a.rank < b.rank }

    var rank: Int {
        switch self {
        case .gateLapsed: 0
        case .gateWarning: 1
        case .healthRed: 2
        case .milestoneOverdue: 3
        case .policyFlag: 4
        case .tierReview: 5
        }
    }

    public var meaning: String {
        switch self {
        case .milestoneOverdue: "onboarding milestone overdue"
        case .tierReview: "below tier maintenance criteria (tier review)"
        case .gateWarning: "compliance credential expiring soon"
        case .gateLapsed: "compliance credential lapsed"
        case .healthRed: "health score in the lowest band"
        case .policyFlag: "flagged by the policy"
        }
    }
}
