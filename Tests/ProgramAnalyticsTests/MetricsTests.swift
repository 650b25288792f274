import Foundation
import GRDB
import PartnerModel
import PartnerStore
import TestSupport
import Testing
@testable import ProgramAnalytics

/// Every figure below is worked out by hand from the fixture in Support.swift,
/// as of 2026-06-30 (D). D − 90 days = 2026-04-01; the last 12 months are
/// (2025-06-30, 2026-06-30], the prior 12 (2024-06-30, 2025-06-30].
@Suite("Program metrics match hand-computed values on a small fixture program")
struct MetricsTests {
    let asOf = day("2026-06-30")

    @Test("partner counts and the onboarding funnel count only partners enrolled by the day")
    func countsAndFunnel() throws {
        let m = try ProgramAnalytics(store: try makeFixtureStore()).metrics(asOf: asOf)
        let all = m.overall
        // A-6 enrols on 2026-08-01: not counted. A-3 suspended, A-5 terminated.
        #expect(all.partners == PartnerCounts(enrolled: 6, active: 4, suspended: 1, terminated: 1))
        // Logins: all six; training: A-1, O-1; registrations, O-1; deals won, O-1.
        #expect(all.funnel == OnboardingFunnel(enrolled: 6, firstLogin: 6, firstTraining: 2, firstDealRegistration: 4, firstDealWon: 4))
        #expect(m.segments.map(\.scope.description) == ["all programs", "program agents", "program other"])
        #expect(all.programs == ["agents", "other"])
    }

    @Test("activation: within 90 days of enrolment (closed windows only) and ever")
    func activation() throws {
        let m = try ProgramAnalytics(store: try makeFixtureStore()).metrics(asOf: asOf)
        // Enrolled on or before 2026-04-01, O-1. Within 90 days: A-1 (36 days), O-1 (31); A-2 took 203.
        #expect(m.overall.activation.within90Days == Share(2, of: 5))
        #expect(m.overall.activation.ever == Share(4, of: 6))
        let agents = try #require(m.segment(.program, "agents"))
        #expect(agents.activation.within90Days == Share(1, of: 4))
        #expect(agents.activation.ever == Share(3, of: 5))
        #expect(m.segment(.program, "other")?.activation.within90Days == Share(1, of: 1))
    }

    @Test("time to first revenue: median, nearest-rank percentiles and histogram")
    func timeToFirstRevenue() throws {
        let m = try ProgramAnalytics(store: try makeFixtureStore()).metrics(asOf: asOf)
        // Days: A-1 41, O-1 45, A-3 61, A-2 214, A-5 370; A-4 has none.
        let t = m.overall.timeToFirstRevenue
        #expect(t.partners == 5 && t.withoutRevenue == 1)
        #expect(t.median == 61 && t.p25 == 45 && t.p75 == 214 && t.p90 == 370)
        #expect(t.histogram.map(\.partners) == [0, 3, 0, 1, 1, 0])
        #expect(t.histogram.map(\.label) == ["0–30", "31–90", "91–180", "181–365", "366–730", "> 730"])
        // Program agents: 41, 61, 214, 370 — an even count, so the mean of the middle two.
        let agents = try #require(m.segment(.program, "agents")).timeToFirstRevenue
        #expect(agents.median == 137.5 && agents.p25 == 41 && agents.p75 == 214 && agents.p90 == 370)
    }

    @Test("first-year retention: enrolled 12–24 months ago, not terminated, active in the last 90 days")
    func retention() throws {
        let m = try ProgramAnalytics(store: try makeFixtureStore()).metrics(asOf: asOf)
        // Cohort (2024-06-30, 2025-06-30]: A-1 (active 2026-06-01: retained), A-2 (last seen 2025-10-01),
        // A-5 (active, but terminated).
        let r = m.overall.firstYearRetention
        #expect(r.cohortFrom == day("2024-07-01") && r.cohortThrough == day("2025-06-30"))
        #expect(r.retained == Share(1, of: 3))
        #expect(m.segment(.program, "other")?.firstYearRetention.retained == Share(0, of: 0))
        #expect(m.segment(.program, "other")?.firstYearRetention.retained.rate == nil)
    }

