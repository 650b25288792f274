import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PartnerStore

@Suite("Snapshots compute every metric as of a day from events on or before it")
struct SnapshotTests {
    func store(_ partners: [Partner], _ events: [ActivityEvent]) throws -> PartnerStore {
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try store.upsertPartners(partners)
        try store.importEvents(events)
        return store
    }

    func snapshot(_ store: PartnerStore, _ asOf: String, _ id: String = "P1") throws -> PartnerSnapshot {
        try #require(try SnapshotCalculator(store: store).snapshots(asOf: day(asOf), partnerIDs: [id]).first)
    }

    @Test("declared measures read each field of the stored events, the same through the rollups and event by event")
    func measuresFromTheStore() throws {
        let plan = RollupTests.measures
        let s = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try s.upsertPartners([partner("P1", program: "telecom-agents", enrolled: "2024-01-10", territories: ["US-CA"], products: ["voice", "mobile"]), partner("P2", program: "telecom-agents", enrolled: "2023-01-15")])
        try s.importEvents([
            event("P1", "2024-04-30", .revenue(amount: 9000, currency: "USD", product: "sd-wan")),   // before the 4 months
            event("P1", "2024-05-02", .revenue(amount: 5000.25, currency: "USD", product: "voice")),
            event("P1", "2024-06-30", .revenue(amount: 4999.75, currency: "USD", product: "mobile")),
            event("P1", "2024-07-01", .revenue(amount: 2500, currency: "USD", product: "voice")),
            event("P1", "2024-08-01", .revenue(amount: 2500, currency: "USD", product: "voice")),
            event("P1", "2024-08-16", .revenue(amount: 2500, currency: "USD", product: "sd-wan")),  // August to date: 5,000
            event("P1", "2024-08-18", .revenue(amount: 7777, currency: "USD", product: "voice")),   // after D
            event("P1", "2024-02-17", .dealWon(amount: 10, product: "voice", territory: "US-TX")),   // on the 6-month bound: out
            event("P1", "2024-03-02", .dealWon(amount: 20, product: "voice", territory: "US-CA")),
            event("P1", "2024-08-17", .dealWon(amount: 30)),
            event("P1", "2024-08-10", .portalLogin),
            event("P1", "2024-08-01", .portalLogin),
            event("P1", "2024-06-01", .custom(kind: "csat_survey", .init(name: "q1", value: .number(4)))),
            event("P1", "2024-07-01", .custom(kind: "csat_survey", .init(name: "q2", value: .text("n/a")))),
            event("P1", "2024-08-01", .custom(kind: "lines_activated", .init(amount: 12, product: "voice"))),
            event("P2", "2024-08-01", .revenue(amount: 1, currency: "USD", product: "voice")),
        ], kinds: RollupTests.kinds)
        let asOf = day("2024-08-17")
        let all = try SnapshotCalculator(store: s, measures: plan).snapshots(asOf: asOf)
        let named = try SnapshotCalculator(store: s, measures: plan).snapshots(asOf: asOf, partnerIDs: ["P1", "P2"])
        #expect(all == named, "the rollups and the events give the same measures")
        let p1 = try #require(all.first)
        func value(_ name: String) -> Double? { p1.measure(plan.index(of: name)!) }
        #expect(value("revenue_voice_mobile_3m") == 9999.75, "(2024-05-17, 2024-08-17]: 4,999.75 + 2,500 + 2,500 (voice, mobile)")
        #expect(value("deals_won_6m") == 2, "(2024-02-17, 2024-08-17]: 2024-03-02 and 2024-08-17")
        #expect(value("products_sold_12m") == 3)
        #expect(value("months_5k_of_last_4") == 2, "May 5,000.25 and August 5,000 to date; June 4,999.75, July 2,500")
        #expect(value("logins_2w") == 1 && value("last_login") == 7)
        #expect(value("won_territories") == 2, "since enrolment 2024-01-10; the deal with no territory adds none")
        #expect(value("won_authorized_products") == 2)
        #expect(value("lines_activated_3m") == 12)
        #expect(value("latest_survey") == nil && p1.measures.text(plan.index(of: "latest_survey")!) == "n/a")
        #expect(value("survey_low") == 4)
        #expect(value("voice_share_3m") == 9999.75 / 12499.75 && p1[.revenue3m] == 12499.75)
        #expect(all[1].measure(plan.index(of: "revenue_voice_mobile_3m")!) == 1, "a measure sees only its own partner's events")
        #expect(all[1].measure(plan.index(of: "deals_won_6m")!) == 0 && all[1].measure(plan.index(of: "last_login")!) == nil)
    }

