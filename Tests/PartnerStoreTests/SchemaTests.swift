import Foundation
import GRDB
import PartnerModel
import TestSupport
import Testing
@testable import PartnerStore

@Suite("The store's schema is made by named migrations")
struct SchemaTests {
    @Test("a fresh file gets the partners-v1, events-v1 and rollups-v1 to -v3 migrations, WAL mode and foreign keys on")
    func freshFile() throws {
        let folder = try TemporaryFolder()
        let store = try PartnerStore(path: folder.path("fresh.sqlite"))
        let (migrations, journal, foreignKeys, tables, indexes) = try store.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier"),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb%' ORDER BY name"),
             try db.indexes(on: "event").map(\.columns))
        }
        #expect(migrations == ["events-v1", "partners-v1", "rollups-v1", "rollups-v2", "rollups-v3"])
        #expect(journal == "wal")
        #expect(foreignKeys == 1)
        #expect(tables == ["event", "event_detail", "event_kind", "event_month", "partner"], "no tier history, decisions or alerts yet: the engine adds those")
        #expect(indexes.contains(["partnerNumber", "day"]))
    }

    @Test("a file made before the rollups gets them built from the events it holds")
    func rollupsBackfilled() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("old.sqlite")
        do {
            // The schema as it was: partners-v1 and events-v1 only, events written by SQL.
            let old = try DatabaseQueue(path: path)
            try PartnerStore.migrator().migrate(old, upTo: "events-v1")
            try old.write { db in
                try db.execute(sql: """
                    INSERT INTO partner (id, name, type, program, region, country, territories, products, enrolled, channelAccountManager)
                    VALUES ('P1', 'One', 'agent', 'telecom-agents', 'NA', 'US', '["US-CA"]', '["voice"]', 19000, 'cam-1');
                    INSERT INTO event (partnerNumber, day, kind, amount, currency, product) VALUES
                        (1, 19700, 'revenue', 0.1, 'USD', 'voice'), (1, 19701, 'revenue', 0.2, 'USD', 'voice'),
                        (1, 19702, 'revenue', 0.3, 'USD', 'voice');
                    INSERT INTO event (partnerNumber, day, kind) VALUES (1, 19650, 'login'), (1, 19702, 'login');
                    INSERT INTO event (partnerNumber, day, kind, name, value) VALUES (1, 19600, 'attribute', 'csat', 4.5);
                    INSERT INTO event (partnerNumber, day, kind, product, territory, amount) VALUES (1, 19690, 'deal_registered', 'voice', 'US-NY', 5);
                    """)
            }
        }
        let store = try PartnerStore(path: path)
        let months = try store.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM event_month") }
        #expect(months == 2, "October 2023 (a login) and December 2023 (revenue and a login)")
        let asOf = Day(daysSinceEpoch: 19702 + 40)
        let all = try SnapshotCalculator(store: store).snapshots(asOf: asOf)
        #expect(try all == SnapshotCalculator(store: store).snapshots(asOf: asOf, partnerIDs: ["P1"]))
        #expect(all.first?[.revenueTotal] == 0.6)
        #expect(all.first?[.dealsOutsideTerritory12m] == 1)
        #expect(all.first?.attributes == ["csat": .number(4.5)])
    }

    @Test("rollups-v3 copies every kind but logins into event_detail, clustered by kind, partner and day")
    func detailOfEveryKind() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("v2.sqlite")
        do {
            let old = try DatabaseQueue(path: path)
            try PartnerStore.migrator().migrate(old, upTo: "rollups-v2")
            try old.write { db in
                try db.execute(sql: """
                    INSERT INTO partner (id, name, type, program, region, country, territories, products, enrolled, channelAccountManager)
                    VALUES ('P1', 'One', 'agent', 'telecom-agents', 'NA', 'US', '["US-CA"]', '["voice"]', 19000, 'cam-1');
                    INSERT INTO event (id, partnerNumber, day, kind, amount, currency, product) VALUES (1, 1, 19700, 'revenue', 10, 'USD', 'voice');
                    INSERT INTO event (id, partnerNumber, day, kind, amount) VALUES (2, 1, 19701, 'deal_won', 5), (3, 1, 19702, 'deal_lost', 4);
                    INSERT INTO event (id, partnerNumber, day, kind) VALUES (4, 1, 19650, 'login');
                    INSERT INTO event (id, partnerNumber, day, kind, name) VALUES (5, 1, 19600, 'training', 'voice-101');
                    INSERT INTO event_detail (id, partnerNumber, day, kind, name) VALUES (5, 1, 19600, 'training', 'voice-101');
                    """)
            }
        }
        let store = try PartnerStore(path: path)
        let (kinds, key) = try store.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT kind FROM event_detail ORDER BY id"),
             try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('event_detail') WHERE pk > 0 ORDER BY pk"))
        }
        #expect(kinds == ["revenue", "deal_won", "deal_lost", "training"], "copied once each, logins left out")
        #expect(key == ["kind", "partnerNumber", "day", "id"])
    }

    @Test("reopening a migrated file keeps its data and migrates nothing twice")
    func reopen() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("again.sqlite")
        try PartnerStore(path: path).upsertPartners([partner("P1", program: "telecom-agents", enrolled: "2023-01-15")])
        let again = try PartnerStore(path: path)
        #expect(try again.counts().partners == 1)
    }

    @Test("other targets add their own tables through the extended migrator")
    func extendedMigrations() throws {
        let store = try PartnerStore(inMemoryExtendingMigrations: { migrator in
            migrator.registerMigration("decisions-v1") { db in
                try db.execute(sql: "CREATE TABLE decision (partnerNumber INTEGER NOT NULL REFERENCES partner(number), tier TEXT)")
            }
        })
        let (hasTable, migrations) = try store.writer.read { db in
            (try db.tableExists("decision"), try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        }
        #expect(hasTable)
        #expect(migrations.contains("decisions-v1"))
    }

    @Test("the database refuses an event for a partner that does not exist (foreign key)")
    func foreignKey() throws {
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: "INSERT INTO event (partnerNumber, day, kind) VALUES (42, 0, 'login')")
            }
        }
    }
}