    @Test("growth: trailing 12 months against the prior 12, overall and for the median partner")
    func growth() throws {
        let m = try ProgramAnalytics(store: try makeFixtureStore()).metrics(asOf: asOf)
        // 12m: A-1 8,000 + A-2 2,000 + A-3 2,000 + A-5 500 + O-1 10,000 = 22,500 (A-1's 9,999 on 2026-07-15 is after the day).
        // Prior: A-1 1,000 + A-3 4,000 + O-1 5,000 = 10,000. Partners: +700%, −50%, +100% → median +100%.
        let g = m.overall.growth
        #expect(g.revenue12m == 22_500 && g.revenuePrior12m == 10_000)
        #expect(g.rate == 1.25)
        #expect(g.medianPartnerRate == 1.0 && g.partnersWithPriorRevenue == 3)
        let agents = try #require(m.segment(.program, "agents")).growth
        #expect(agents.rate == 1.5 && agents.medianPartnerRate == 3.25)
    }

    @Test("revenue concentration: the top ⌈20%⌉ of enrolled partners' share of 12-month revenue")
    func concentration() throws {
        let m = try ProgramAnalytics(store: try makeFixtureStore()).metrics(asOf: asOf)
        // Six partners → top 2: O-1 10,000 + A-1 8,000 of 22,500.
        #expect(m.overall.concentration == RevenueConcentration(topPartners: 2, topRevenue: 18_000, totalRevenue: 22_500, share: 0.8))
        // Five agents → top 1: A-1 8,000 of 12,500.
        #expect(m.segment(.program, "agents")?.concentration.share == 0.64)
    }

    @Test("certifications: latest record per name, valid on the day; expiring within 90 days")
    func certifications() throws {
        let m = try ProgramAnalytics(store: try makeFixtureStore()).metrics(asOf: asOf)
        // A-1 Voice Pro until 2026-08-15 (expiring); A-2's expired (its renewal is after the day);
        // A-3 Voice Pro (no expiry) and Data renewed until 2026-09-01 (expiring).
        let c = m.overall.certifications
        #expect(c.completion == Share(2, of: 6))
        #expect(c.expiringWithin90Days == 2 && c.partnersWithExpiring == 2)
    }

    @Test("deal registrations of the last 12 months outside the authorized territories or products")
    func outsideTerritory() throws {
        let m = try ProgramAnalytics(store: try makeFixtureStore()).metrics(asOf: asOf)
        // In the window: A-1 2026-02-01 (inside), A-2 US-NY (outside), A-4 product data (outside), O-1 (empty lists: inside).
        #expect(m.overall.dealRegistrations.flagged == Share(2, of: 4))
        #expect(m.overall.dealRegistrations.partnersFlagged == 2)
        #expect(m.segment(.program, "other")?.dealRegistrations.flagged == Share(0, of: 1))
    }