    @Test("an event ON the as-of day counts; the next day's does not")
    func asOfBoundary() throws {
        let s = try store([partner("P1", program: "telecom-agents", enrolled: "2023-01-15")], [
            event("P1", "2024-06-30", .revenue(amount: 100, currency: "USD", product: "voice")),
            event("P1", "2024-07-01", .revenue(amount: 1000, currency: "USD", product: "voice")),
            event("P1", "2024-06-30", .portalLogin),
            event("P1", "2024-07-01", .dealWon(amount: 5)),
        ])
        let june30 = try snapshot(s, "2024-06-30")
        #expect(june30[.revenue1m] == 100)
        #expect(june30[.revenueTotal] == 100)
        #expect(june30[.logins30d] == 1)
        #expect(june30[.daysSinceLastActivity] == 0)
        #expect(june30[.dealsWon12m] == 0)
        #expect(june30.milestones.firstDealWon == nil)
        let july1 = try snapshot(s, "2024-07-01")
        #expect(july1[.revenueTotal] == 1100)
        #expect(july1.milestones.firstDealWon == day("2024-07-01"))
    }

    @Test("month windows are (D - N months, D] with month ends clamped, across a leap day")
    func leapDayWindows() throws {
        // As of 2024-03-31 the 1-month window starts after 2024-02-29.
        let s = try store([partner("P1", program: "telecom-agents", enrolled: "2023-01-15")], [
            event("P1", "2024-02-29", .revenue(amount: 1, currency: "USD", product: "voice")),
            event("P1", "2024-03-01", .revenue(amount: 10, currency: "USD", product: "voice")),
            event("P1", "2023-12-31", .revenue(amount: 100, currency: "USD", product: "voice")),   // 3 months back: outside
            event("P1", "2024-01-01", .revenue(amount: 1000, currency: "USD", product: "voice")),  // inside 3 months
            event("P1", "2023-03-31", .revenue(amount: 10_000, currency: "USD", product: "voice")), // exactly 12 months: prior
            event("P1", "2022-03-31", .revenue(amount: 100_000, currency: "USD", product: "voice")), // exactly 24: neither
        ])
        let march31 = try snapshot(s, "2024-03-31")
        #expect(march31[.revenue1m] == 10)
        #expect(march31[.revenue3m] == 1011)
        #expect(march31[.revenue12m] == 1111)
        #expect(march31[.revenuePrior12m] == 10_000)
        #expect(march31[.revenueTotal] == 111_111)
        // As of 2024-02-29 one month back is 2024-01-29; a year back 2023-02-28.
        let feb29 = try snapshot(s, "2024-02-29")
        #expect(feb29[.revenue1m] == 1)
        #expect(feb29[.revenue12m] == 11_101)
        // As of 2025-02-28, 12 months back clamps 2024-02-28: the leap day is inside.
        let s2 = try store([partner("P1", program: "telecom-agents", enrolled: "2023-01-15")], [event("P1", "2024-02-29", .revenue(amount: 7, currency: "USD", product: "voice"))])
        #expect(try snapshot(s2, "2025-02-28")[.revenue12m] == 7)
        #expect(try snapshot(s2, "2025-03-01")[.revenue12m] == 0)
    }

    @Test("day windows are (D - N days, D]")
    func dayWindows() throws {
        let s = try store([partner("P1", program: "telecom-agents", enrolled: "2023-01-15")], [
            event("P1", "2024-05-02", .portalLogin),   // 30 days before 2024-06-01: outside
            event("P1", "2024-05-03", .portalLogin),   // 29 days before: inside
            event("P1", "2024-03-03", .dealRegistered(territory: "US-CA", product: "voice", amount: 1)), // 90 days: outside
            event("P1", "2024-03-04", .dealRegistered(territory: "US-CA", product: "voice", amount: 1)), // 89 days: inside
        ])
        let june1 = try snapshot(s, "2024-06-01")
        #expect(june1[.logins30d] == 1)
        #expect(june1[.dealsRegistered90d] == 1)
        #expect(june1[.dealsRegistered12m] == 2)
        #expect(june1[.dealsRegistered30d] == 0)
    }

