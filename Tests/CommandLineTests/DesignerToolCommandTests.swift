import Foundation
import TestSupport
import Testing

/// The designer's tools through the real binary: diff against a copy, the
/// set's name in the ledger, explain of a recorded day, lua with a set's
/// modules and a sample partner, captured prints, policy show and the
/// editor files.
@Suite("The designer's tools on a generated program")
struct DesignerToolCommandTests {
    static let policies = EngineCommandTests.repositoryPolicies

    /// A generated telecom program, the repository's Policies copied beside it,
    /// evaluated at September's end.
    func program() throws -> TemporaryFolder {
        let w = try EngineCommandTests().program()
        try FileManager.default.copyItem(atPath: Self.policies, toPath: w.path("Policies"))
        let r = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "Policies/telecom", "--as-of", "2026-09-30"], in: w)
        #expect(r.status == 0, "\(r.stderr)")
        return w
    }

    func copy(_ w: TemporaryFolder, to relative: String) throws {
        try FileManager.default.createDirectory(atPath: w.path(relative + "/.."), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: w.path("Policies/telecom"), toPath: w.path(relative))
    }

    @Test("the guide's recipe: a copy anywhere resolves the shared modules and, unchanged, shows no change")
    func diffAgainstCopy() throws {
        let w = try program()
        try copy(w, to: "elsewhere/telecom-2027")
        let r = try partnerscore(["diff", "--db", "db.sqlite", "--from", "Policies/telecom", "--to", "elsewhere/telecom-2027",
                                  "--as-of", "2026-10-31", "--format", "json"], in: w)
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(report["partners"] as? Int == 300 && report["unchanged"] as? Int == 300)
        #expect((report["intervention_changes"] as? [Any])?.isEmpty == true)
        #expect(report["set"] as? String == "telecom")
        // The copy can also name a library.
        let named = try partnerscore(["diff", "--db", "db.sqlite", "--from", "Policies/telecom", "--to", "elsewhere/telecom-2027",
                                      "--lib", "Policies/lib", "--as-of", "2026-10-31"], in: w)
        #expect(named.status == 0 && named.stdout.contains("300 partners evaluated, 300 unchanged"), "\(named.stderr)")
        // --lib serves the --from set too, when it is kept outside its Policies folder.
        try copy(w, to: "out/telecom")
        let outside = try partnerscore(["diff", "--db", "db.sqlite", "--from", "out/telecom", "--to", "elsewhere/telecom-2027",
                                        "--lib", "Policies/lib", "--as-of", "2026-10-31"], in: w)
        #expect(outside.status == 0 && outside.stdout.contains("300 partners evaluated, 300 unchanged"), "\(outside.stderr)")
    }

    @Test("on a day tiers are not due, diff says so and --as-if-due compares them")
    func diffNotDue() throws {
        let w = try program()
        try copy(w, to: "edit/telecom")
        let premier = try String(contentsOfFile: w.path("edit/telecom/agents.lua"), encoding: .utf8)
            .replacingOccurrences(of: "ps.at_least(\"revenue_1m\", 5000)", with: "ps.at_least(\"revenue_1m\", 8000)")
            .replacingOccurrences(of: "ps.at_least(\"revenue_3m\", 12000)", with: "ps.at_least(\"revenue_3m\", 30000)")
        try premier.write(toFile: w.path("edit/telecom/agents.lua"), atomically: true, encoding: .utf8)
        let args = ["diff", "--db", "db.sqlite", "--from", "Policies/telecom", "--to", "edit/telecom", "--as-of", "2026-09-30"]
        let notDue = try partnerscore(args + ["--fail-on-demotions", "0"], in: w)
        #expect(notDue.status == 0, "no demotions are counted when tiers are not due")
        #expect(notDue.stdout.contains("TIERS NOT DUE as of 2026-09-30"))
        #expect(notDue.stdout.contains("tiers next due 2026-10-01"))
        #expect(notDue.stderr.contains("tiers are not due as of 2026-09-30"))
        let due = try partnerscore(args + ["--as-if-due", "--fail-on-demotions", "0"], in: w)
        #expect(due.status == 1, "as if due, the higher maintenance threshold puts Premier agents in review")
        #expect(due.stdout.contains("tiers evaluated as if due (--as-if-due)"))
        #expect(!due.stdout.contains("TIERS NOT DUE"))
    }

    @Test("evaluating a copy under its folder's name is refused; --set-name chooses the history")
    func setName() throws {
        let w = try program()
        try copy(w, to: "tmp/telecom-2027")
        let base = ["evaluate", "--db", "db.sqlite", "--policies", "tmp/telecom-2027", "--lib", "Policies/lib", "--as-of", "2026-10-31"]
        let refused = try partnerscore(base, in: w)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("already have a history under policy set 'telecom'"))
        #expect(refused.stderr.contains("--set-name telecom"))
        let continued = try partnerscore(base + ["--set-name", "telecom"], in: w)
        #expect(continued.status == 0, "\(continued.stderr)")
        #expect(continued.stdout.contains("Summary of telecom as of 2026-10-31"))
        let noLib = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "tmp/telecom-2027", "--as-of", "2026-11-30"], in: w)
        #expect(noLib.stderr.contains("module 'common' not found") && noLib.stderr.contains("--lib"))
    }

    @Test("explain shows the recorded decision on a recorded day, with the criteria a promoted partner met")
    func explainRecorded() throws {
        let w = try program()
        let csv = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "Policies/telecom", "--as-of", "2026-10-31",
                                    "--format", "csv"], in: w)
        #expect(csv.status == 0, "\(csv.stderr)")
        let rows: [[String]] = csv.stdout.split(separator: "\n").map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let upgraded = try #require(rows.first { $0.count > 6 && $0[6] == "upgraded" }?[1])
        let r = try partnerscore(["explain", "--db", "db.sqlite", "--policies", "Policies", "--as-of", "2026-10-31", upgraded], in: w)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("The decision recorded by run #2 of policy set 'telecom' as of 2026-10-31."))
        #expect(r.stdout.contains("UPGRADED from Authorized to Premier"))
        #expect(r.stdout.contains("Promoted to Premier at this evaluation — its entry criteria, all met:"))
        #expect(r.stdout.contains("✓ months_5k_of_last_4 ≥ 3"))
        #expect(r.stdout.contains("✓ revenue_voice_mobile_3m ≥ 15,000"))
        // Re-evaluated from the state the run left, tiers are not due: that is a preview, and says so.
        let again = try partnerscore(["explain", "--db", "db.sqlite", "--policies", "Policies", "--as-of", "2026-10-31", upgraded,
                                      "--reevaluate"], in: w)
        #expect(again.stdout.contains("tiers are next due at the first evaluation on or after 2026-11-01"))
        #expect(again.stdout.contains("That state already holds the run of 2026-10-31, so this is not what was decided then"))
    }

    @Test("lua loads the library and a set's helpers, with a partner's snapshot as p")
    func lua() throws {
        let w = try program()
        try w.write("try.lua", """
            local ps = require "partnerscore"
            local common = require "common"
            print("trying", p.id)
            return { id = p.id, program = p.program, first = (...).id, bands = common.health(1).bands.green,
                     defaults = ps.default_milestones.first_login }
            """)
        let r = try partnerscore(["lua", "try.lua", "--policies", "Policies/telecom", "--db", "db.sqlite", "--partner", "P0000002",
                                  "--as-of", "2026-10-31"], in: w)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == #"{"bands":70,"defaults":"3 days","first":"P0000002","id":"P0000002","program":"telecom-agents"}"# + "\n")
        #expect(r.stderr == "trying\tP0000002\n")
        let fixture = try partnerscore(["lua", "try.lua", "--policies", "Policies/telecom", "--fixture",
                                        "Policies/telecom/fixtures/premier_lifecycle.json", "--partner", "T-1", "--as-of", "2025-02-28"], in: w)
        #expect(fixture.status == 0 && fixture.stdout.contains(#""id":"T-1""#), "\(fixture.stderr)")
        let missing = try partnerscore(["lua", "try.lua", "--policies", "Policies/telecom", "--db", "db.sqlite", "--partner", "NOPE",
                                        "--as-of", "2026-10-31"], in: w)
        #expect(missing.status == 1 && missing.stderr.contains("no partner NOPE"))
        // p as JSON, edited, given back as p.
        try w.write("dump.lua", "return p")
        let dumped = try partnerscore(["lua", "dump.lua", "--db", "db.sqlite", "--partner", "P0000002", "--as-of", "2026-10-31"], in: w)
        try dumped.stdout.replacingOccurrences(of: #""id":"P0000002""#, with: #""id":"EDITED""#)
            .write(toFile: w.path("p.json"), atomically: true, encoding: .utf8)
        let edited = try partnerscore(["lua", "try.lua", "--policies", "Policies/telecom", "--partner", "p.json"], in: w)
        #expect(edited.status == 0 && edited.stdout.contains(#""id":"EDITED""#) && edited.stdout.contains(#""program":"telecom-agents""#),
                "\(edited.stderr)")
        let usage = try partnerscore(["lua", "try.lua", "--partner", "P0000002"], in: w)
        #expect(usage.status != 0 && usage.stderr.contains("--partner needs one of --db or --fixture"))
    }

    @Test("prints in policy functions show beside a failing fixture case and never in evaluate's output")
    func prints() throws {
        let w = try program()
        let agents = try String(contentsOfFile: w.path("Policies/telecom/agents.lua"), encoding: .utf8)
            .replacingOccurrences(of: "ps.territories_at_least(2),            -- geographic coverage",
                                  with: "ps.territories_at_least(2), ps.check(\"debug\", function(p) print(\"seen\", p.id) return true end),")
        try agents.write(toFile: w.path("Policies/telecom/agents.lua"), atomically: true, encoding: .utf8)
        let evaluate = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "Policies/telecom", "--as-of", "2026-10-31",
                                         "--dry-run", "--format", "csv"], in: w)
        #expect(evaluate.status == 0 && !evaluate.stdout.contains("seen") && !evaluate.stderr.contains("seen"))
        try w.write("Policies/telecom/fixtures/wrong.json", """
            { "partners": [ { "id": "W-1", "name": "W", "type": "agent", "program": "telecom-agents", "region": "NA", "country": "US",
                              "territories": ["US-CA"], "products": ["voice"], "enrolled": "2025-01-01", "cam": "c" } ],
              "cases": [ { "name": "wrong on purpose", "as_of": "2025-01-31", "expect": { "W-1": { "tier": "Premier" } } } ] }
            """)
        let test = try partnerscore(["test", "Policies/telecom"], in: w)
        #expect(test.status == 1)
        #expect(test.stdout.contains("printed while evaluating W-1:\n        | seen\tW-1\n"))
    }

    @Test("policy show prints the resolved set, the same bytes every time")
    func policyShow() throws {
        let w = try TemporaryFolder()
        let first = try partnerscore(["policy", "show", Self.policies + "/telecom"], in: w)
        let second = try partnerscore(["policy", "show", Self.policies + "/telecom"], in: w)
        #expect(first.status == 0 && first.stdout == second.stdout, "\(first.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let policy = try #require((document["policies"] as? [[String: Any]])?.first)
        #expect(policy["remediation"] as? String == "60 days")
        #expect((policy["milestones"] as? [String: Any])?["first_deal_won"] as? String == "90 days")
        #expect((policy["interventions"] as? [[String: Any]])?.first?["kinds"] as? [String] != nil)
    }

    @Test("editor-files --check passes on the repository's files and fails on stale ones")
    func editorFiles() throws {
        let w = try TemporaryFolder()
        let ok = try partnerscore(["policy", "editor-files", "--check", Self.policies], in: w)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        try FileManager.default.copyItem(atPath: Self.policies, toPath: w.path("P"))
        try "---@meta partnerscore\n".write(toFile: w.path("P/.luals/partnerscore.d.lua"), atomically: true, encoding: .utf8)
        let stale = try partnerscore(["policy", "editor-files", "--check", "P"], in: w)
        #expect(stale.status == 1 && stale.stderr.contains("P/.luals/partnerscore.d.lua"))
        let written = try partnerscore(["policy", "editor-files", "P"], in: w)
        #expect(written.status == 0 && written.stdout.contains("P/.luals/partnerscore.d.lua: written"))
        #expect(try partnerscore(["policy", "editor-files", "--check", "P"], in: w).status == 0)
        // The sets' declared measures complete as fields of p, with where they are declared.
        let measures = try String(contentsOfFile: w.path("P/.luals/measures.d.lua"), encoding: .utf8)
        #expect(measures.contains("---@field months_5k_of_last_4 number? ") && measures.contains("(telecom/agents.lua:"), "\(measures)")
    }
}