    @Test("tiers, standings, health bands and tier moves come from decisions on or before the day")
    func tiersAndHealth() throws {
        let (store, _) = try makeEvaluatedFixture()
        let m = try ProgramAnalytics(store: store).metrics(asOf: asOf)
        #expect(m.segments.map(\.scope.description) == ["all programs", "policy set agents", "program agents", "program other"])
        let set = try #require(m.segment(.policySet, "agents"))
        #expect(set.programs == ["agents"])
        #expect(set.partners.enrolled == 5)
        let e = try #require(set.evaluations)
        // A-5 is terminated (never evaluated); A-2's upgrade on 2026-07-31 is after the day.
        #expect(e.partners == 4)
        #expect(e.latestEvaluation == asOf)
        #expect(e.tiers == [NamedCount("Authorized", 3), NamedCount("Premier", 1)])
        #expect(e.tierOrder == ["Authorized", "Premier"])
        #expect(e.standings == [NamedCount("good", 4), NamedCount("review", 0), NamedCount("none", 0)])
        // Health = 12-month revenue / 10,000: A-1 80 (green); 20 and A-4 0 (red).
        #expect(e.healthBands == [NamedCount("green", 1), NamedCount("red", 3)])
        // 04-30: Premier, A-2 Authorized (A-4 not enrolled yet). 05-31: A-4 assigned, A-3 into review.
        // 06-30: A-3 demoted at its review deadline.
        #expect(e.tierHistory.map(\.asOf) == [day("2026-04-30"), day("2026-05-31"), day("2026-06-30")])
        #expect(e.tierHistory.map(\.tiers) == [[NamedCount("Authorized", 1), NamedCount("Premier", 2)],
                                               [NamedCount("Authorized", 2), NamedCount("Premier", 2)],
                                               [NamedCount("Authorized", 3), NamedCount("Premier", 1)]])
        #expect(e.tierHistory.map(\.assigned) == [3, 1, 0])
        #expect(e.tierHistory.map(\.reviewsOpened) == [0, 1, 0])
        #expect(e.tierHistory.map(\.demoted) == [0, 0, 1])
        #expect(e.tierHistory.map(\.upgraded) == [0, 0, 0])
        #expect(m.segment(.program, "other")?.evaluations == nil)
        #expect(m.overall.evaluations?.tiers == e.tiers)

        // A month earlier, A-3 is in review and still Premier.
        let earlier = try #require(try ProgramAnalytics(store: store).metrics(asOf: day("2026-05-31")).segment(.policySet, "agents")?.evaluations)
        #expect(earlier.tiers == [NamedCount("Authorized", 2), NamedCount("Premier", 2)])
        #expect(earlier.standings == [NamedCount("good", 3), NamedCount("review", 1), NamedCount("none", 0)])
    }

    @Test("milestone on-time rates from the latest decisions")
    func milestones() throws {
        let (store, _) = try makeEvaluatedFixture()
        let e = try #require(try ProgramAnalytics(store: store).metrics(asOf: asOf).segment(.policySet, "agents")?.evaluations)
        func outcome(_ name: String) throws -> MilestoneOutcome { try #require(e.milestones.first { $0.milestone == name }) }
        #expect(e.milestones.map(\.milestone) == MilestoneOutcome.order)
        // Login: on time; A-3 a day late (deadline 2024-03-04, logged in 03-05).
        let login = try outcome("first_login")
        #expect((login.metOnTime, login.metLate, login.overdue, login.pending) == (3, 1, 0, 0))
        #expect(login.onTime == Share(3, of: 4) && login.meanDaysLate == 1)
        // Training: A-1 on time; never trained.
        let training = try outcome("first_training")
        #expect((training.metOnTime, training.metLate, training.overdue, training.pending) == (1, 0, 3, 0))
        // Registration: A-1 on time; A-2 154 days late, A-4 5 days late; A-3 none.
        let registration = try outcome("first_deal_registration")
        #expect((registration.metOnTime, registration.metLate, registration.overdue) == (1, 2, 1))
        #expect(registration.meanDaysLate == 79.5)
        // Deal won: A-1 (36 days) and A-4 (40 days) on time; A-2 113 days late; A-3 none.
        let won = try outcome("first_deal_won")
        #expect((won.metOnTime, won.metLate, won.overdue) == (2, 1, 1))
        #expect(won.onTime.rate == 0.5 && won.meanDaysLate == 113)
        // Qualification: A-1 (110 days late), A-3 (425 late) first qualified on 2026-04-30; A-2 overdue; A-4 pending.
        let qualification = try outcome("first_tier_qualification")
        #expect((qualification.metOnTime, qualification.metLate, qualification.overdue, qualification.pending) == (0, 2, 1, 1))
        #expect(qualification.meanDaysLate == 267.5 && qualification.onTime == Share(0, of: 3))
    }

    @Test("open alerts by escalation step, by kind, and lapsed gates, as of the day")
    func alerts() throws {
        let (store, _) = try makeEvaluatedFixture()
        let e = try #require(try ProgramAnalytics(store: store).metrics(asOf: asOf).segment(.policySet, "agents")?.evaluations)
        // training overdue, gate lapsed, health red — all raised 2026-04-30, 61 days: step 4.
        // training overdue and gate lapsed since 04-30 (step 4), health red since 05-31 (30 days: step 3).
        // all three raised 05-31: step 3. A-1 has none.
        #expect(e.alertsByStep.map(\.step) == [3, 4])
        #expect(e.alertsByStep.map(\.alerts) == [4, 5])
        #expect(e.alertsByStep[0].byKind == [NamedCount("gate_lapsed", 1), NamedCount("health_red", 2), NamedCount("milestone_overdue", 1)])
        #expect(e.openAlerts == 9)
        #expect(e.alertsByKind == [NamedCount("gate_lapsed", 3), NamedCount("health_red", 3), NamedCount("milestone_overdue", 3)])
        #expect(e.partnersWithLapsedGates == 3)
    }

    @Test("the partners needing attention most, ranked, with why")
    func attention() throws {
        let (store, _) = try makeEvaluatedFixture()
        let list = try ProgramAnalytics(store: store).attention(asOf: asOf)
        // both reach step 4 with one lapsed gate and health 20: partner id decides. A-4 is at step 3.
        #expect(list.map(\.partnerID) == ["A-2", "A-3", "A-4"])
        #expect(list.map(\.step) == [4, 4, 3])
        let a2 = list[0]
        #expect(a2.partnerName == "Acme \"Voice\" <Partners> & Co")
        #expect(a2.intervention == "Executive business review (channel leadership)")
        #expect(a2.reasons.contains { $0.hasPrefix("Agreement <v2> & NDA lapsed") })
        #expect(a2.reasons.contains { $0.hasPrefix("first training module completed overdue by 479 days") })
        #expect(a2.reasons.contains { $0.hasPrefix("health 20.0 (red)") })
        #expect(try ProgramAnalytics(store: store).attention(asOf: asOf, limit: 1).map(\.partnerID) == ["A-2"])
        // A month earlier A-3's tier review shows, with its deadline.
        let earlier = try ProgramAnalytics(store: store).attention(asOf: day("2026-05-31"))
        let a3 = try #require(earlier.first { $0.partnerID == "A-3" })
        #expect(a3.standing == "review")
        #expect(a3.reasons.contains { $0.contains("demotion due 2026-06-30 (30 days left)") })
    }

    @Test("the default day is the latest evaluation's, else the latest event's; an empty store is an error")
    func defaultDay() throws {
        let (store, _) = try makeEvaluatedFixture()
        #expect(try ProgramAnalytics(store: store).defaultAsOf() == day("2026-07-31"))
        #expect(try ProgramAnalytics(store: try makeFixtureStore()).defaultAsOf() == day("2026-08-02"))
        let empty = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        #expect(throws: AnalyticsError.self) { try ProgramAnalytics(store: empty).defaultAsOf() }
        // A store without the ledger tables still has store metrics.
        #expect(try ProgramAnalytics(store: empty).metrics(asOf: asOf).overall.evaluations == nil)
    }

    @Test("the same data and day give byte-identical JSON and CSV")
    func deterministic() throws {
        let (store, _) = try makeEvaluatedFixture()
        let first = try ProgramAnalytics(store: store).metrics(asOf: asOf)
        let (other, _) = try makeEvaluatedFixture()
        let second = try ProgramAnalytics(store: other).metrics(asOf: asOf)
        #expect(try MetricsOutput.json(first) == MetricsOutput.json(second))
        #expect(MetricsOutput.csv(first) == MetricsOutput.csv(second))
        let csv = MetricsOutput.csv(first)
        #expect(csv.contains("all,,activated_90d_rate,0.4\n"))
        #expect(csv.contains("program,agents,time_to_first_revenue_median_days,137.5\n"))
        #expect(csv.contains("policy_set,agents,tier:Premier,1\n"))
    }
}

