import Foundation
import TestSupport
#if canImport(FoundationXML)
import FoundationXML
#endif
import PolicyEngine
import Testing
@testable import PolicyToolchain

@Suite("partnerscore test runs fixtures and explains failures in domain terms")
struct FixtureRunnerTests {
    let tiers = """
          tiers = {
            ps.tier "Base" { benefits = { rate = 1 } },
            ps.tier "Top" { entry = { ps.at_least("revenue_1m", 1000) }, benefits = { rate = 2 } },
          },
        """

    func fixture(expectTier: String) -> String {
        """
        {
          "description": "one partner",
          "partners": [ { "id": "A", "name": "A Co", "type": "agent", "program": "p", "region": "NA", "country": "US",
                          "territories": [], "products": [], "enrolled": "2025-01-01", "cam": "c" } ],
          "events": [ { "partner_id": "A", "date": "2025-01-10", "kind": "revenue", "amount": 1500, "currency": "USD", "product": "x" } ],
          "cases": [ { "name": "January", "as_of": "2025-01-31", "expect": { "A": { "tier": "\(expectTier)" } } } ]
        }
        """
    }

    func run(_ files: [String: String]) throws -> [CaseResult] { try runFixtures(files) }

    @Test("a passing fixture")
    func passing() throws {
        let results = try run(["s/p.lua": policy(tiers), "s/fixtures/a.json": fixture(expectTier: "Top")])
        #expect(results.map(\.passed) == [true])
        #expect(TestReport.summaryLine(results) == "1 passed, 0 failed")
    }

    @Test("a failing fixture shows expected against actual with the criterion behind it")
    func failing() throws {
        let results = try run(["s/p.lua": policy(tiers), "s/fixtures/a.json": fixture(expectTier: "Base")])
        #expect(results.map(\.passed) == [false])
        let text = TestReport.text(results)
        #expect(text.contains("✗ a.json › January (as of 2025-01-31)"))
        #expect(text.contains("partner A tier: expected Base, got Top"))
        #expect(text.contains("✓ Top entry: revenue_1m ≥ 1,000 — has 1,500   [Policies/s/p.lua:7]"))
        #expect(text.hasSuffix("0 passed, 1 failed\n"))
    }

