import PartnerModel

/// Everything one evaluation decided about one partner, with the evidence:
/// the decision log stores it, `explain` renders it, `diff` compares two.
public struct PartnerEvaluation: Sendable, Encodable, Equatable {
    public var partnerID: String
    public var partnerName: String
    public var program: String
    public var asOf: Day
    public var policy: PolicyIdentity
    /// Whether tiers were due at this evaluation (cadence).
    public var tierDue: Bool
    public var previousTier: String?
    public var tier: String?
    public var previousStanding: Standing
    public var standing: Standing
    /// What happened to the tier at this evaluation.
    public var tierEvent: TierEvent
    public var review: TierReview?
    /// The highest tier whose entry criteria hold now.
    public var qualifiesFor: String?
    /// Entry criteria of every tier and the maintenance criteria of the current one.
    public var criteria: [CriterionResult]
    public var health: HealthResult
    public var milestones: [MilestoneResult]
    public var gates: [GateResult]
    public var alerts: [AlertResult]
    /// Alerts open at the previous run and resolved now.
    public var resolvedAlerts: [AlertKey]
    /// The most escalated intervention among the open alerts.
    public var intervention: InterventionChoice?
    /// Benefits of the tier after compliance suspensions.
    public var benefits: [String: BenefitValue]
    public var suspendedBenefits: [String]
    /// The products the partner may sell now: its product list less the
    /// products suspended by compliance; empty when ``authorizedAllProducts``.
    public var authorizedProducts: [String]
    /// The partner's product list is empty, which authorizes every product:
    /// it may sell every product but ``suspendedProducts``.
    public var authorizedAllProducts: Bool
    public var suspendedProducts: [String]
    /// SHA-256 of the input snapshot, so a replay can prove it saw the same data.
    public var snapshotHash: SnapshotDigest
    /// What each incentive rule pays for the period holding the day, with the
    /// tier held after this evaluation (empty without incentives). Not part of
    /// the decision's detail: the incentive ledger records it.
    public var incentives: [IncentiveEarning] = []

    public init(partnerID: String, partnerName: String, program: String, asOf: Day, policy: PolicyIdentity, tierDue: Bool, previousTier: String?, tier: String?, previousStanding: Standing, standing: Standing, tierEvent: TierEvent, review: TierReview?, qualifiesFor: String?, criteria: [CriterionResult], health: HealthResult, milestones: [MilestoneResult], gates: [GateResult], alerts: [AlertResult], resolvedAlerts: [AlertKey], intervention: InterventionChoice?, benefits: [String: BenefitValue], suspendedBenefits: [String], authorizedProducts: [String], authorizedAllProducts: Bool, suspendedProducts: [String], snapshotHash: SnapshotDigest, incentives: [IncentiveEarning] = []) {
        self.partnerID = partnerID
        self.partnerName = partnerName
        self.program = program
        self.asOf = asOf
        self.policy = policy
        self.tierDue = tierDue
        self.previousTier = previousTier
        self.tier = tier
        self.previousStanding = previousStanding
        self.standing = standing
        self.tierEvent = tierEvent
        self.review = review
        self.qualifiesFor = qualifiesFor
        self.criteria = criteria
        self.health = health
        self.milestones = milestones
        self.gates = gates
        self.alerts = alerts
        self.resolvedAlerts = resolvedAlerts
        self.intervention = intervention
        self.benefits = benefits
        self.suspendedBenefits = suspendedBenefits
        self.authorizedProducts = authorizedProducts
        self.authorizedAllProducts = authorizedAllProducts
        self.suspendedProducts = suspendedProducts
        self.snapshotHash = snapshotHash
        self.incentives = incentives
    }
}

/// Which policy made a decision: its name, version, content hash and file.
///
/// Its four texts live in one shared object: every evaluation carries the
/// identity of its policy, and copying one reference costs less than
/// retaining four strings (and comparing identities that share it is
/// immediate).
public struct PolicyIdentity: Sendable, Encodable, Hashable {
    private final class Texts: Sendable {
        let name: String
        let version: String
        let contentHash: String
        let file: String

        init(name: String, version: String, contentHash: String, file: String) {
            self.name = name
            self.version = version
            self.contentHash = contentHash
            self.file = file
        }
    }
    private var texts: Texts

    public init(name: String, version: String, contentHash: String, file: String) {
        texts = Texts(name: name, version: version, contentHash: contentHash, file: file)
    }

