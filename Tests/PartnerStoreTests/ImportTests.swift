import Foundation
import GRDB
import PartnerModel
import TestSupport
import Testing
@testable import PartnerStore

@Suite("Import reads CSV and JSON Lines in one transaction")
struct ImportTests {
    @Test("CSV happy path: quoted fields with commas, newlines and quotes, a BOM, CRLF, lists, optional columns")
    func csvHappyPath() throws {
        let folder = try TemporaryFolder()
        let partners = folder.path("partners.csv")
        try Data([0xEF, 0xBB, 0xBF] + Array(twoPartnersCSV.utf8)).write(to: URL(fileURLWithPath: partners))
        let events = try folder.write("events.csv", eventsHeader + """
            P1,2024-01-10,revenue,1200.50,USD,voice,,,,\r
            P1,2024-01-11,deal_registered,5000,,voice,US-CA,,,\r
            P1,2024-01-12,certification,,,,,"Voice ""Pro""
            Level 2",,2026-01-11\r
            P2,2024-07-01,attribute,,,,,joint_customers,12,\r
            P2,2024-07-02,attribute,,,,,csat,"good, mostly",\r
            P2,2024-07-03,login,,,,,,,\r

            """)
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        let summary = try store.importFiles([events, partners])
        #expect(summary == ImportSummary(partnersAdded: 2, partnersUpdated: 0, events: 6))
        let p1 = try #require(try store.partner(id: "P1"))
        #expect(p1.name == "Acme, Inc.")
        #expect(p1.territories == ["US-CA", "US-TX"])
        #expect(p1.products == ["voice", "broadband"])
        #expect(p1.tier == "Authorized")
        let p2 = try #require(try store.partner(id: "P2"))
        #expect(p2.tier == nil && p2.status == .active)

        let snapshot = try #require(try SnapshotCalculator(store: store).snapshots(asOf: day("2024-12-31"), partnerIDs: ["P1", "P2"]).first)
        #expect(snapshot.certifications == [Credential(name: "Voice \"Pro\"\nLevel 2", granted: day("2024-01-12"), expires: day("2026-01-11"))])
        let p2Snapshot = try SnapshotCalculator(store: store).snapshots(asOf: day("2024-12-31"), partnerIDs: ["P2"])[0]
        #expect(p2Snapshot.attributes == ["joint_customers": .number(12), "csat": .text("good, mostly")])
    }

    @Test("JSON Lines happy path: arrays for lists, numbers and strings, blank lines skipped")
    func jsonLinesHappyPath() throws {
        let folder = try TemporaryFolder()
        let partners = try folder.write("partners.jsonl", """
            {"id":"P1","name":"Acme","type":"reseller","program":"saas-resellers","region":"EMEA","country":"DE","territories":["DE","AT"],"products":["crm"],"enrolled":"2024-01-01","cam":"cam-1"}

            {"id":"P2","name":"Bolt","type":"isv","program":"saas-isv","region":"NA","country":"US","territories":[],"products":[],"enrolled":"2024-02-01","cam":"cam-2","tier":"Integrated","tier_since":"2024-03-01"}
            """)
        let events = try folder.write("events.jsonl", """
            {"partner_id":"P1","date":"2024-03-01","kind":"revenue","amount":99.5,"currency":"EUR","product":"crm"}
            {"partner_id":"P2","date":"2024-03-02","kind":"attribute","name":"integration_depth","value":2}
            {"partner_id":"P2","date":"2024-03-03","kind":"credential","name":"SOC2","expires":"2025-03-02"}
            {"partner_id":"P1","date":"2024-03-04","kind":"training","name":"onboarding-101"}
            """)
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        let summary = try store.importFiles([partners, events])
        #expect(summary == ImportSummary(partnersAdded: 2, partnersUpdated: 0, events: 4))
        #expect(try store.partner(id: "P1")?.territories == ["DE", "AT"])
        #expect(try store.partner(id: "P2")?.tierSince == day("2024-03-01"))
        let snapshots = try SnapshotCalculator(store: store).snapshots(asOf: day("2024-12-31"))
        #expect(snapshots.map(\.partner.id) == ["P1", "P2"])
        #expect(snapshots[0][.revenueTotal] == 99.5)
        #expect(snapshots[0][.trainingsCompleted] == 1)
        #expect(snapshots[1].attributes["integration_depth"] == .number(2))
        #expect(snapshots[1].credential("SOC2")?.expires == day("2025-03-02"))
    }