    @Test("an expected name the policy lacks says so, with a did-you-mean")
    func misspeltName() throws {
        let results = try run(["s/p.lua": policy(tiers), "s/fixtures/a.json": fixture(expectTier: "Tpo")])
        let text = TestReport.text(results)
        #expect(text.contains("partner A tier: expected Tpo, got Top"))
        #expect(text.contains("'Tpo' is not a tier of this policy — did you mean 'Top'?"), "\(text)")
        let benefit = fixture(expectTier: "Top").replacingOccurrences(of: #""tier": "Top""#, with: #""benefits": { "rtae": 2 }"#)
        let benefitText = TestReport.text(try run(["s/p.lua": policy(tiers), "s/fixtures/a.json": benefit]))
        #expect(benefitText.contains("'rtae' is not a benefit of any tier of this policy — did you mean 'rate'?"), "\(benefitText)")
    }

    @Test("JUnit XML parses and its counts match")
    func junit() throws {
        let results = try run(["s/p.lua": policy(tiers), "s/fixtures/a.json": fixture(expectTier: "Base"),
                               "s/fixtures/b.json": fixture(expectTier: "Top")])
        let xml = TestReport.junit(results)
        let document = try XMLDocument(xmlString: xml)
        let root = try #require(document.rootElement())
        #expect(root.attribute(forName: "tests")?.stringValue == "2")
        #expect(root.attribute(forName: "failures")?.stringValue == "1")
        #expect(try document.nodes(forXPath: "//testcase").count == 2)
        #expect(try document.nodes(forXPath: "//failure").count == 1)
    }

    @Test("bad fixture data is reported with the fixture, record and field")
    func badData() throws {
        let broken = fixture(expectTier: "Top").replacingOccurrences(of: "\"amount\": 1500", with: "\"amount\": -5")
        let results = try run(["s/p.lua": policy(tiers), "s/fixtures/a.json": broken])
        let error = try #require(results.first?.error)
        #expect(error.contains("Policies/s/fixtures/a.json (events, record 1)"))
        #expect(error.contains("amount"))
    }

    @Test("malformed fixture files name the JSON path", arguments: [
        (#"{"cases": []}"#, "cases"),
        (#"{"cases": [{"as_of": "2025-02-30", "expect": {"A": {}}}]}"#, "cases[1].as_of"),
        (#"{"cases": [{"as_of": "2025-02-01", "expect": {"A": {"tier_event": "promoted"}}}]}"#, "cases[1].expect.A.tier_event"),
        (#"{"cases": [{"as_of": "2025-02-01", "expect": {"A": {"colour": "red"}}}]}"#, "cases[1].expect.A.colour"),
    ])
    func malformed(text: String, path: String) throws {
        let results = try run(["s/p.lua": policy(tiers), "s/fixtures/a.json": text])
        #expect(results.first?.error?.contains("Policies/s/fixtures/a.json: \(path):") == true, "\(results.first?.error ?? "")")
    }

    @Test("fixture files are read strictly: a trailing comma or a key twice is refused with its line", arguments: [
        ("{\n  \"cases\": [{\"as_of\": \"2025-02-01\", \"expect\": {\"A\": {\"tier\": \"A\",}}}]\n}", 2),
        ("{\n  \"cases\": [{\"as_of\": \"2025-02-01\",\n    \"expect\": {\"A\": {\"tier\": \"A\", \"tier\": \"B\"}}}]\n}", 3),
    ])
    func strictJSON(text: String, line: Int) throws {
        let results = try run(["s/p.lua": policy(tiers), "s/fixtures/a.json": text])
        let error = results.first?.error ?? ""
        #expect(error.contains("not valid JSON at line \(line):") && error.contains("read strictly"), "\(error)")
    }

    @Test("coverage names what no fixture reaches")
    func coverage() throws {
        let folder = try PolicyFolder(files: ["s/p.lua": policy(tiers), "s/fixtures/a.json": fixture(expectTier: "Top")])
        let set = try PolicySet(directory: folder.set("s"), displayPath: "Policies/s")
        let coverage = PolicyCoverage(policySet: set)
        var runner = FixtureRunner(setDirectory: folder.set("s"), displayPath: "Policies/s")
        runner.observe = { coverage.observe($0) }
        _ = runner.run(policySet: set)
        let report = coverage.report()
        #expect(report.items.contains { !$0.covered && $0.description == "tier Base reached" })
        #expect(report.items.contains { !$0.covered && $0.description.contains("revenue_1m ≥ 1,000\" fails") })
        #expect(report.items.contains { $0.covered && $0.description == "tier Top reached" })
        #expect(report.percent < 100)
    }

    @Test("a fixture stops at its first failing case: the cases after it start from no state")
    func stopsAtFailure() throws {
        let failing = """
              tiers = { ps.tier "Base" {}, ps.tier "Top" { entry = { ps.check("big", function(p) error("no data") end) } } },
            """
        let cases = """
            {
              "partners": [ { "id": "A", "name": "A Co", "type": "agent", "program": "p", "region": "NA", "country": "US",
                              "territories": [], "products": [], "enrolled": "2025-01-01", "cam": "c" } ],
              "cases": [ { "name": "January", "as_of": "2025-01-31", "expect": { "A": { "tier": "Top" } } },
                         { "name": "February", "as_of": "2025-02-28", "expect": { "A": { "tier": "Top" } } },
                         { "name": "March", "as_of": "2025-03-31", "expect": { "A": { "tier": "Top" } } } ]
            }
            """
        let results = try run(["s/p.lua": policy(failing), "s/fixtures/a.json": cases])
        #expect(results.map(\.name) == ["January", "February", "March"])
        #expect(results[0].error?.contains("no data") == true)
        #expect(results.dropFirst().allSatisfy {
            $0.error == "not run: case 'January' of this fixture failed, and each case starts from the one before"
        })
    }

    @Test("coverage counts the lines of policy functions that ran")
    func lineCoverage() throws {
        let withFunction = """
              tiers = {
                ps.tier "Base" {},
                ps.tier "Top" { entry = { ps.check("big", function(p)
                  if p.revenue_1m > 1000000 then
                    return true
                  end
                  return false
                end) } },
              },
            """
        let folder = try PolicyFolder(files: ["s/p.lua": policy(withFunction), "s/fixtures/a.json": fixture(expectTier: "Base")])
        let set = try PolicySet(directory: folder.set("s"), displayPath: "Policies/s")
        let coverage = PolicyCoverage(policySet: set)
        var runner = FixtureRunner(setDirectory: folder.set("s"), displayPath: "Policies/s")
        runner.observe = { coverage.observe($0) }
        let results = runner.run(policySet: set)
        #expect(results.allSatisfy { $0.passed })
        let lines = try #require(coverage.report().lines.first)
        #expect(lines.file == "Policies/s/p.lua")
        #expect(lines.missing == ["9"])
    }

    /// A red partner on a menu whose CAM step pauses 10 days; `acknowledge` goes on the second case.
    func pausingFixture(_ acknowledge: String) -> [String: String] {
        let menu = """
              tiers = { ps.tier "Base" {} },
              health = { components = { ps.component "revenue" { weight = 1, metric = "revenue_3m", target = 1000 } } },
              milestones = { first_login = false, first_training = false, first_deal_registration = false, first_deal_won = false },
              interventions = {
                ps.step { after = "0 days", action = "Nudge", owner = "automation" },
                ps.step { after = "7 days", action = "Call", owner = "CAM", pause = "10 days" },
                ps.step { after = "14 days", action = "Plan", owner = "success" },
              },
            """
        let fixture = """
            {
              "partners": [ { "id": "A", "name": "A Co", "type": "agent", "program": "p", "region": "NA", "country": "US",
                              "territories": [], "products": [], "enrolled": "2025-01-01", "cam": "c" } ],
              "cases": [
                { "as_of": "2025-01-10", "expect": { "A": { "intervention_step": 1 } } },
                { "as_of": "2025-01-17", "expect": { "A": { "intervention_step": 2 } }, "acknowledge": \(acknowledge) },
                { "as_of": "2025-01-25", "expect": { "A": { "intervention": "Call" } } }
              ]
            }
            """
        return ["s/p.lua": policy(menu), "s/fixtures/a.json": fixture]
    }

    @Test("a case's acknowledge holds escalation in the cases after it, as the task ledger does")
    func acknowledge() throws {
        let held = try run(pausingFixture(#"[ { "partner": "A", "alert": "health_red:health", "on": "2025-01-18" } ]"#))
        #expect(held.map(\.passed) == [true, true, true], "\(TestReport.text(held))")
        let escalated = try run(pausingFixture("[]"))
        #expect(escalated.map(\.passed) == [true, true, false])
        #expect(TestReport.text(escalated).contains("partner A intervention: expected Call, got Plan"))
    }

    @Test("an acknowledgement the ledger refuses fails its case, naming the fixture and the entry", arguments: [
        (#"[ { "partner": "A", "alert": "tier_review:Base" } ]"#, "cases[2].acknowledge[1]: partner A has no open task for alert tier_review:Base"),
        (#"[ { "partner": "A", "alert": "health_red:health", "on": "2025-01-01" } ]"#, "2025-01-01 is before it was opened (2025-01-17)"),
        (#"[ { "partner": "A", "alert": "health_red" } ]"#, "cases[2].acknowledge[1].alert: expected KIND:SUBJECT"),
        (#"[ { "partner": "A", "alert": "health_red:health", "day": "2025-01-18" } ]"#, "cases[2].acknowledge[1].day: unknown key"),
    ])
    func refused(_ acknowledge: String, _ words: String) throws {
        let results = try run(pausingFixture(acknowledge))
        let text = TestReport.text(results)
        #expect(text.contains(words), "\(text)")
        #expect(text.contains("Policies/s/fixtures/a.json"), "\(text)")
    }
}
