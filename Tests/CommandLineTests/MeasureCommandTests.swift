import Foundation
import TestSupport
import Testing

/// Declared measures through the real command line: custom kinds at import,
/// one export column per measure, and the telecom measures against an
/// independent computation from the generated files.
@Suite("Measures through the command line: import --policies, export --policies")
struct MeasureCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let policy = """
        local ps = require "partnerscore"
        return ps.policy {
          name = "Lines", version = "1", effective = "2025-01-01", programs = { "telecom-agents" }, cadence = "monthly",
          measures = {
            ps.measure "lines_activated_3m" { kind = "lines_activated", window = "3 months", aggregate = "sum" },
            ps.measure "csat" { kind = "csat_survey", aggregate = "latest_value" },
            ps.measure "last_listing" { kind = "marketplace_listing", aggregate = "last_date" },
          },
          tiers = { ps.tier "Agent" {}, ps.tier "Pro" { entry = { ps.at_least("lines_activated_3m", 10) } } },
        }
        """

    static let partners = """
        id,name,type,program,region,country,territories,products,enrolled,cam,tier,tier_since,status
        P1,"Acme, Inc.",agent,telecom-agents,NA,US,US-CA,voice,2024-01-15,cam-1,,,

        """

    static let events = """
        partner_id,date,kind,amount,currency,product,territory,name,value,expires
        P1,2024-05-10,lines_activated,12,,voice,,,,
        P1,2024-06-01,csat_survey,,,,,q2,"very good",
        P1,2024-06-02,marketplace_listing,,,,,voice-bridge,,
        P1,2024-06-03,deal_won,500,,voice,US-CA,,,

        """

    @Test("a custom kind imports once --policies names it; without, or misspelt, it is refused with file, line and a did-you-mean")
    func customKinds() throws {
        let folder = try TemporaryFolder()
        try folder.write("sets/lines/p.lua", Self.policy)
        try folder.write("partners.csv", Self.partners)
        try folder.write("events.csv", Self.events)
        #expect(try partnerscore(["init", "--db", "p.sqlite"], in: folder).status == 0)
        let refused = try partnerscore(["import", "--db", "p.sqlite", "partners.csv", "events.csv"], in: folder)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("events.csv:2: field 'kind': unknown event kind 'lines_activated'"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--policies"))
        try folder.write("typo.csv", Self.events.replacingOccurrences(of: "csat_survey", with: "csat_surveys"))
        let typo = try partnerscore(["import", "--db", "p.sqlite", "--policies", "sets", "partners.csv", "typo.csv"], in: folder)
        #expect(typo.status != 0)
        #expect(typo.stderr.contains("typo.csv:3: field 'kind': unknown event kind 'csat_surveys'"), "\(typo.stderr)")
        #expect(typo.stderr.contains("did you mean 'csat_survey'?"))
        let imported = try partnerscore(["import", "--db", "p.sqlite", "--policies", "sets/lines", "partners.csv", "events.csv"], in: folder)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("4 events"))

        let csv = try partnerscore(["export", "--db", "p.sqlite", "snapshots", "--as-of", "2024-06-30", "--policies", "sets"], in: folder)
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines[0].hasSuffix(",first_revenue,lines_activated_3m,csat,last_listing"))
        #expect(lines[1].hasSuffix(",12,very good,2024-06-02"))
        let without = try partnerscore(["export", "--db", "p.sqlite", "snapshots", "--as-of", "2024-06-30"], in: folder)
        #expect(without.stdout.split(separator: "\n")[0].hasSuffix(",first_revenue"), "no policies, no measure columns")
        let json = try partnerscore(["export", "--db", "p.sqlite", "snapshots", "--as-of", "2024-06-30", "--policies", "sets",
                                     "--format", "json"], in: folder)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        let measures = decoded?.first?["measures"] as? [String: Any]
        #expect(measures?["lines_activated_3m"] as? Int == 12)
        #expect(measures?["csat"] as? String == "very good")
        #expect(measures?["last_listing"] as? String == "2024-06-02")
        #expect(try partnerscore(["evaluate", "--db", "p.sqlite", "--policies", "sets", "--as-of", "2024-06-30"], in: folder)
            .stdout.contains("Pro"))
    }

    @Test("a broken declaration stops export and import with its file and line")
    func brokenDeclaration() throws {
        let folder = try TemporaryFolder()
        try folder.write("sets/lines/p.lua", Self.policy.replacingOccurrences(of: "\"sum\"", with: "\"summ\""))
        #expect(try partnerscore(["init", "--db", "p.sqlite"], in: folder).status == 0)
        for args in [["export", "--db", "p.sqlite", "snapshots", "--as-of", "2024-06-30", "--policies", "sets"],
                     ["import", "--db", "p.sqlite", "--policies", "sets", "nothing.csv"]] {
            let result = try partnerscore(args, in: folder)
            #expect(result.status != 0)
            #expect(result.stderr.contains("sets/lines/p.lua:5: measures[1].aggregate: unknown aggregation 'summ' — did you mean 'sum'?"),
                    "\(result.stderr)")
        }
    }

    @Test("export --policies Policies/telecom matches an independent computation of the four telecom measures")
    func telecomMeasures() throws {
        let folder = try TemporaryFolder()
        for args in [["generate", "--partners", "400", "--seed", "5", "--industry", "telecom", "--out", "data"],
                     ["init", "--db", "db.sqlite"],
                     ["import", "--db", "db.sqlite", "data/partners.csv", "data/events.csv"]] {
            let result = try partnerscore(args, in: folder)
            #expect(result.status == 0, "\(args): \(result.stderr)")
        }
        for asOf in ["2026-10-31", "2026-02-28", "2025-07-15"] {
            let export = try partnerscore(["export", "--db", "db.sqlite", "snapshots", "--as-of", asOf, "--policies",
                                           Self.repository.appendingPathComponent("Policies/telecom").path, "--out", "snapshots.csv"], in: folder)
            #expect(export.status == 0, "\(export.stderr)")
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            check.arguments = ["python3", Self.repository.appendingPathComponent("Scripts/check-telecom-measures.py").path,
                               folder.path("data"), folder.path("snapshots.csv"), asOf]
            let output = Pipe()
            check.standardOutput = output
            try check.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "\(text)")
            #expect(text.contains(": 0 differences"), "\(text)")
        }
    }
}
