/// The numeric metrics a partner snapshot carries, by the name policies use.
///
/// Every window is computed as of a day `D` from events dated on or before
/// `D`: "last N months" is the half-open interval `(D - N months, D]` with
/// calendar month arithmetic (clamped to month ends), "last N days" is
/// `(D - N days, D]`.
public enum Metric: Int, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case revenue1m, revenue3m, revenue12m, revenuePrior12m, revenueGrowth, revenueTotal
    case dealsRegistered30d, dealsRegistered90d, dealsRegistered12m
    case dealsWon90d, dealsWon12m, dealsLost12m, dealValueWon12m, winRate12m
    case dealsOutsideTerritory12m, dealsOutsideTerritory30d
    case certificationsActive, certificationsExpiring30d, certificationsExpiring60d, certificationsExpiring90d
    case trainingsCompleted, trainings12m
    case logins30d, daysSinceLastActivity, tenureDays, tenureMonths
    case credentialsActive, credentialsExpired

    /// The name used in policies, fixtures and output (`revenue_12m`).
    public var name: String {
        switch self {
        case .revenue1m: "revenue_1m"
        case .revenue3m: "revenue_3m"
        case .revenue12m: "revenue_12m"
        case .revenuePrior12m: "revenue_prior_12m"
        case .revenueGrowth: "revenue_growth"
        case .revenueTotal: "revenue_total"
        case .dealsRegistered30d: "deals_registered_30d"
        case .dealsRegistered90d: "deals_registered_90d"
        case .dealsRegistered12m: "deals_registered_12m"
        case .dealsWon90d: "deals_won_90d"
        case .dealsWon12m: "deals_won_12m"
        case .dealsLost12m: "deals_lost_12m"
        case .dealValueWon12m: "deal_value_won_12m"
        case .winRate12m: "win_rate_12m"
        case .dealsOutsideTerritory12m: "deals_outside_territory_12m"
        case .dealsOutsideTerritory30d: "deals_outside_territory_30d"
        case .certificationsActive: "certifications_active"
        case .certificationsExpiring30d: "certifications_expiring_30d"
        case .certificationsExpiring60d: "certifications_expiring_60d"
        case .certificationsExpiring90d: "certifications_expiring_90d"
        case .trainingsCompleted: "trainings_completed"
        case .trainings12m: "trainings_12m"
        case .logins30d: "logins_30d"
        case .daysSinceLastActivity: "days_since_last_activity"
        case .tenureDays: "tenure_days"
        case .tenureMonths: "tenure_months"
        case .credentialsActive: "credentials_active"
        case .credentialsExpired: "credentials_expired"
        }
    }

    public var description: String { name }

    /// What the metric means, in a program designer's words.
    public var meaning: String {
        switch self {
        case .revenue1m: "revenue booked in the last month"
        case .revenue3m: "revenue booked in the last 3 months"
        case .revenue12m: "revenue booked in the last 12 months"
        case .revenuePrior12m: "revenue booked in the 12 months before the last 12"
        case .revenueGrowth: "growth of the last 12 months' revenue over the prior 12 (0.25 = +25%; none when the prior 12 months had none)"
        case .revenueTotal: "all revenue booked since enrolment"
        case .dealsRegistered30d: "deals registered in the last 30 days"
        case .dealsRegistered90d: "deals registered in the last 90 days"
        case .dealsRegistered12m: "deals registered in the last 12 months"
        case .dealsWon90d: "deals won in the last 90 days"
        case .dealsWon12m: "deals won in the last 12 months"
        case .dealsLost12m: "deals lost in the last 12 months"
        case .dealValueWon12m: "value of deals won in the last 12 months"
        case .winRate12m: "deals won / (won + lost) in the last 12 months (none when no deal closed)"
        case .dealsOutsideTerritory12m: "deal registrations in the last 12 months outside the authorized territories or product lines"
        case .dealsOutsideTerritory30d: "deal registrations in the last 30 days outside the authorized territories or product lines (recent ones, still awaiting approval)"
        case .certificationsActive: "distinct certifications currently valid"
        case .certificationsExpiring30d: "valid certifications expiring within 30 days"
        case .certificationsExpiring60d: "valid certifications expiring within 60 days"
        case .certificationsExpiring90d: "valid certifications expiring within 90 days"
        case .trainingsCompleted: "training modules completed since enrolment (distinct modules)"
        case .trainings12m: "training modules completed in the last 12 months"
        case .logins30d: "portal logins in the last 30 days"
        case .daysSinceLastActivity: "days since the last recorded activity of any built-in kind (none if never active)"
        case .tenureDays: "days since enrolment"
        case .tenureMonths: "whole months since enrolment"
        case .credentialsActive: "distinct credentials and contracts currently valid"
        case .credentialsExpired: "distinct credentials and contracts whose latest record has expired"
        }
    }

    /// True for money amounts (shown with a currency-style format).
    public var isMoney: Bool {
        switch self {
        case .revenue1m, .revenue3m, .revenue12m, .revenuePrior12m, .revenueTotal, .dealValueWon12m: true
        default: false
        }
    }

    /// True for ratios (shown as percentages).
    public var isRatio: Bool { self == .revenueGrowth || self == .winRate12m }

    private static let byName: [String: Metric] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

    public init?(name: String) {
        guard let metric = Metric.byName[name] else { return nil }
        self = metric
    }
}
