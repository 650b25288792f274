import Foundation
import TestSupport
import Testing

/// metrics and report through the real command line.
@Suite("partnerscore metrics/report work on a real database")
struct AnalyticsCommandTests {
    static let partners = """
        id,name,type,program,region,country,territories,products,enrolled,cam,tier,tier_since,status
        P1,"Acme <Voice> & Co",agent,agents,NA,US,US-CA,voice,2024-01-15,cam-1,,,
        P2,Bolt,agent,agents,NA,US,US-NY,mobile,2024-06-01,cam-2,,,

        """
    static let events = """
        partner_id,date,kind,amount,currency,product,territory,name,value,expires
        P1,2024-01-16,login,,,,,,,
        P1,2024-02-01,deal_won,100,,,,,,
        P1,2024-02-10,revenue,1000,USD,voice,,,,
        P1,2024-11-01,revenue,500,USD,voice,,,,
        P2,2024-06-25,deal_registered,500,,mobile,US-CA,,,
        P2,2024-12-01,revenue,300,USD,mobile,,,,

        """
    static let policy = """
        local ps = require "partnerscore"
        return ps.policy {
          name = "Agents", version = "1", effective = "2024-01-01", programs = { "agents" }, cadence = "monthly",
          remediation = "30 days",
          tiers = { ps.tier "Authorized" {}, ps.tier "Premier" { entry = { ps.at_least("revenue_12m", 1000) } } },
          health = { components = { ps.component "revenue" { weight = 1, metric = "revenue_12m", target = 2000 } } },
          milestones = ps.default_milestones, interventions = ps.default_interventions,
        }
        """

    func evaluatedWorkspace() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try folder.write("partners.csv", Self.partners)
        try folder.write("events.csv", Self.events)
        try folder.write("Policies/agents/agents.lua", Self.policy)
        for arguments in [["init", "--db", "p.sqlite"], ["import", "--db", "p.sqlite", "partners.csv", "events.csv"],
                          ["evaluate", "--db", "p.sqlite", "--policies", "Policies", "--as-of", "2024-11-30", "--format", "json"],
                          ["evaluate", "--db", "p.sqlite", "--policies", "Policies", "--as-of", "2024-12-31", "--format", "json"]] {
            let result = try partnerscore(arguments, in: folder)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        return folder
    }

    @Test("metrics --format csv: hand-computed figures as of the latest evaluation by default")
    func metricsCSV() throws {
        let folder = try evaluatedWorkspace()
        let result = try partnerscore(["metrics", "--db", "p.sqlite", "--format", "csv"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = Set(result.stdout.split(separator: "\n").map(String.init))
        #expect(result.stdout.hasPrefix("scope,name,metric,value\n"))
        // As of 2024-12-31: P1 won a deal 17 days after enrolment; time to first revenue 26 and 183 days;
        // P2's registration is outside its territory; the top partner (⌈2 × 20%⌉ = 1) brings 1,500 of 1,800.
        for expected in ["all,,enrolled_partners,2", "all,,activated_90d,1", "all,,activated_90d_of,2", "all,,activated_90d_rate,0.5",
                         "all,,time_to_first_revenue_median_days,104.5", "all,,deal_registrations_outside_12m_rate,1",
                         "all,,top20_revenue_share,0.833333", "policy_set,agents,latest_evaluation,2024-12-31",
                         "policy_set,agents,tier:Premier,1", "policy_set,agents,tier:Authorized,1", "program,agents,programs,agents"] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
        // The same bytes again.
        #expect(try partnerscore(["metrics", "--db", "p.sqlite", "--format", "csv"], in: folder).stdout == result.stdout)
    }

    @Test("metrics --format json and table; --as-of moves the figures back")
    func metricsJSONAndTable() throws {
        let folder = try evaluatedWorkspace()
        let json = try partnerscore(["metrics", "--db", "p.sqlite", "--format", "json", "--as-of", "2024-06-30"], in: folder)
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["as_of"] as? String == "2024-06-30")
        let segments = object?["segments"] as? [[String: Any]] ?? []
        let all = segments.first
        #expect((all?["partners"] as? [String: Any])?["enrolled"] as? Int == 2)
        // No evaluation on or before 2024-06-30.
        #expect(all?["evaluations"] == nil)

        let table = try partnerscore(["metrics", "--db", "p.sqlite"], in: folder)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.hasPrefix("Program metrics as of 2024-12-31"))
        #expect(table.stdout.contains("activation within 90 days             50.0% (1 of 2) enrolled ≥ 90 days ago"))
        #expect(table.stdout.contains("policy set agents (agents)"))
    }

    @Test("report writes one self-contained HTML file and says where")
    func report() throws {
        let folder = try evaluatedWorkspace()
        let result = try partnerscore(["report", "--db", "p.sqlite", "--out", "out.html"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Wrote the program report as of 2024-12-31 to /"))
        #expect(result.stdout.hasSuffix("/out.html\n"))
        let html = try String(contentsOfFile: folder.path("out.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 6)
        #expect(html.contains("Acme &lt;Voice&gt; &amp; Co"))
        // Nothing to fetch: no scripts, and the only URL is the SVG namespace.
        #expect(!html.contains("<script"))
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "https?://", options: .regularExpression) == nil)
    }

    @Test("bad input gets errors that say what to do")
    func badInput() throws {
        let folder = try evaluatedWorkspace()
        let badDay = try partnerscore(["metrics", "--db", "p.sqlite", "--as-of", "2024-02-30"], in: folder)
        #expect(badDay.status == 1)
        #expect(badDay.stderr == "error: --as-of '2024-02-30': no such day — write the day as YYYY-MM-DD, e.g. --as-of 2026-10-31\n")
        let missing = try partnerscore(["report", "--db", "nope.sqlite", "--out", "r.html"], in: folder)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no database at nope.sqlite — create it with: partnerscore init --db nope.sqlite"))
        let unwritable = try partnerscore(["report", "--db", "p.sqlite", "--out", "no/such/dir/r.html"], in: folder)
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("cannot write no/such/dir/r.html"))
        let format = try partnerscore(["metrics", "--db", "p.sqlite", "--format", "xml"], in: folder)
        #expect(format.status != 0)
        #expect(format.stderr.contains("xml"))
        let empty = try TemporaryFolder()
        #expect(try partnerscore(["init", "--db", "e.sqlite"], in: empty).status == 0)
        let nothing = try partnerscore(["metrics", "--db", "e.sqlite"], in: empty)
        #expect(nothing.status == 1)
        #expect(nothing.stderr.contains("holds no events and no evaluations") && nothing.stderr.contains("partnerscore import"))
    }
}
