import Foundation
import PartnerModel
import PolicyEngine
import TestSupport
import ProgramGenerator
import Testing
@testable import PartnerStore

/// The store's behaviour on both engines: the same import, the same
/// refusals, the same snapshots (byte for byte, exported).
@Suite("One store, two engines: import, upsert and snapshots agree")
struct EngineTests {
    @Test("CSV and JSON Lines import: partners, events, summaries and snapshots", arguments: TestPostgres.engines)
    func importFiles(engine: SQLEngine) throws {
        let folder = try TemporaryFolder()
        let partners = try folder.write("partners.csv", twoPartnersCSV)
        let events = try folder.write("events.csv", eventsHeader + """
            P1,2024-01-10,revenue,1200.5,USD,voice,,,,
            P1,2024-01-11,deal_registered,5000,,voice,US-NY,,,
            P1,2024-01-12,certification,,,,,"Voice ""Pro""\tLevel\\2",,2026-01-11
            P2,2024-07-01,attribute,,,,,joint_customers,12,
            P2,2024-07-02,attribute,,,,,csat,"good, mostly",
            P2,2024-07-03,login,,,,,,,

            """)
        let more = try folder.write("more.jsonl", """
            {"partner_id":"P1","date":"2024-03-01","kind":"revenue","amount":0.0001,"currency":"USD","product":"voice"}
            {"partner_id":"P2","date":"2024-07-02","kind":"attribute","name":"csat","value":"great"}
            """)
        let test = try TestStore(engine)
        let summary = try test.store.importFiles([events, partners, more])
        #expect(summary == ImportSummary(partnersAdded: 2, partnersUpdated: 0, events: 8))
        let counts = try test.store.counts()
        #expect(counts.partners == 2 && counts.events == 8)
        let p1 = try #require(try test.store.partner(id: "P1"))
        #expect(p1.name == "Acme, Inc." && p1.territories == ["US-CA", "US-TX"] && p1.tier == "Authorized")
        #expect(try test.store.partners().map(\.id) == ["P1", "P2"])
        let snapshots = try SnapshotCalculator(store: test.store).snapshots(asOf: day("2024-12-31"))
        #expect(snapshots[0].certifications == [Credential(name: "Voice \"Pro\"\tLevel\\2", granted: day("2024-01-12"), expires: day("2026-01-11"))])
        #expect(snapshots[0][.revenueTotal] == 1200.5001)
        #expect(snapshots[0][.dealsOutsideTerritory12m] == 1)
        // On one day, the later event (the JSON file's) wins.
        #expect(snapshots[1].attributes == ["joint_customers": .number(12), "csat": .text("great")])
    }