    @Test("a small program's metrics match hand-computed values")
    func handComputed() throws {
        let p1 = partner("P1", program: "telecom-agents", enrolled: "2023-01-31", territories: ["US-CA", "US-TX"], products: ["voice", "mobile"])
        let p2 = partner("P2", program: "telecom-agents", enrolled: "2024-06-15", territories: [], products: [])
        let late = partner("P3", program: "telecom-agents", enrolled: "2025-01-01")
        let s = try store([p2, p1, late], [
            event("P1", "2023-02-01", .portalLogin),
            event("P1", "2023-02-03", .trainingCompleted(module: "onboarding")),
            event("P1", "2023-06-01", .trainingCompleted(module: "onboarding")),
            event("P1", "2024-02-10", .trainingCompleted(module: "voice-101")),
            event("P1", "2023-03-01", .dealRegistered(territory: "US-CA", product: "voice", amount: 900)),
            event("P1", "2023-05-01", .dealWon(amount: 900)),
            event("P1", "2023-05-01", .revenue(amount: 400, currency: "USD", product: "voice")),
            event("P1", "2024-01-10", .dealRegistered(territory: "US-NY", product: "voice", amount: 50)),   // outside territory
            event("P1", "2024-02-10", .dealRegistered(territory: "US-TX", product: "sd-wan", amount: 60)),  // outside products
            event("P1", "2024-03-10", .dealRegistered(territory: "US-TX", product: "mobile", amount: 70)),  // inside
            event("P1", "2024-04-01", .dealWon(amount: 70)),
            event("P1", "2024-04-02", .dealLost(amount: 50)),
            event("P1", "2024-05-20", .dealLost(amount: 60)),
            event("P1", "2024-05-01", .revenue(amount: 300, currency: "USD", product: "mobile")),
            event("P1", "2024-06-10", .revenue(amount: 200, currency: "USD", product: "voice")),
            event("P1", "2023-07-01", .certificationEarned(name: "Voice Pro", expires: day("2024-06-30"))),
            event("P1", "2024-06-20", .certificationEarned(name: "Voice Pro", expires: day("2024-07-25"))), // renewed; expires in 25 days
            event("P1", "2023-01-01", .certificationEarned(name: "Old Cert", expires: day("2024-01-01"))),  // expired
            event("P1", "2024-01-05", .certificationEarned(name: "Lifetime", expires: nil)),
            event("P1", "2023-02-01", .credential(kind: "PCI-DSS", expires: day("2024-01-31"))),            // expired
            event("P1", "2024-02-01", .credential(kind: "SOC2", expires: day("2025-01-31"))),
            event("P1", "2024-03-01", .attribute(name: "csat", value: .number(4.2))),
            event("P1", "2024-06-01", .attribute(name: "csat", value: .number(4.6))),
            event("P1", "2024-07-01", .attribute(name: "csat", value: .number(1.0))),   // after the as-of day
            event("P2", "2024-06-20", .dealRegistered(territory: "anywhere", product: "anything", amount: 1)),
        ])
        let asOf = "2024-06-30"
        let snapshots = try SnapshotCalculator(store: s).snapshots(asOf: day(asOf))
        #expect(snapshots.map(\.partner.id) == ["P1", "P2"], "ascending ids; P3 enrolled after the as-of day is left out")
        let a = snapshots[0]
        #expect(a[.revenue1m] == 200)              // (2024-05-30, 2024-06-30]
        #expect(a[.revenue3m] == 500)
        #expect(a[.revenue12m] == 500)             // (2023-06-30, 2024-06-30]
        #expect(a[.revenuePrior12m] == 400)
        #expect(a[.revenueGrowth] == 0.25)
        #expect(a[.revenueTotal] == 900)
        #expect(a[.dealsRegistered12m] == 3)
        #expect(a[.dealsRegistered90d] == 0)       // 2024-03-10 is 112 days back
        #expect(a[.dealsWon90d] == 0)              // 2024-04-01 is exactly 90 days back: outside
        #expect(a[.dealsWon12m] == 1)
        #expect(a[.dealsLost12m] == 2)
        #expect(a[.dealValueWon12m] == 70)
        #expect(a[.winRate12m] == 1.0 / 3.0)
        #expect(a[.dealsOutsideTerritory12m] == 2)
        #expect(a[.certificationsActive] == 2)     // Voice Pro (renewed) and Lifetime
        #expect(a[.certificationsExpiring30d] == 1)
        #expect(a[.certificationsExpiring60d] == 1)
        #expect(a[.certificationsExpiring90d] == 1)
        #expect(a[.trainingsCompleted] == 2)       // distinct modules
        #expect(a[.trainings12m] == 1)
        #expect(a[.logins30d] == 0)
        #expect(a[.daysSinceLastActivity] == 10)   // 2024-06-20
        #expect(a[.tenureDays] == 516)
        #expect(a[.tenureMonths] == 17)            // 2023-01-31 + 17 months = 2024-06-30
        #expect(a[.credentialsActive] == 1)
        #expect(a[.credentialsExpired] == 1)
        #expect(a.certification("Voice Pro") == Credential(name: "Voice Pro", granted: day("2024-06-20"), expires: day("2024-07-25")))
        #expect(a.certifications.map(\.name) == ["Lifetime", "Old Cert", "Voice Pro"])
        #expect(a.credential("PCI-DSS")?.isValid(on: day(asOf)) == false)
        #expect(a.attributes == ["csat": .number(4.6)])
        #expect(a.milestones == MilestoneDates(firstLogin: day("2023-02-01"), firstTraining: day("2023-02-03"),
                                               firstDealRegistration: day("2023-03-01"), firstDealWon: day("2023-05-01"),
                                               firstRevenue: day("2023-05-01")))
        let b = snapshots[1]
        #expect(b[.dealsOutsideTerritory12m] == 0, "an empty authorization list allows everything")
        #expect(b[.winRate12m] == nil && b[.revenueGrowth] == nil)
        #expect(b[.daysSinceLastActivity] == 10)
        #expect(b[.tenureMonths] == 0)
        #expect(b.milestones.firstLogin == nil)
    }

    @Test("program and partner filters choose partners; all-partner and filtered paths agree")
    func filters() throws {
        let s = try store([partner("P1", program: "telecom-agents", enrolled: "2023-01-15"), partner("P2", program: "saas-isv", enrolled: "2023-01-15"), partner("P3", program: "telecom-agents", enrolled: "2023-01-15")], [
            event("P1", "2024-01-01", .portalLogin), event("P2", "2024-01-01", .portalLogin),
            event("P3", "2024-01-02", .revenue(amount: 5, currency: "USD", product: "voice")),
        ])
        let calculator = SnapshotCalculator(store: s)
        let all = try calculator.snapshots(asOf: day("2024-06-30"))
        #expect(all.map(\.partner.id) == ["P1", "P2", "P3"])
        #expect(try calculator.snapshots(asOf: day("2024-06-30"), programs: ["saas-isv"]).map(\.partner.id) == ["P2"])
        let chosen = try calculator.snapshots(asOf: day("2024-06-30"), partnerIDs: ["P3", "P1"])
        #expect(chosen == [all[0], all[2]])
    }

    @Test("whole calendar months clamp at month ends")
    func wholeMonths() {
        #expect(SnapshotCalculator.wholeMonths(from: day("2024-01-31"), to: day("2024-02-29")) == 1)
        #expect(SnapshotCalculator.wholeMonths(from: day("2024-01-31"), to: day("2024-02-28")) == 0)
        #expect(SnapshotCalculator.wholeMonths(from: day("2023-05-15"), to: day("2024-05-14")) == 11)
        #expect(SnapshotCalculator.wholeMonths(from: day("2023-05-15"), to: day("2024-05-15")) == 12)
    }
}
