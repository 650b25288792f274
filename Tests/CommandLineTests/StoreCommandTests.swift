import Foundation
import TestSupport
import Testing

/// init, import, generate and export through the real command line.
@Suite("partnerscore init/import/generate/export work on a real database")
struct StoreCommandTests {
    static let partners = """
        id,name,type,program,region,country,territories,products,enrolled,cam,tier,tier_since,status
        P1,"Acme, Inc.",agent,telecom-agents,NA,US,US-CA;US-TX,voice,2023-01-15,cam-1,Authorized,2023-01-15,active
        P2,Bolt,agent,telecom-agents,NA,US,US-NY,mobile,2024-06-01,cam-2,,,

        """
    static let events = """
        partner_id,date,kind,amount,currency,product,territory,name,value,expires
        P1,2024-06-10,revenue,200,USD,voice,,,,
        P1,2024-06-20,login,,,,,,,
        P2,2024-06-25,deal_registered,500,,mobile,US-CA,,,

        """

    @Test("init creates the database; import loads both files; export snapshots prints one row per partner")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        try folder.write("partners.csv", Self.partners)
        try folder.write("events.csv", Self.events)
        let initialized = try partnerscore(["init", "--db", "p.sqlite"], in: folder)
        #expect(initialized.status == 0, "\(initialized.stderr)")
        #expect(initialized.stdout == "p.sqlite: ready (0 partners, 0 events)\n")
        let imported = try partnerscore(["import", "--db", "p.sqlite", "events.csv", "partners.csv"], in: folder)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("imported 2 partners added, 0 updated, 3 events from 2 files in "))
        #expect(imported.stderr.isEmpty, "no progress when stderr is not a terminal")

        let csv = try partnerscore(["export", "--db", "p.sqlite", "snapshots", "--as-of", "2024-06-30"], in: folder)
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("id,program,tier,as_of,revenue_1m,revenue_3m,revenue_12m,"))
        #expect(lines[1].hasPrefix("P1,telecom-agents,Authorized,2024-06-30,200,200,200,0,,200,"))
        #expect(lines[0].hasSuffix(",first_login,first_training,first_deal_registration,first_deal_won,first_revenue"))
        #expect(lines[1].hasSuffix(",2024-06-20,,,,2024-06-10"))

        let json = try partnerscore(["export", "--db", "p.sqlite", "snapshots", "--as-of", "2024-06-30", "--format", "json",
                                     "--partner", "P2"], in: folder)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        let metrics = decoded?.first?["metrics"] as? [String: Any]
        #expect(decoded?.count == 1)
        #expect(metrics?["deals_outside_territory_12m"] as? Int == 1)
        #expect(metrics?["win_rate_12m"] is NSNull)
    }

    @Test("export partners re-imports as is (upsert, no duplicates)")
    func exportPartners() throws {
        let folder = try TemporaryFolder()
        try folder.write("partners.csv", Self.partners)
        _ = try partnerscore(["init", "--db", "p.sqlite"], in: folder)
        _ = try partnerscore(["import", "--db", "p.sqlite", "partners.csv"], in: folder)
        let exported = try partnerscore(["export", "--db", "p.sqlite", "partners", "--out", "again.csv"], in: folder)
        #expect(exported.status == 0 && exported.stdout.isEmpty)
        let again = try String(contentsOfFile: folder.path("again.csv"), encoding: .utf8)
        #expect(again.contains("P1,\"Acme, Inc.\",agent,telecom-agents,NA,US,US-CA;US-TX,voice,2023-01-15,cam-1,Authorized,2023-01-15,active\n"))
        let reimported = try partnerscore(["import", "--db", "p.sqlite", "again.csv"], in: folder)
        #expect(reimported.stdout.hasPrefix("imported 0 partners added, 2 updated, 0 events"))
    }

    @Test("a bad row exits 1 with file:line: field and what to do on stderr, and writes nothing")
    func badRow() throws {
        let folder = try TemporaryFolder()
        try folder.write("partners.csv", Self.partners)
        try folder.write("events.csv", Self.events.replacingOccurrences(of: "2024-06-20", with: "2023-02-29"))
        _ = try partnerscore(["init", "--db", "p.sqlite"], in: folder)
        let result = try partnerscore(["import", "--db", "p.sqlite", "partners.csv", "events.csv"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr == "error: events.csv:3: field 'date': no such day '2023-02-29' — write dates as YYYY-MM-DD (a day that exists)\n")
        let exported = try partnerscore(["export", "--db", "p.sqlite", "partners"], in: folder)
        #expect(exported.stdout.split(separator: "\n").count == 1, "only the header: nothing was imported")
    }

    @Test("commands on a missing database say how to create it")
    func missingDatabase() throws {
        let folder = try TemporaryFolder()
        let result = try partnerscore(["export", "--db", "nope.sqlite", "partners"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr == "no database at nope.sqlite — create it with: partnerscore init --db nope.sqlite\n")
    }

    @Test("generate writes the same bytes for the same seed, and its files import")
    func generate() throws {
        let folder = try TemporaryFolder()
        for out in ["a", "b"] {
            let result = try partnerscore(["generate", "--partners", "50", "--seed", "7", "--out", out, "--industry", "telecom"], in: folder)
            #expect(result.status == 0, "\(result.stderr)")
        }
        for file in ["partners.csv", "events.csv"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path("a/\(file)"))) == Data(contentsOf: URL(fileURLWithPath: folder.path("b/\(file)"))))
        }
        let jsonl = try partnerscore(["generate", "--partners", "50", "--seed", "7", "--out", "j", "--format", "jsonl"], in: folder)
        #expect(jsonl.status == 0)
        _ = try partnerscore(["init", "--db", "g.sqlite"], in: folder)
        let imported = try partnerscore(["import", "--db", "g.sqlite", "a/partners.csv", "a/events.csv"], in: folder)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("imported 50 partners added"))
        _ = try partnerscore(["init", "--db", "j.sqlite"], in: folder)
        let importedJSON = try partnerscore(["import", "--db", "j.sqlite", "j/events.jsonl", "j/partners.jsonl"], in: folder)
        #expect(importedJSON.status == 0, "\(importedJSON.stderr)")
        let unknown = try partnerscore(["generate", "--partners", "5", "--seed", "1", "--out", "x", "--industry", "mining"], in: folder)
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown industry 'mining'"))
    }
}
