import Foundation
import GRDB
import PartnerModel
import Testing
@testable import PartnerStore

@Suite("The store's schema is made by named migrations")
struct SchemaTests {
    @Test("a fresh file gets the partners-v1 and events-v1 migrations, WAL mode and foreign keys on")
    func freshFile() throws {
        let folder = try Folder()
        let store = try PartnerStore(path: folder.path("fresh.sqlite"))
        let (migrations, journal, foreignKeys, tables, indexes) = try store.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier"),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb%' ORDER BY name"),
             try db.indexes(on: "event").map(\.columns))
        }
        #expect(migrations == ["events-v1", "partners-v1"])
        #expect(journal == "wal")
        #expect(foreignKeys == 1)
        #expect(tables == ["event", "event_kind", "partner"], "no tier history, decisions or alerts yet: the engine adds those")
        #expect(indexes.contains(["partnerNumber", "day"]))
    }

    @Test("reopening a migrated file keeps its data and migrates nothing twice")
    func reopen() throws {
        let folder = try Folder()
        let path = folder.path("again.sqlite")
        try PartnerStore(path: path).upsertPartners([partner("P1")])
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
    @Test("event_kind lists exactly ActivityEvent.Kind.names and the database refuses any other kind")
    func kinds() throws {
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try store.upsertPartners([partner("P1")])
        let names = try store.writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM event_kind ORDER BY name") }
        #expect(names == ActivityEvent.Kind.names.sorted())
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: "INSERT INTO event (partnerNumber, day, kind) VALUES (1, 0, 'webinar')")
            }
        }
    }
}
