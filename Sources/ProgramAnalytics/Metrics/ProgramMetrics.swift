import PartnerModel

/// The figures a channel leader judges a partner program by, as of a day,
/// for the whole deployment, each policy set and each program
/// (``ProgramMetrics/segments``). Every figure is computed only from data
/// dated on or before ``asOf``; see `docs/ARCHITECTURE.md` (ProgramAnalytics)
/// for the exact definitions.
public struct ProgramMetrics: Sendable, Codable, Equatable {
    public var asOf: Day
    /// All programs first, then each policy set, then each program (by name).
    public var segments: [SegmentMetrics]

    public init(asOf: Day, segments: [SegmentMetrics]) {
        self.asOf = asOf
        self.segments = segments
    }

    /// The segment covering every program.
    public var overall: SegmentMetrics { segments[0] }

    public func segment(_ kind: Scope.Kind, _ name: String) -> SegmentMetrics? {
        segments.first { $0.scope.kind == kind && $0.scope.name == name }
    }

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", segments
    }
}

/// Which partners a segment's figures cover.
public struct Scope: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable { case all, policySet = "policy_set", program }
    public var kind: Kind
    /// The set or program name ("" for all).
    public var name: String

    public init(_ kind: Kind, _ name: String = "") {
        self.kind = kind
        self.name = name
    }

    public var description: String {
        switch kind {
        case .all: "all programs"
        case .policySet: "policy set \(name)"
        case .program: "program \(name)"
        }
    }
}

public struct SegmentMetrics: Sendable, Codable, Equatable {
    public var scope: Scope
    /// The programs covered, by name.
    public var programs: [String]
    public var partners: PartnerCounts
    public var funnel: OnboardingFunnel
    public var activation: Activation
    public var timeToFirstRevenue: TimeToFirstRevenue
    public var firstYearRetention: FirstYearRetention
    public var growth: CommercialGrowth
    public var concentration: RevenueConcentration
    public var certifications: CertificationCoverage
    public var dealRegistrations: DealRegistrationFlags
    /// Figures from the decision log; nil when no evaluation of these
    /// partners is dated on or before the day.
    public var evaluations: EvaluationMetrics?
    /// Figures from the task ledger; nil when no task was opened on or before the day.
    public var interventions: InterventionMetrics?
    /// What the incentive ledger paid over the last 12 months; nil when nothing.
    public var incentives: IncentiveMetrics?

    enum CodingKeys: String, CodingKey {
        case scope, programs, partners, funnel, activation, timeToFirstRevenue = "time_to_first_revenue"
        case firstYearRetention = "first_year_retention", growth, concentration, certifications
        case dealRegistrations = "deal_registrations", evaluations, interventions, incentives
    }
}

/// The program's incentive cost over the last 12 months, by currency and
/// line type, and the return on partner investment (README, "Analytics").
public struct IncentiveMetrics: Sendable, Codable, Equatable {
    public struct Cost: Sendable, Codable, Equatable {
        public var currency: String
        /// Line type → amount, two decimals, exactly (every line type, 0.00 when none).
        public var lines: [String: String]
        public var total: String
    }
    /// One entry per currency paid in, in currency order.
    public var costs: [Cost]
    /// revenue_12m / total incentive cost (MDF included); nil when several currencies or no cost.
    public var returnOnInvestment: Double?

    enum CodingKeys: String, CodingKey { case costs, returnOnInvestment = "return_on_partner_investment" }
}

/// A share with what it is a share of: `part` of `whole`; `rate` is nil when `whole` is 0.
public struct Share: Sendable, Codable, Equatable {
    public var part: Int
    public var whole: Int
    public var rate: Double?

    public init(_ part: Int, of whole: Int) {
        self.part = part
        self.whole = whole
        rate = whole == 0 ? nil : Double(part) / Double(whole)
    }
}

/// A named count (a tier, a band, an alert kind).
public struct NamedCount: Sendable, Codable, Equatable {
    public var name: String
    public var count: Int

    public init(_ name: String, _ count: Int) {
        self.name = name
        self.count = count
    }
}

/// Partners enrolled on or before the day, by their status.
public struct PartnerCounts: Sendable, Codable, Equatable {
    public var enrolled: Int
    public var active: Int
    public var suspended: Int
    public var terminated: Int
}