    public var name: String {
        get { texts.name }
        set { texts = Texts(name: newValue, version: version, contentHash: contentHash, file: file) }
    }
    public var version: String {
        get { texts.version }
        set { texts = Texts(name: name, version: newValue, contentHash: contentHash, file: file) }
    }
    public var contentHash: String {
        get { texts.contentHash }
        set { texts = Texts(name: name, version: version, contentHash: newValue, file: file) }
    }
    public var file: String {
        get { texts.file }
        set { texts = Texts(name: name, version: version, contentHash: contentHash, file: newValue) }
    }

    public static func == (a: PolicyIdentity, b: PolicyIdentity) -> Bool {
        a.texts === b.texts
            || (a.name == b.name && a.version == b.version && a.contentHash == b.contentHash && a.file == b.file)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(version)
        hasher.combine(contentHash)
        hasher.combine(file)
    }
}

public enum Standing: String, Sendable, Codable, Equatable {
    /// Holds a tier and meets its maintenance criteria (or no review is open).
    case good
    /// Below its tier's maintenance criteria, within the remediation period.
    case review
    /// Holds no tier.
    case none
}

public enum TierEvent: String, Sendable, Codable, Equatable, CaseIterable {
    /// Tiers were not due (cadence), nothing changed.
    case notDue = "not_due"
    /// Due, and the partner keeps its tier.
    case unchanged
    /// First tier assigned.
    case assigned
    case upgraded
    case reviewOpened = "review_opened"
    /// Still below maintenance criteria, review continues.
    case reviewContinues = "review_continues"
    case reviewCleared = "review_cleared"
    case demoted
}

public struct CriterionResult: Sendable, Encodable, Equatable {
    public enum Phase: String, Sendable, Codable { case entry, maintain }
    /// The criterion's tier, label, requirement and source line: shared by
    /// all its results (made once when its policy loads), not copied into each.
    var source: CriterionSource
    public var phase: Phase
    /// What the partner has, put in words only when read (``observed``).
    public var observation: Observation
    public var observedValue: Double?
    /// The requirement this result states, where it is not the source's (a function states its own).
    private var statedRequirement: String?
    public var thresholdValue: Double?
    public var passed: Bool

    init(source: CriterionSource, phase: Phase, observation: Observation, observedValue: Double?,
         statedRequirement: String?, thresholdValue: Double?, passed: Bool) {
        self.source = source
        self.phase = phase
        self.observation = observation
        self.observedValue = observedValue
        self.statedRequirement = statedRequirement
        self.thresholdValue = thresholdValue
        self.passed = passed
    }

    public init(tier: String, phase: Phase, label: String, observation: Observation, observedValue: Double?,
                required: String, thresholdValue: Double?, passed: Bool, file: String, line: Int?) {
        self.init(source: CriterionSource(tier: tier, label: label, requirement: required, file: file, line: line), phase: phase,
                  observation: observation, observedValue: observedValue, statedRequirement: nil,
                  thresholdValue: thresholdValue, passed: passed)
    }

    public var tier: String {
        get { source.tier }
        set { source = source.with(tier: newValue) }
    }
    public var label: String {
        get { source.label }
        set { source = source.with(label: newValue) }
    }
    /// What the partner has, in words (`"182,300"`, `"valid until 2027-01-31"`, `"none"`).
    public var observed: String {
        get { observation.words }
        set { observation = .words(newValue) }
    }
    /// What the criterion asks for (`"≥ 250,000"`).
    public var required: String {
        get { statedRequirement ?? source.requirement ?? "" }
        set { statedRequirement = newValue }
    }
    public var file: String {
        get { source.file }
        set { source = source.with(file: newValue) }
    }
    public var line: Int? {
        get { source.line }
        set { source = source.with(line: newValue) }
    }

    /// Equal when everything reads the same: an observation compares by its words.
    public static func == (a: CriterionResult, b: CriterionResult) -> Bool {
        a.phase == b.phase && a.observedValue == b.observedValue && a.thresholdValue == b.thresholdValue
            && a.passed == b.passed && a.required == b.required
            && (a.source === b.source || (a.tier == b.tier && a.label == b.label && a.file == b.file && a.line == b.line))
            && Observation.sameWords(a.observation, b.observation)
    }
}

/// What every result of one criterion says alike: the tier it belongs to
/// (`flag <name>` for a flag's condition), its label, what it asks for and
/// where it is declared.
final class CriterionSource: Sendable {
    let tier: String
    let label: String
    /// nil for a function, whose every call states its requirement.
    let requirement: String?
    let file: String
    let line: Int?

