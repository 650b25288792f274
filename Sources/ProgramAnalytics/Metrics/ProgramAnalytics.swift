import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

/// Program metrics and the report's data, computed from the partner store
/// and the decision log in one read transaction.
///
/// ```swift
/// let analytics = ProgramAnalytics(store: store)
/// let asOf = try analytics.defaultAsOf()                 // the latest evaluation's day
/// let metrics = try analytics.metrics(asOf: asOf)
/// print(metrics.overall.activation.within90Days.rate ?? 0)
/// ```
public struct ProgramAnalytics: Sendable {
    public let store: PartnerStore

    public init(store: PartnerStore) { self.store = store }

    /// The day figures default to: the latest evaluation's as-of day, else
    /// the latest event's day. Throws when the store holds neither.
    public func defaultAsOf() throws -> Day {
        try store.database.read { session in
            if let day = try LedgerQueries.lastRun(session) { return day }
            if let day = try PartnerQueries.latestEventDay(session) { return day }
            throw AnalyticsError("the database holds no events and no evaluations, so there is nothing to measure",
                                 hint: "import partner data first: partnerscore import --db PATH partners.csv events.csv")
        }
    }

    /// Every segment's figures as of `asOf`, from data dated on or before it.
    public func metrics(asOf: Day) throws -> ProgramMetrics {
        try store.database.read { try Self.metrics($0, store: store, asOf: asOf) }
    }

    static func metrics(_ session: any SQLSession, store: PartnerStore, asOf: Day) throws -> ProgramMetrics {
        let partners = try PartnerFacts.load(session, store: store, asOf: asOf)
        let decisions = DecisionFacts(try LedgerFigures.load(session, asOf: asOf))
        let tasks = try TaskLedger.facts(session, asOf: asOf)
        let costs = try IncentiveLedger.costs(session, since: asOf.adding(months: -12), asOf: asOf)
        var segments = [segment(Scope(.all), asOf: asOf, partners: partners, decisions: decisions, tasks: tasks) { _ in true }]
        // A policy set covers the programs its decisions are about.
        var setPrograms: [String: Set<String>] = [:]
        for g in decisions.groups { setPrograms[g.policySet, default: []].insert(g.program) }
        for set in setPrograms.keys.sorted() {
            let programs = setPrograms[set]!
            segments.append(segment(Scope(.policySet, set), asOf: asOf, partners: partners.filter { programs.contains($0.program) },
                                    decisions: decisions, tasks: tasks.filter { $0.task.policySet == set }) { $0.policySet == set })
        }
        for program in Set(partners.map(\.program)).sorted() {
            segments.append(segment(Scope(.program, program), asOf: asOf, partners: partners.filter { $0.program == program },
                                    decisions: decisions, tasks: tasks.filter { $0.program == program }) { $0.program == program })
        }
        for i in segments.indices {
            let scope = segments[i].scope
            let mine = costs.filter {
                switch scope.kind {
                case .all: true
                case .policySet: $0.policySet == scope.name
                case .program: $0.program == scope.name
                }
            }
            segments[i].incentives = incentiveMetrics(mine, revenue: segments[i].growth.revenue12m)
        }
        return ProgramMetrics(asOf: asOf, segments: segments)
    }

    /// The costs by currency and line type, and revenue / total cost when one currency was paid.
    static func incentiveMetrics(_ costs: [IncentiveLedger.Cost], revenue: Double) -> IncentiveMetrics? {
        guard !costs.isEmpty else { return nil }
        var byCurrency: [String: [IncentiveLine: ExactDecimal]] = [:]
        for c in costs { byCurrency[c.currency, default: [:]][c.line, default: ExactDecimal.zero.cents] += c.amount }
        let list = byCurrency.keys.sorted().map { currency in
            let lines = byCurrency[currency]!
            let total = lines.values.reduce(ExactDecimal.zero.cents, +)
            return (currency, total, IncentiveMetrics.Cost(currency: currency, lines: Dictionary(uniqueKeysWithValues: IncentiveLine.allCases.map {
                ($0.rawValue, (lines[$0] ?? ExactDecimal.zero).text(places: 2))
            }), total: total.text(places: 2)))
        }
        let roi = list.count == 1 && list[0].1 > .zero ? revenue / list[0].1.double : nil
        return IncentiveMetrics(costs: list.map(\.2), returnOnInvestment: roi)
    }

    static func segment(_ scope: Scope, asOf day: Day, partners: [PartnerFacts], decisions: DecisionFacts, tasks: [TaskLedger.Fact],
                        include: (DecisionFacts.Group) -> Bool) -> SegmentMetrics {
        return SegmentMetrics(
            scope: scope,
            programs: scope.kind == .program ? [scope.name] : Set(partners.map(\.program)).sorted(),
            partners: PartnerCounts(enrolled: partners.count,
                                    active: partners.count { $0.status == .active },
                                    suspended: partners.count { $0.status == .suspended },
                                    terminated: partners.count { $0.status == .terminated }),
            funnel: OnboardingFunnel(enrolled: partners.count,
                                     firstLogin: partners.count { $0.firstLogin != nil },
                                     firstTraining: partners.count { $0.firstTraining != nil },
                                     firstDealRegistration: partners.count { $0.firstDealRegistration != nil },
                                     firstDealWon: partners.count { $0.firstDealWon != nil }),
            activation: activation(partners, day),
            timeToFirstRevenue: timeToFirstRevenue(partners),
            firstYearRetention: retention(partners, day),
            growth: growth(partners),
            concentration: concentration(partners),
            certifications: CertificationCoverage(
                completion: Share(partners.count { $0.certificationsActive > 0 }, of: partners.count),
                expiringWithin90Days: partners.reduce(0) { $0 + $1.certificationsExpiring90d },
                partnersWithExpiring: partners.count { $0.certificationsExpiring90d > 0 }),
            dealRegistrations: DealRegistrationFlags(
                flagged: Share(partners.reduce(0) { $0 + $1.dealsOutside12m }, of: partners.reduce(0) { $0 + $1.dealsRegistered12m }),
                partnersFlagged: partners.count { $0.dealsOutside12m > 0 }),
            evaluations: decisions.metrics(where: include),
            interventions: InterventionMetrics.of(tasks, asOf: day))
    }
}
