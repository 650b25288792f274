import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine
import TestSupport
import Testing
@testable import ProgramAnalytics
@testable import ProgramEvaluation

@Suite("Incentive cost and return on partner investment")
struct IncentiveMetricsTests {
    @Test("the cost by line type is what the ledger recorded for periods of the last 12 months up to the day; ROI is revenue_12m / that")
    func costAndReturn() throws {
        let store = try makeFixtureStore()
        let folder = try PolicyFolder(fixturePolicy.replacingOccurrences(of: "  interventions = ps.default_interventions,", with: """
              interventions = ps.default_interventions,
              incentives = {
                currency = "USD",
                ps.commission "Monthly commission" { every = "month", basis = { kind = "revenue" }, rate = "commission" },
                ps.mdf "MDF" { every = "quarter", basis = { kind = "revenue" }, rate = 0.02, cap = 50 },
              },
            """))
        let set = try folder.load()
        #expect(set.policies[0].incentives?.rules.count == 2)
        let run = ProgramRun(store: store, policySet: set)
        for asOf in ["2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31"] { try run.evaluate(asOf: day(asOf), dryRun: false) }
        let asOf = day("2026-06-30")
        let lines = try IncentiveLedger.lines(in: store, .init()).filter { $0.asOf <= asOf }
        #expect(!lines.isEmpty && lines.contains { $0.line == .mdf } && lines.contains { $0.line == .commission })
        func total(_ line: IncentiveLine?) -> ExactDecimal {
            lines.filter { line == nil || $0.line == line }.reduce(ExactDecimal.zero) { $0 + $1.amount }
        }
        let metrics = try ProgramAnalytics(store: store).metrics(asOf: asOf)
        let overall = try #require(metrics.overall.incentives)
        #expect(overall.costs.count == 1 && overall.costs[0].currency == "USD")
        #expect(overall.costs[0].lines["commission"] == total(.commission).text(places: 2))
        #expect(overall.costs[0].lines["mdf"] == total(.mdf).text(places: 2))
        #expect(overall.costs[0].lines["spiff"] == "0.00")
        #expect(overall.costs[0].total == total(nil).text(places: 2))
        #expect(overall.returnOnInvestment == metrics.overall.growth.revenue12m / total(nil).double)
        #expect(metrics.segment(.program, "other")?.incentives == nil)
        let csv = MetricsOutput.csv(metrics)
        #expect(csv.contains("all,,incentive_cost_12m:USD:total,\(total(nil).text(places: 2))"))
        #expect(MetricsOutput.table(metrics).contains("return on partner investment"))
    }
}