    init(tier: String, label: String, requirement: String?, file: String, line: Int?) {
        self.tier = tier
        self.label = label
        self.requirement = requirement
        self.file = file
        self.line = line
    }

    func with(tier: String? = nil, label: String? = nil, file: String? = nil) -> CriterionSource {
        CriterionSource(tier: tier ?? self.tier, label: label ?? self.label, requirement: requirement,
                        file: file ?? self.file, line: line)
    }

    func with(line: Int?) -> CriterionSource {
        CriterionSource(tier: tier, label: label, requirement: requirement, file: file, line: line)
    }
}

public struct HealthResult: Sendable, Encodable, Equatable {
    /// 0...100, rounded to one decimal.
    public var score: Double
    public var band: String
    public var components: [HealthComponentResult]

    public init(score: Double, band: String, components: [HealthComponentResult]) {
        self.score = score
        self.band = band
        self.components = components
    }
}

public struct HealthComponentResult: Sendable, Encodable, Equatable {
    public var name: String
    public var weight: Double
    /// 0...1
    public var score: Double
    /// Points of the total (0...100) this component contributed.
    public var contribution: Double
    /// What the partner has, put in words only when read (``observed``).
    public var observation: Observation
    public var target: String

    public init(name: String, weight: Double, score: Double, contribution: Double, observation: Observation, target: String) {
        self.name = name
        self.weight = weight
        self.score = score
        self.contribution = contribution
        self.observation = observation
        self.target = target
    }

    /// What the partner has, in words (`"12,000"`, `"none"`).
    public var observed: String {
        get { observation.words }
        set { observation = .words(newValue) }
    }

    /// Equal when everything reads the same: an observation compares by its words.
    public static func == (a: HealthComponentResult, b: HealthComponentResult) -> Bool {
        a.name == b.name && a.weight == b.weight && a.score == b.score && a.contribution == b.contribution
            && a.target == b.target && Observation.sameWords(a.observation, b.observation)
    }
}

public struct MilestoneResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case metOnTime = "met_on_time", metLate = "met_late", overdue, pending }
    public var milestone: MilestoneRule.Step
    public var deadline: Day
    public var reached: Day?
    public var status: Status
    /// Days late (met late), overdue (overdue) or left (pending); 0 when met on time.
    public var days: Int

    public init(milestone: MilestoneRule.Step, deadline: Day, reached: Day?, status: Status, days: Int) {
        self.milestone = milestone
        self.deadline = deadline
        self.reached = reached
        self.status = status
        self.days = days
    }
}

public struct GateResult: Sendable, Encodable, Equatable {
    public enum Event: String, Sendable, Codable {
        case none, warned, tripped, restored
    }
    public var gate: String
    public var requirement: String
    public var status: GateStatus
    public var previous: GateStatus?
    public var event: Event
    public var expires: Day?
    public var daysToExpiry: Int?
    public var suspendedProducts: [String]
    public var suspendedBenefits: [String]

    public init(gate: String, requirement: String, status: GateStatus, previous: GateStatus?, event: Event, expires: Day?, daysToExpiry: Int?, suspendedProducts: [String], suspendedBenefits: [String]) {
        self.gate = gate
        self.requirement = requirement
        self.status = status
        self.previous = previous
        self.event = event
        self.expires = expires
        self.daysToExpiry = daysToExpiry
        self.suspendedProducts = suspendedProducts
        self.suspendedBenefits = suspendedBenefits
    }
}

public struct AlertResult: Sendable, Encodable, Equatable {
    public var key: AlertKey
    public var firstRaised: Day
    public var daysOpen: Int
    /// 1-based position on the intervention menu reached (0: no step applies yet).
    public var step: Int
    public var intervention: String?
    public var owner: String?
    /// Until when an acknowledged task holds the alert at this step (a step's
    /// `pause`); nil when no pause holds it.
    public var pausedUntil: Day?

    public init(key: AlertKey, firstRaised: Day, daysOpen: Int, step: Int, intervention: String?, owner: String?, pausedUntil: Day? = nil) {
        self.key = key
        self.firstRaised = firstRaised
        self.daysOpen = daysOpen
        self.step = step
        self.intervention = intervention
        self.owner = owner
        self.pausedUntil = pausedUntil
    }
}

public struct InterventionChoice: Sendable, Encodable, Equatable {
    public var alert: AlertKey
    public var step: Int
    public var action: String
    public var owner: String?

    public init(alert: AlertKey, step: Int, action: String, owner: String?) {
        self.alert = alert
        self.step = step
        self.action = action
        self.owner = owner
    }
}
