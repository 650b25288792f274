import Foundation
import PolicyEngine
import TestSupport
import Testing
@testable import PolicyToolchain

/// `print` in a policy function is how a designer looks inside it: what it
/// printed for a partner shows beside the case that failed on that partner.
@Suite("print in policy functions is captured and shown beside a failing case")
struct PrintCaptureTests {
    func files(expect tierA: String, _ check: String = "print('revenue of ' .. p.id, p.revenue_1m) return p.revenue_1m > 1000")
        -> [String: String] {
        [
            "s/p.lua": policy("""
                  tiers = {
                    ps.tier "Base" {},
                    ps.tier "Top" { entry = { ps.check("sells", function(p) \(check) end) } },
                  },
                """),
            "s/fixtures/a.json": """
                { "partners": [ { "id": "A", "name": "A", "type": "agent", "program": "p", "region": "NA", "country": "US",
                                  "territories": [], "products": [], "enrolled": "2025-01-01", "cam": "c" },
                                { "id": "B", "name": "B", "type": "agent", "program": "p", "region": "NA", "country": "US",
                                  "territories": [], "products": [], "enrolled": "2025-01-01", "cam": "c" } ],
                  "events": [ { "partner_id": "A", "date": "2025-01-10", "kind": "revenue", "amount": 1500, "currency": "USD", "product": "x" },
                              { "partner_id": "B", "date": "2025-01-10", "kind": "revenue", "amount": 500, "currency": "USD", "product": "x" } ],
                  "cases": [ { "name": "January", "as_of": "2025-01-31", "expect": { "A": { "tier": "\(tierA)" }, "B": { "tier": "Base" } } } ] }
                """,
        ]
    }

    func run(_ files: [String: String]) throws -> [CaseResult] { try runFixtures(files) }

    @Test("a failing case shows what was printed for the partner it failed on, and only that partner")
    func failing() throws {
        let results = try run(files(expect: "Base"))
        #expect(results.first?.printed == ["A": ["revenue of A\t1500"]])
        let text = TestReport.text(results)
        #expect(text.contains("      printed while evaluating A:\n        | revenue of A\t1500\n"))
        #expect(!text.contains("revenue of B"))
        #expect(TestReport.junit(results).contains("revenue of A"))
    }

    @Test("a passing case keeps nothing")
    func passing() throws {
        let results = try run(files(expect: "Top"))
        #expect(results.allSatisfy { $0.passed && $0.printed == nil })
        #expect(!TestReport.text(results).contains("printed"))
    }

    @Test("a policy error shows what the failing partner printed before it")
    func policyError() throws {
        let results = try run(files(expect: "Top", "print('looking at', p.id) if p.id == 'B' then error('boom') end return true"))
        let result = try #require(results.first)
        #expect(result.error?.contains("boom") == true)
        #expect(result.printed == ["B": ["looking at\tB"]])
    }

    @Test("print output is bounded per evaluation")
    func bounded() throws {
        let results = try run(files(expect: "Base", "for i = 1, 100000 do print(string.rep('x', 100)) end return true"))
        let lines = try #require(results.first?.printed?["A"])
        #expect(lines.reduce(0) { $0 + $1.utf8.count } < PrintCapture.limit + 200)
        #expect(lines.last?.contains("dropped") == true)
    }
}
