import PartnerModel
import PolicyEngine

/// What an evaluation run did, in counts: the summary `evaluate` prints.
public struct RunSummary: Sendable, Codable, Equatable {
    public var policySet: String
    public var asOf: Day
    public var contentHash: String
    public var dryRun: Bool
    /// The ledger row of the run (nil for dry runs).
    public var runID: Int64?
    public var partners = 0
    /// Partners whose tiers were due at this run (cadence).
    public var tiersDue = 0
    public var tierEvents: [String: Int] = [:]
    /// Tier → partners holding it after the run ("none" for no tier).
    public var tierDistribution: [String: Int] = [:]
    public var healthBands: [String: Int] = [:]
    public var gatesTripped = 0
    public var gatesRestored = 0
    public var gateWarnings = 0
    /// Open alerts by intervention step ("step 0" = no step yet).
    public var alertsByStep: [String: Int] = [:]
    public var alertsByKind: [String: Int] = [:]
    public var alertsResolved = 0

    public init(policySet: String, asOf: Day, contentHash: String, dryRun: Bool) {
        self.policySet = policySet
        self.asOf = asOf
        self.contentHash = contentHash
        self.dryRun = dryRun
    }

    public var upgrades: Int { tierEvents[TierEvent.upgraded.rawValue, default: 0] }
    public var demotions: Int { tierEvents[TierEvent.demoted.rawValue, default: 0] }
    public var reviewsOpened: Int { tierEvents[TierEvent.reviewOpened.rawValue, default: 0] }

    mutating func add(_ e: PartnerEvaluation) {
        partners += 1
        if e.tierDue { tiersDue += 1 }
        tierEvents[e.tierEvent.rawValue, default: 0] += 1
        tierDistribution[e.tier ?? "none", default: 0] += 1
        healthBands[e.health.band, default: 0] += 1
        for gate in e.gates {
            switch gate.event {
            case .tripped: gatesTripped += 1
            case .restored: gatesRestored += 1
            case .warned: gateWarnings += 1
            case .none: break
            }
        }
        for alert in e.alerts {
            alertsByStep["step \(alert.step)", default: 0] += 1
            alertsByKind[alert.key.kind.rawValue, default: 0] += 1
        }
        alertsResolved += e.resolvedAlerts.count
    }

    enum CodingKeys: String, CodingKey {
        case policySet = "policy_set", asOf = "as_of", contentHash = "content_hash", dryRun = "dry_run"
        case runID = "run_id", partners, tiersDue = "tiers_due", tierEvents = "tier_events", tierDistribution = "tier_distribution"
        case healthBands = "health_bands", gatesTripped = "gates_tripped", gatesRestored = "gates_restored"
        case gateWarnings = "gate_warnings", alertsByStep = "alerts_by_step", alertsByKind = "alerts_by_kind"
        case alertsResolved = "alerts_resolved"
    }
}