/// Enrolled partners that reached each onboarding step on or before the day.
public struct OnboardingFunnel: Sendable, Codable, Equatable {
    public var enrolled: Int
    public var firstLogin: Int
    public var firstTraining: Int
    public var firstDealRegistration: Int
    public var firstDealWon: Int

    /// The steps in order, with display names.
    public var steps: [NamedCount] {
        [NamedCount("enrolled", enrolled), NamedCount("first login", firstLogin), NamedCount("first training", firstTraining),
         NamedCount("first registration", firstDealRegistration), NamedCount("first deal won", firstDealWon)]
    }

    enum CodingKeys: String, CodingKey {
        case enrolled, firstLogin = "first_login", firstTraining = "first_training"
        case firstDealRegistration = "first_deal_registration", firstDealWon = "first_deal_won"
    }
}

/// Activation: a first deal won.
public struct Activation: Sendable, Codable, Equatable {
    /// Of partners enrolled at least 90 days before the day (their window
    /// has closed), those whose first deal won came within 90 days of enrolment.
    public var within90Days: Share
    /// Of all enrolled partners, those with any deal won on or before the day.
    public var ever: Share

    enum CodingKeys: String, CodingKey {
        case within90Days = "within_90_days", ever
    }
}

/// Days from enrolment to the first revenue event.
public struct TimeToFirstRevenue: Sendable, Codable, Equatable {
    /// Partners with revenue on or before the day.
    public var partners: Int
    /// Enrolled partners without revenue yet.
    public var withoutRevenue: Int
    public var median: Double?
    /// Nearest-rank percentiles.
    public var p25: Int?
    public var p75: Int?
    public var p90: Int?
    public var histogram: [Bucket]

    public struct Bucket: Sendable, Codable, Equatable {
        public var label: String
        /// Inclusive bounds in days; `upper` nil for the open last bucket.
        public var lower: Int
        public var upper: Int?
        public var partners: Int
    }

    /// The histogram's buckets, in days.
    public static let bucketBounds: [(Int, Int?)] = [(0, 30), (31, 90), (91, 180), (181, 365), (366, 730), (731, nil)]

    enum CodingKeys: String, CodingKey {
        case partners, withoutRevenue = "without_revenue", median, p25, p75, p90, histogram
    }
}

/// Partners enrolled 12–24 months before the day that are still active.
public struct FirstYearRetention: Sendable, Codable, Equatable {
    /// The cohort: enrolled in `(day − 24 months, day − 12 months]`.
    public var cohortFrom: Day
    public var cohortThrough: Day
    /// Retained: status not terminated and any activity in the last 90 days.
    public var retained: Share

    enum CodingKeys: String, CodingKey {
        case cohortFrom = "cohort_from", cohortThrough = "cohort_through", retained
    }
}

/// Trailing 12 months of revenue against the 12 before.
public struct CommercialGrowth: Sendable, Codable, Equatable {
    public var revenue12m: Double
    public var revenuePrior12m: Double
    /// (revenue12m − prior) / prior over all partners; nil when prior is 0.
    public var rate: Double?
    /// The median of each partner's own growth, over partners with prior-12-month revenue.
    public var medianPartnerRate: Double?
    public var partnersWithPriorRevenue: Int

    enum CodingKeys: String, CodingKey {
        case revenue12m = "revenue_12m", revenuePrior12m = "revenue_prior_12m", rate, medianPartnerRate = "median_partner_rate"
        case partnersWithPriorRevenue = "partners_with_prior_revenue"
    }
}

/// How much of the trailing 12 months' revenue the top 20% of partners bring.
public struct RevenueConcentration: Sendable, Codable, Equatable {
    /// ⌈20% of enrolled partners⌉, ranked by 12-month revenue.
    public var topPartners: Int
    public var topRevenue: Double
    public var totalRevenue: Double
    /// nil when there is no revenue.
    public var share: Double?

    enum CodingKeys: String, CodingKey {
        case topPartners = "top_partners", topRevenue = "top_revenue", totalRevenue = "total_revenue", share
    }
}