    @Test("re-importing a partners file updates partners by id, never duplicates; a file without tier keeps the tier")
    func upsert() throws {
        let folder = try TemporaryFolder()
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try store.importFiles([try folder.write("partners.csv", twoPartnersCSV)])
        let renamed = try folder.write("renamed.csv", """
            id,name,type,program,region,country,territories,products,enrolled,cam
            P1,Acme Holdings,agent,telecom-agents,NA,US,US-CA,voice,2023-01-15,cam-9

            """)
        let summary = try store.importFiles([renamed])
        #expect(summary == ImportSummary(partnersAdded: 0, partnersUpdated: 1, events: 0))
        #expect(try store.counts().partners == 2)
        let p1 = try #require(try store.partner(id: "P1"))
        #expect(p1.name == "Acme Holdings" && p1.channelAccountManager == "cam-9" && p1.territories == ["US-CA"])
        #expect(p1.tier == "Authorized")
    }

    @Test("partner files are imported before event files whatever the order, in one transaction")
    func partnersFirst() throws {
        let folder = try TemporaryFolder()
        let events = try folder.write("events.csv", eventsHeader + "P2,2024-07-03,login,,,,,,,\n")
        let partners = try folder.write("partners.csv", twoPartnersCSV)
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        #expect(try store.importFiles([events, partners]).events == 1)
    }

    @Test("importEvents and upsertPartners apply the same checks as files, all or nothing")
    func api() throws {
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try store.upsertPartners([partner("P1", program: "telecom-agents", enrolled: "2023-01-15")])
        #expect(throws: PartnerStoreError.self) {
            try store.importEvents([event("P1", "2024-01-01", .portalLogin), event("P9", "2024-01-01", .portalLogin)])
        }
        #expect(throws: PartnerStoreError.self) {
            try store.importEvents([event("P1", "2024-01-01", .dealWon(amount: -5))])
        }
        #expect(try store.counts().events == 0)
        try store.importEvents([event("P1", "2024-01-01", .portalLogin)])
        #expect(try store.counts().events == 1)
    }

    @Test("progress is reported while importing")
    func progress() throws {
        let folder = try TemporaryFolder()
        let partners = try folder.write("partners.csv", twoPartnersCSV)
        let events = try folder.write("events.csv", eventsHeader + String(repeating: "P1,2024-01-01,login,,,,,,,\n", count: 25))
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        var reports: [Int] = []
        try store.importFiles([partners, events], progressInterval: 10) { reports.append($0) }
        #expect(reports == [10, 20])
    }
}

@Suite("A write that fills the disk gives the space back")
struct FullDiskTests {
    @Test("an import that hits SQLITE_FULL leaves no WAL behind, says the disk is full, and the store keeps working")
    func importFillsTheDisk() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("program.sqlite")
        let store = try PartnerStore(path: path)
        try store.importFiles([try folder.write("partners.csv", twoPartnersCSV)])
        // The database may grow by 40 pages (640 KiB) only: SQLite answers SQLITE_FULL, as on a full
        // disk. A small page cache makes the transaction spill its pages into the WAL first, as a
        // large import does.
        try store.writer.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages + 40)")
            try db.execute(sql: "PRAGMA cache_size = 16")
        }
        var rows = eventsHeader
        for i in 0..<60_000 { rows += "P\(i % 2 + 1),2024-\(String(format: "%02d", i % 12 + 1))-15,training,,,,,module \(i),,\n" }
        let events = try folder.write("events.csv", rows)
        do {
            try store.importFiles([events])
            Issue.record("the import should have filled the database")
        } catch let error as DatabaseError {
            #expect(error.resultCode == .SQLITE_FULL)
            let trouble = try #require(store.trouble(error))
            #expect(trouble.message.contains("program.sqlite is full") && trouble.hint?.contains("free space") == true, "\(trouble)")
        }
        let wal = (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0, "the WAL was truncated after the failure, not left at \(wal) bytes")
        #expect(try store.counts().events == 0)
        // Space again: the store works.
        try store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        try store.importFiles([try folder.write("one.csv", eventsHeader + "P1,2024-01-01,login,,,,,,,\n")])
        #expect(try store.counts().events == 1)
    }
}
