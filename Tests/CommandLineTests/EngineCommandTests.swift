import Foundation
import TestSupport
import Testing

/// evaluate, explain, demo, test, check and diff through the real binary.
@Suite("Evaluation and policy toolchain commands")
struct EngineCommandTests {
    static let repositoryPolicies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Policies").path

    /// A workspace with a small generated program (telecom, or every industry with nil) imported into db.sqlite.
    func program(industry: String? = "telecom") throws -> TemporaryFolder {
        let w = try TemporaryFolder()
        for args in [["generate", "--partners", "300", "--seed", "3", "--out", "data"] + (industry.map { ["--industry", $0] } ?? []),
                     ["init", "--db", "db.sqlite"],
                     ["import", "--db", "db.sqlite", "data/partners.csv", "data/events.csv"]] {
            let r = try partnerscore(args, in: w)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        return w
    }

    @Test("evaluate writes a run, prints every partner as CSV, and refuses to go back in time")
    func evaluate() throws {
        let w = try program()
        let args = ["evaluate", "--db", "db.sqlite", "--policies", Self.repositoryPolicies + "/telecom", "--as-of", "2026-10-31"]
        let dry = try partnerscore(args + ["--dry-run", "--format", "csv"], in: w)
        #expect(dry.status == 0, "\(dry.stderr)")
        let rows = dry.stdout.split(separator: "\n")
        #expect(rows.first?.hasPrefix("policy_set,partner_id,program,as_of,previous_tier,tier,tier_event") == true)
        #expect(rows.count == 301)
        let real = try partnerscore(args, in: w)
        #expect(real.status == 0, "\(real.stderr)")
        #expect(real.stdout.contains("Summary of telecom as of 2026-10-31"))
        #expect(real.stdout.contains("partners evaluated    300"))
        #expect(real.stdout.contains("recorded as run       #1"))
        let again = try partnerscore(args, in: w)
        #expect(again.status == 1)
        #expect(again.stderr.contains("evaluations move forward in time"))
        // The same data, policy and date give byte-identical output.
        let json1 = try partnerscore(args + ["--dry-run", "--format", "json"], in: w)
        let json2 = try partnerscore(args + ["--dry-run", "--format", "json"], in: w)
        #expect(json1.stdout == json2.stdout && !json1.stdout.isEmpty)
    }

    @Test("explain tells in words why a partner has its tier")
    func explain() throws {
        let w = try program()
        let r = try partnerscore(["explain", "--db", "db.sqlite", "--policies", Self.repositoryPolicies, "--as-of", "2026-10-31",
                                  "P0000002"], in: w)
        #expect(r.status == 0, "\(r.stderr)")
        for section in ["Partner P0000002", "Tier: ", "Health: ", "Onboarding milestones", "Policy: Telecom agent program 2026.1"] {
            #expect(r.stdout.contains(section), "missing \(section)")
        }
        let unknown = try partnerscore(["explain", "--db", "db.sqlite", "--policies", Self.repositoryPolicies, "--as-of", "2026-10-31",
                                        "NOPE"], in: w)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no partner with id NOPE"))
    }

    @Test("a policy with a runtime error stops evaluate with file and line, writing nothing")
    func brokenPolicy() throws {
        let w = try program()
        try w.write("P/telecom/agents.lua", """
            local ps = require "partnerscore"
            return ps.policy {
              name = "Broken", version = "1", effective = "2026-01-01", programs = { "telecom-agents" }, cadence = "monthly",
              tiers = { ps.tier "Authorized" { entry = { ps.check("boom", function(p) return p.nothing.here end) } } },
            }
            """)
        let r = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "P/telecom", "--as-of", "2026-10-31"], in: w)
        #expect(r.status == 1)
        #expect(r.stderr.contains("P/telecom/agents.lua:4:"))
        #expect(r.stderr.contains("while evaluating partner P0000001"))
        let after = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", Self.repositoryPolicies + "/telecom",
                                      "--as-of", "2026-10-31", "--format", "csv"], in: w)
        #expect(after.status == 0, "nothing was recorded by the failed run: \(after.stderr)")
    }

    @Test("test prints a line per case, a closing count, JUnit XML, and exits 1 on a failure")
    func testCommand() throws {
        let w = try TemporaryFolder()
        try w.write("P/s/p.lua", """
            local ps = require "partnerscore"
            return ps.policy {
              name = "S", version = "1", effective = "2025-01-01", programs = { "p" }, cadence = "monthly",
              tiers = { ps.tier "Base" {}, ps.tier "Top" { entry = { ps.at_least("logins_30d", 1) } } },
            }
            """)
        try w.write("P/s/fixtures/a.json", """
            { "partners": [ { "id": "A", "name": "A", "type": "agent", "program": "p", "region": "NA", "country": "US",
                              "territories": [], "products": [], "enrolled": "2025-01-01", "cam": "c" } ],
              "events": [ { "partner_id": "A", "date": "2025-01-20", "kind": "login" } ],
              "cases": [ { "name": "logged in", "as_of": "2025-01-31", "expect": { "A": { "tier": "Top" } } },
                         { "name": "wrong on purpose", "as_of": "2025-03-31", "expect": { "A": { "tier": "Top" } } } ] }
            """)
        let r = try partnerscore(["test", "P", "--junit", "junit.xml"], in: w)
        #expect(r.status == 1)
        #expect(r.stdout.contains("✓ a.json › logged in (as of 2025-01-31)"))
        #expect(r.stdout.contains("partner A tier: expected Top, got Base"))
        #expect(r.stdout.hasSuffix("1 passed, 1 failed\n"))
        let xml = try String(contentsOfFile: w.path("junit.xml"), encoding: .utf8)
        #expect(xml.contains("tests=\"2\" failures=\"1\""))
        // JSON with coverage is one document.
        let json = try partnerscore(["test", "P", "--format", "json", "--coverage"], in: w)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(document?["failed"] as? Int == 1)
        #expect((document?["coverage"] as? [Any])?.count == 1)
        let text = try partnerscore(["test", "P", "--coverage"], in: w)
        #expect(text.stdout.contains("Coverage of s:"))
        #expect(text.stdout.hasSuffix("1 passed, 1 failed\n"))
    }

    @Test("check names file and line; diff fails on demotions; the bundled policies pass both test and check")
    func checkAndDiff() throws {
        let w = try program()
        try w.write("P/x/p.lua", "local ps = require 'partnerscore'\nreturn ps.policy { name = 'X', version = '1', effective = '2026-01-01',\n  programs = { 'telecom-agents' }, cadence = 'monthly',\n  tiers = { ps.tier 'A' { entry = { ps.at_least('revenue_12', 1) } } } }\n")
        let check = try partnerscore(["check", "P"], in: w)
        #expect(check.status == 1)
        #expect(check.stdout.contains("P/x/p.lua:4: error: tiers[1].entry[1].metric: unknown metric 'revenue_12'"))
        let bundled = try partnerscore(["check", Self.repositoryPolicies], in: w)
        #expect(bundled.status == 0, "\(bundled.stdout)")

        let policy = try String(contentsOfFile: Self.repositoryPolicies + "/telecom/agents.lua", encoding: .utf8)
        try w.write("P2/lib/common.lua", try String(contentsOfFile: Self.repositoryPolicies + "/lib/common.lua", encoding: .utf8))
        try w.write("P2/telecom/agents.lua", policy.replacingOccurrences(of: "ps.at_least(\"revenue_3m\", 12000)",
                                                                          with: "ps.at_least(\"revenue_3m\", 40000)"))
        let evaluate = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", Self.repositoryPolicies + "/telecom",
                                         "--as-of", "2026-09-30", "--format", "csv"], in: w)
        #expect(evaluate.status == 0)
        let diff = try partnerscore(["diff", "--db", "db.sqlite", "--from", Self.repositoryPolicies + "/telecom", "--to", "P2/telecom",
                                     "--as-of", "2026-10-31", "--fail-on-demotions", "0"], in: w)
        #expect(diff.status == 1)
        #expect(diff.stdout.contains("Tier migration"))
        #expect(diff.stderr.contains("would be demoted or put in tier review (limit 0)"))
    }

    @Test("demo runs the main job end to end")
    func demo() throws {
        let w = try TemporaryFolder()
        let r = try partnerscore(["demo", "--partners", "400", "--policies", Self.repositoryPolicies], in: w)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Over six monthly runs:"))
        // Set names are never cut to fit a column.
        #expect(r.stdout.contains("\n  financial-services  "), "\(r.stdout)")
        #expect(!r.stdout.contains("financial-se "))
        #expect(r.stdout.contains("Summary of telecom as of 2026-10-31"))
    }
}