@Suite("The event table accepts only known kinds")
struct EventKindTableTests {
    @Test("a custom kind the policies declare is added to event_kind with its first event; an undeclared one is refused with a did-you-mean")
    func customKinds() throws {
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try store.upsertPartners([partner("P1", program: "telecom-agents", enrolled: "2023-01-15")])
        let kinds = EventKinds(custom: ["lines_activated"])
        try store.importEvents([event("P1", "2024-01-01", .custom(kind: "lines_activated", .init(amount: 3, product: "voice")))],
                               kinds: kinds)
        let names = try store.writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM event_kind ORDER BY name") }
        #expect(names == (ActivityEvent.Kind.names + ["lines_activated"]).sorted())
        let stored = try store.writer.read { db in try Row.fetchOne(db, sql: "SELECT kind, amount, product FROM event_detail") }
        #expect(stored == ["kind": "lines_activated", "amount": 3.0, "product": "voice"])
        do {
            try store.importEvents([event("P1", "2024-01-02", .custom(kind: "lines_activatd", .init()))], kinds: kinds)
            Issue.record("an undeclared kind was stored")
        } catch let error as PartnerStoreError {
            #expect(error.field == "kind")
            #expect(error.description.contains("unknown event kind 'lines_activatd'"))
            #expect(error.description.contains("did you mean 'lines_activated'?"))
        }
        #expect(throws: PartnerStoreError.self, "without the policies' kinds, a custom kind is unknown") {
            try store.importEvents([event("P1", "2024-01-02", .custom(kind: "lines_activated", .init()))])
        }
        #expect(try store.counts().events == 1)
    }

    @Test("event_kind lists exactly ActivityEvent.Kind.names and the database refuses any other kind")
    func kinds() throws {
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try store.upsertPartners([partner("P1", program: "telecom-agents", enrolled: "2023-01-15")])
        let names = try store.writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM event_kind ORDER BY name") }
        #expect(names == ActivityEvent.Kind.names.sorted())
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: "INSERT INTO event (partnerNumber, day, kind) VALUES (1, 0, 'webinar')")
            }
        }
    }
}

@Suite("Early writeback runs beside a long write and leaves nothing open")
struct EarlyWritebackTests {
    /// Descriptors of this process open on files in `folder` (other tests run alongside).
    private func descriptors(in folder: TemporaryFolder) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) ?? "").hasPrefix(folder.url.path) }.count
    }

    @Test("a long write into a file store with writeback ticking stores everything, and stop closes its files")
    func fileStore() throws {
        let folder = try TemporaryFolder()
        let store = try PartnerStore(path: folder.path("store.sqlite"))
        try store.writer.write { try $0.execute(sql: "CREATE TABLE filler (x BLOB)") }   // SQLite's own files open
        let before = descriptors(in: folder)
        let writeback = try #require(EarlyWriteback(for: store))
        try store.writer.write { db in
            for _ in 0..<200 {
                try db.execute(sql: "INSERT INTO filler VALUES (zeroblob(65536))")
                Thread.sleep(forTimeInterval: 0.002)   // long enough for the writeback thread to tick
            }
        }
        #expect(descriptors(in: folder) == before + 2)   // the WAL and the database file
        writeback.stop()
        #expect(descriptors(in: folder) == before)
        #expect(try store.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM filler") } == 200)
    }

    @Test("a store in memory has none")
    func memoryStore() throws {
        #expect(EarlyWriteback(for: try PartnerStore(inMemoryExtendingMigrations: { _ in })) == nil)
    }
}