@Suite("A decision log written before keys were snake_case reads the same")
struct LegacyLedgerTests {
    let asOf = day("2026-06-30")

    @Test("metrics and the attention list are the same once every stored detail and text is rewritten with the former keys")
    func camelCaseLedger() throws {
        let (store, _) = try makeEvaluatedFixture()
        let analytics = ProgramAnalytics(store: store)
        let metrics = try analytics.metrics(asOf: asOf), attention = try analytics.attention(asOf: asOf)
        #expect(!attention.isEmpty)
        try store.writer.write { db in
            for (table, column) in [("decision", "detail"), ("decision_text", "texts")] {
                try db.execute(sql: "UPDATE \(table) SET \(column) = replace(\(column), '\"authorized_all_products\":false,', '')")
                for (snake, camel) in LegacyDetails.camelCaseKeys {
                    try db.execute(sql: "UPDATE \(table) SET \(column) = replace(\(column), ?, ?)", arguments: ["\"\(snake)\":", "\"\(camel)\":"])
                }
            }
            let camel: Int = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decision WHERE detail LIKE '%\"partnerID\"%'") ?? 0
            #expect(camel > 0)
        }
        #expect(try analytics.metrics(asOf: asOf) == metrics)
        #expect(try analytics.attention(asOf: asOf) == attention)
    }
}