public struct CertificationCoverage: Sendable, Codable, Equatable {
    /// Enrolled partners holding at least one valid certification.
    public var completion: Share
    /// Valid certifications whose expiry is within 90 days (0...90 days ahead).
    public var expiringWithin90Days: Int
    public var partnersWithExpiring: Int

    enum CodingKeys: String, CodingKey {
        case completion, expiringWithin90Days = "expiring_within_90_days"
        case partnersWithExpiring = "partners_with_expiring"
    }
}

/// Deal registrations of the last 12 months outside the partner's authorized territories or products.
public struct DealRegistrationFlags: Sendable, Codable, Equatable {
    public var flagged: Share
    public var partnersFlagged: Int

    enum CodingKeys: String, CodingKey {
        case flagged, partnersFlagged = "partners_flagged"
    }
}

/// Figures from each partner's latest decision (per policy set) on or
/// before the day, and from the decisions of earlier runs.
public struct EvaluationMetrics: Sendable, Codable, Equatable {
    public var policySets: [String]
    /// The as-of day of the latest decision counted.
    public var latestEvaluation: Day
    /// Partners counted (their latest decision).
    public var partners: Int
    /// Lowest tier first; "none" (no tier) last.
    public var tiers: [NamedCount]
    /// Every tier held now or in ``tierHistory``, lowest first, "none" last.
    public var tierOrder: [String]
    /// good, review, none.
    public var standings: [NamedCount]
    /// One entry per evaluation day (the last 12), oldest first.
    public var tierHistory: [TierHistoryEntry]
    /// Best band first.
    public var healthBands: [NamedCount]
    /// In the order of ``MilestoneOutcome/order``.
    public var milestones: [MilestoneOutcome]
    public var openAlerts: Int
    /// Step 0 (no intervention yet) first.
    public var alertsByStep: [AlertStep]
    public var alertsByKind: [NamedCount]
    /// Partners with at least one lapsed compliance gate.
    public var partnersWithLapsedGates: Int

    enum CodingKeys: String, CodingKey {
        case policySets = "policy_sets", latestEvaluation = "latest_evaluation", partners, tiers
        case tierOrder = "tier_order", standings, tierHistory = "tier_history", healthBands = "health_bands"
        case milestones, openAlerts = "open_alerts", alertsByStep = "alerts_by_step", alertsByKind = "alerts_by_kind"
        case partnersWithLapsedGates = "partners_with_lapsed_gates"
    }
}

/// The tiers held after the evaluations of one day, and the moves made.
public struct TierHistoryEntry: Sendable, Codable, Equatable {
    public var asOf: Day
    public var tiers: [NamedCount]
    public var assigned: Int
    public var upgraded: Int
    public var demoted: Int
    public var reviewsOpened: Int

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", tiers, assigned, upgraded, demoted, reviewsOpened = "reviews_opened"
    }
}

/// One milestone's outcomes over the partners' latest decisions.
public struct MilestoneOutcome: Sendable, Codable, Equatable {
    public var milestone: String
    public var metOnTime: Int
    public var metLate: Int
    public var overdue: Int
    public var pending: Int
    /// Met on time of those decided (met on time, met late or overdue); pending ones are not yet decided.
    public var onTime: Share
    /// Mean days late of those met late, and mean days overdue of those overdue.
    public var meanDaysLate: Double?
    public var meanDaysOverdue: Double?

    /// The engine's milestone names in lifecycle order.
    public static let order = ["first_login", "first_training", "first_deal_registration", "first_deal_won",
                               "first_tier_qualification", "first_tier_advancement"]

    enum CodingKeys: String, CodingKey {
        case milestone, metOnTime = "met_on_time", metLate = "met_late", overdue, pending, onTime = "on_time"
        case meanDaysLate = "mean_days_late", meanDaysOverdue = "mean_days_overdue"
    }
}

/// Open alerts that reached one step of the intervention menu.
public struct AlertStep: Sendable, Codable, Equatable {
    /// 1-based menu position; 0 = no step applies yet.
    public var step: Int
    public var alerts: Int
    public var byKind: [NamedCount]

    enum CodingKeys: String, CodingKey {
        case step, alerts, byKind = "by_kind"
    }
}