    @Test("upserting partners keeps a stored tier when none is given; adding events checks them", arguments: TestPostgres.engines)
    func upsertAndEvents(engine: SQLEngine) throws {
        let test = try TestStore(engine)
        let store = test.store
        var gold = partner("P1")
        gold.tier = "Gold"
        #expect(try store.upsertPartners([gold, partner("P2")]) == ImportSummary(partnersAdded: 2, partnersUpdated: 0, events: 0))
        var renamed = partner("P1")
        renamed.name = "Renamed"
        #expect(try store.upsertPartners([renamed, partner("P3")]) == ImportSummary(partnersAdded: 1, partnersUpdated: 1, events: 0))
        let p1 = try #require(try store.partner(id: "P1"))
        #expect(p1.name == "Renamed" && p1.tier == "Gold")
        let twice = #expect(throws: PartnerStoreError.self) { try store.upsertPartners([partner("P4"), partner("P4")]) }
        #expect(twice?.message == "partner P4 appears twice in one batch")
        #expect(try store.partner(id: "P4") == nil)

        try store.importEvents([event("P1", "2024-02-01", .revenue(amount: 10.25, currency: "USD", product: "voice")),
                                event("P2", "2024-02-01", .portalLogin)])
        let unknown = #expect(throws: PartnerStoreError.self) {
            try store.importEvents([event("P1", "2024-02-02", .portalLogin), event("P9", "2024-02-02", .portalLogin)])
        }
        #expect(unknown?.description == "event 2: field 'partner_id': unknown partner 'P9' — import the partner before its events")
        // The element's index and field are values, not words to parse back.
        #expect(unknown?.index == 1 && unknown?.field == "partner_id")
        #expect(unknown?.problem == Problem("unknown_partner", .notFound, message: unknown?.description ?? "", field: "events[1].partner_id",
                                            index: 1, hint: "import the partner before its events"))
        #expect(try store.counts().events == 2)
    }

    @Test("a refused element of a JSON batch carries its index, field, code and hint as values", arguments: TestPostgres.engines)
    func batchRefusals(engine: SQLEngine) throws {
        let folder = try TemporaryFolder()
        let test = try TestStore(engine)
        try test.store.importFiles([try folder.write("partners.csv", twoPartnersCSV)])
        func refusal(_ fourth: String) throws -> PartnerStoreError? {
            let good = #"{"partner_id":"P1","date":"2024-02-01","kind":"login"}"#
            let batch = try JSONValue(parsing: Data(("[" + [good, good, good, fourth].joined(separator: ",") + "]").utf8))
            guard case .array(let objects) = batch else { return nil }
            return #expect(throws: PartnerStoreError.self) {
                try test.store.database.write { try PartnerStore.importEventObjects(objects, in: $0) }
            }
        }
        let date = try #require(try refusal(#"{"partner_id":"P1","date":"2024-02-30","kind":"login"}"#))
        #expect(date.description == "events[3]: field 'date': no such day '2024-02-30' — write dates as YYYY-MM-DD (a day that exists)")
        #expect(date.problem == Problem("invalid_event", .invalid, message: date.description, field: "events[3].date", index: 3,
                                        hint: "write dates as YYYY-MM-DD (a day that exists)"))
        let stranger = try #require(try refusal(#"{"partner_id":"P9","date":"2024-02-01","kind":"login"}"#))
        #expect(stranger.problem.code == "unknown_partner" && stranger.problem.category == .notFound)
        #expect(stranger.problem.field == "events[3].partner_id" && stranger.problem.index == 3)
        let notObject = try #require(try refusal(#""login""#))
        #expect(notObject.problem.field == "events[3]" && notObject.problem.code == "invalid_event")
        // A file import's refusal of the same record: the same code and hint, named by file and line.
        let file = try folder.write("events.jsonl", #"{"partner_id":"P1","date":"2024-02-30","kind":"login"}"# + "\n")
        let imported = #expect(throws: PartnerStoreError.self) { try test.store.importFiles([file]) }
        #expect(imported?.problem.code == "invalid_event" && imported?.problem.hint == date.problem.hint)
        #expect(imported?.problem.line == 1 && imported?.problem.field == "date" && imported?.problem.index == nil)
        #expect(try test.store.counts().events == 0)
    }

    @Test("a batch of events finds its partners however many there are, by the same id match as a file import", arguments: TestPostgres.engines)
    func batchFindsItsPartners(engine: SQLEngine) throws {
        let test = try TestStore(engine)
        let store = test.store
        // More partners than one lookup query takes (500), and an id with an accent.
        try store.upsertPartners((1...1200).map { partner("P\($0)") } + [partner("Qu\u{E9}bec-1")])
        let named = (1...1200).filter { $0 % 2 == 1 }.map { event("P\($0)", "2024-02-01", .portalLogin) }
        #expect(try store.importEvents(named).events == 600)
        // The id written decomposed (e + combining acute) is the same partner, as Swift and a file import match it.
        #expect(try store.importEvents([event("Que\u{301}bec-1", "2024-02-01", .portalLogin)]).events == 1)
        #expect(throws: PartnerStoreError.self) { try store.importEvents([event("P1", "2024-02-02", .portalLogin), event("P1201", "2024-02-02", .portalLogin)]) }
        #expect(try store.counts().events == 601)
    }

    @Test("custom kinds the policies declare are accepted, others refused with the same hint", arguments: TestPostgres.engines)
    func customKinds(engine: SQLEngine) throws {
        let folder = try TemporaryFolder()
        let partners = try folder.write("partners.csv", twoPartnersCSV)
        let events = try folder.write("events.csv", eventsHeader + "P1,2024-01-10,lines_activated,3,,voice,,,,\n")
        let test = try TestStore(engine)
        let refused = #expect(throws: PartnerStoreError.self) { try test.store.importFiles([partners, events]) }
        #expect(refused?.message == "unknown event kind 'lines_activated'")
        #expect(try test.store.counts().partners == 0)
        let summary = try test.store.importFiles([partners, events], kinds: EventKinds(custom: ["lines_activated"]))
        #expect(summary.events == 1)
    }

    /// The repository's root, for the bundled policy sets.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("a generated program of every industry gives byte-identical snapshots and measures on both engines",
          .enabled(if: TestPostgres.enabled, TestPostgres.skipped))
    func generatedProgram() throws {
        let folder = try TemporaryFolder()
        let files = try ProgramGenerator(options: .init(partners: 240, seed: 23, eventsPerYear: 40)).write(to: folder.url)
        let sqlite = try TestStore(.sqlite)
        let postgres = try TestStore(.postgresql)
        let paths = [files.partnersFile.path, files.eventsFile.path]
        #expect(try sqlite.store.importFiles(paths) == postgres.store.importFiles(paths))
        let sqliteCounts = try sqlite.store.counts(), postgresCounts = try postgres.store.counts()
        #expect(sqliteCounts.partners == postgresCounts.partners && sqliteCounts.events == postgresCounts.events)

        // Month-ends, mid-month days, and the day before the median enrolment (half the partners not yet in).
        let enrolments = try sqlite.store.partners().map(\.enrolled).sorted()
        let beforeSome = enrolments[enrolments.count / 2].adding(days: -1)
        let days = [day("2026-10-31"), day("2026-09-30"), day("2026-02-28"), day("2026-10-15"), day("2025-06-14"), beforeSome]
        let sets = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Policies").path)
            .filter { $0 != "lib" && !$0.hasPrefix(".") }.sorted()
        #expect(sets.count >= 6)
        for name in sets {
            let set = try PolicySet(directory: Self.root.appendingPathComponent("Policies/\(name)"))
            for asOf in days {
                func export(_ store: PartnerStore) throws -> String {
                    var text = ""
                    try Exporter(store: store).exportSnapshots(asOf: asOf, measures: set.measures, format: .json) { text += $0 }
                    return text
                }
                let expected = try export(sqlite.store)
                #expect(expected.count > 1000)
                #expect(try export(postgres.store) == expected, "set \(name) as of \(asOf)")
            }
        }
        var partnersSQLite = "", partnersPostgres = ""
        try Exporter(store: sqlite.store).exportPartners(format: .csv) { partnersSQLite += $0 }
        try Exporter(store: postgres.store).exportPartners(format: .csv) { partnersPostgres += $0 }
        #expect(partnersSQLite == partnersPostgres)
    }

    @Test("snapshots read in small groups and chunks, with logins counted by the server or read one by one, equal SQLite's",
          .enabled(if: TestPostgres.enabled, TestPostgres.skipped))
    func groupsAndLogins() throws {
        let folder = try TemporaryFolder()
        let files = try ProgramGenerator(options: .init(partners: 90, seed: 5, eventsPerYear: 60)).write(to: folder.url)
        let sqlite = try TestStore(.sqlite)
        let postgres = try TestStore(.postgresql)
        let paths = [files.partnersFile.path, files.eventsFile.path]
        try sqlite.store.importFiles(paths)
        try postgres.store.importFiles(paths)
        // A set whose measures read logins one by one (showcase's logins_2w), and one whose do not.
        let showcase = try PolicySet(directory: Self.root.appendingPathComponent("docs/examples/measures"))
        let telecom = try PolicySet(directory: Self.root.appendingPathComponent("Policies/telecom"))
        #expect(showcase.measures.kindSlot("login") != nil)
        #expect(telecom.measures.kindSlot("login") == nil)
        for set in [showcase, telecom] {
            for asOf in [day("2026-10-31"), day("2026-03-15")] {
                let expected = try SnapshotCalculator(store: sqlite.store, measures: set.measures).snapshots(asOf: asOf)
                #expect(expected.count > 50)
                #expect(expected.contains { ($0[.logins30d] ?? 0) > 0 })
                var calculator = SnapshotCalculator(store: postgres.store, chunkSize: 20, measures: set.measures)
                calculator.postgresPartnersPerQuery = 7
                #expect(try calculator.snapshots(asOf: asOf) == expected, "\(set.name) as of \(asOf)")
            }
        }
    }

    @Test("adversarial amounts sum to the same money on both engines", .enabled(if: TestPostgres.enabled, TestPostgres.skipped))
    func exactSums() throws {
        let folder = try TemporaryFolder()
        let partners = try folder.write("partners.csv", twoPartnersCSV)
        var rows = eventsHeader
        // Many small fractions, large values, and values a double cannot hold exactly.
        for i in 0..<3000 { rows += "P1,2024-0\(1 + i % 9)-1\(i % 10),revenue,0.0001,USD,voice,,,,\n" }
        for amount in ["99999999.9999", "0.1", "0.2", "0.3", "12345678.3456", "1e3", "0.0003"] {
            rows += "P1,2024-06-30,revenue,\(amount),USD,voice,,,,\n"
        }
        let events = try folder.write("events.csv", rows)
        var totals: [Double] = []
        for engine in [SQLEngine.sqlite, .postgresql] {
            let test = try TestStore(engine)
            try test.store.importFiles([partners, events])
            let snapshot = try #require(try SnapshotCalculator(store: test.store).snapshots(asOf: day("2024-12-31")).first)
            totals.append(try #require(snapshot[.revenueTotal]))
        }
        #expect(totals[0].bitPattern == totals[1].bitPattern)
        // 3000 × 0.0001 + 99999999.9999 + 0.6 + 12345678.3456 + 1000 + 0.0003, exactly.
        #expect(Money.text(totals[1]) == "112346679.2458")
    }
}
