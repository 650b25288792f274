import Foundation
import PolicyEngine
import TestSupport
import Testing
@testable import PolicyToolchain

/// Fixture expectations of measures and metrics, and fixtures of custom kinds.
@Suite("Fixtures expect measures and metrics of a partner's snapshot")
struct MeasureFixtureTests {
    let body = """
          measures = {
            ps.measure "sales_3m" { kind = "revenue", window = "3 months", aggregate = "sum" },
            ps.measure "lines" { kind = "lines_activated", window = "all_time", aggregate = "count" },
            ps.measure "last_sale" { kind = "revenue", aggregate = "last_date" },
          },
          tiers = { ps.tier "Base" {}, ps.tier "Top" { entry = { ps.at_least("sales_3m", 1000) } } },
        """

    func fixture(_ expect: String) -> String {
        """
        {
          "partners": [ { "id": "A", "name": "A Co", "type": "agent", "program": "p", "region": "NA", "country": "US",
                          "territories": [], "products": [], "enrolled": "2025-01-01", "cam": "c" } ],
          "events": [ { "partner_id": "A", "date": "2025-01-10", "kind": "revenue", "amount": 1500.5, "currency": "USD", "product": "x" },
                      { "partner_id": "A", "date": "2025-01-11", "kind": "lines_activated", "amount": 3 } ],
          "cases": [ { "name": "January", "as_of": "2025-01-31", "expect": { "A": \(expect) } } ]
        }
        """
    }

    func run(_ expect: String) throws -> [CaseResult] {
        let folder = try PolicyFolder(files: ["s/p.lua": policy(body), "s/fixtures/a.json": fixture(expect)])
        let set = try PolicySet(directory: folder.set("s"), displayPath: "Policies/s")
        return FixtureRunner(setDirectory: folder.set("s"), displayPath: "Policies/s").run(policySet: set)
    }

    @Test("measures and metrics as expected: money to the cent, dates as YYYY-MM-DD, a custom kind's events imported")
    func passing() throws {
        let results = try run(#"""
            { "tier": "Top", "measures": { "sales_3m": 1500.504, "lines": 1, "last_sale": "2025-01-10" },
              "metrics": { "revenue_1m": 1500.5, "win_rate_12m": null } }
            """#)
        #expect(results.map(\.passed) == [true], "\(TestReport.text(results))")
    }

    @Test("a wrong value names the measure, expected against actual, and what the measure means")
    func failing() throws {
        let results = try run(#"{ "measures": { "sales_3m": 1500.51, "last_sale": null }, "metrics": { "revenue_3m": 1 } }"#)
        let text = TestReport.text(results)
        #expect(text.contains("partner A measure sales_3m: expected 1500.51, got 1500.5"), "\(text)")
        #expect(text.contains("sum of the amount of revenue events in the last 3 months"))
        #expect(text.contains("partner A measure last_sale: expected none, got 2025-01-10"))
        #expect(text.contains("partner A metric revenue_3m: expected 1, got 1500.5"))
    }

    @Test("an expectation of a measure the set does not declare, or of an unknown metric, is refused with a did-you-mean")
    func unknownNames() throws {
        let measure = TestReport.text(try run(#"{ "measures": { "sales_3n": 1 } }"#))
        #expect(measure.contains("measures.sales_3n: no measure named 'sales_3n' in this set — did you mean 'sales_3m'?"), "\(measure)")
        let metric = TestReport.text(try run(#"{ "metrics": { "revenue_3n": 1 } }"#))
        #expect(metric.contains("metrics.revenue_3n: unknown metric 'revenue_3n' — did you mean 'revenue_3m'?"), "\(metric)")
    }

    @Test("the worked example of every measure passes its fixtures")
    func example() throws {
        let examples = repositoryPolicies.deletingLastPathComponent().appendingPathComponent("docs/examples/measures")
        let set = try PolicySet(directory: examples, displayPath: "docs/examples/measures")
        let results = FixtureRunner(setDirectory: examples, displayPath: "docs/examples/measures").run(policySet: set)
        #expect(results.count == 3 && results.allSatisfy(\.passed), "\(TestReport.text(results))")
        #expect(set.measures.count == 26)
    }
}
