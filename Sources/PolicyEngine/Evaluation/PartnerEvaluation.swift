import PartnerModel

/// Everything one evaluation decided about one partner, with the evidence:
/// the decision log stores it, `explain` renders it, `diff` compares two.
public struct PartnerEvaluation: Sendable, Codable, Equatable {
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
    /// Authorized products after compliance suspensions.
    public var authorizedProducts: [String]
    public var suspendedProducts: [String]
    /// SHA-256 of the input snapshot, so a replay can prove it saw the same data.
    public var snapshotHash: SnapshotDigest
}

public struct PolicyIdentity: Sendable, Codable, Equatable, Hashable {
    public var name: String
    public var version: String
    public var contentHash: String
    public var file: String
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

public struct CriterionResult: Sendable, Codable, Equatable {
    public enum Phase: String, Sendable, Codable { case entry, maintain }
    public var tier: String
    public var phase: Phase
    public var label: String
    /// What the partner has, in words (`"182,300"`, `"valid until 2027-01-31"`, `"none"`).
    public var observed: String
    public var observedValue: Double?
    /// What the criterion asks for (`"≥ 250,000"`).
    public var required: String
    public var thresholdValue: Double?
    public var passed: Bool
    public var file: String
    public var line: Int?
}

public struct HealthResult: Sendable, Codable, Equatable {
    /// 0...100, rounded to one decimal.
    public var score: Double
    public var band: String
    public var components: [HealthComponentResult]
}

public struct HealthComponentResult: Sendable, Codable, Equatable {
    public var name: String
    public var weight: Double
    /// 0...1
    public var score: Double
    /// Points of the total (0...100) this component contributed.
    public var contribution: Double
    public var observed: String
    public var target: String
}

public struct MilestoneResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case metOnTime = "met_on_time", metLate = "met_late", overdue, pending }
    public var milestone: MilestoneRule.Step
    public var deadline: Day
    public var reached: Day?
    public var status: Status
    /// Days late (met late), overdue (overdue) or left (pending); 0 when met on time.
    public var days: Int
}

public struct GateResult: Sendable, Codable, Equatable {
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
}

public struct AlertResult: Sendable, Codable, Equatable {
    public var key: AlertKey
    public var firstRaised: Day
    public var daysOpen: Int
    /// 1-based position on the intervention menu reached (0: no step applies yet).
    public var step: Int
    public var intervention: String?
    public var owner: String?
}

public struct InterventionChoice: Sendable, Codable, Equatable {
    public var alert: AlertKey
    public var step: Int
    public var action: String
    public var owner: String?
}
