import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PartnerStore

/// The import's COPY into an empty `event` table (``PostgresInitialLoad``):
/// indexes built after the copy, ids sent with the rows — and nothing a
/// reader can tell apart from an ordinary import but the time it takes.
@Suite("PostgreSQL import into an empty event table")
struct PostgresImportTests {
    /// A first import refused halfway through its copy, the same import
    /// again, a second one and an event through the API: the same ids on
    /// both engines (an identity default per row would have used up ids in
    /// the refused copy, and the next events would be numbered after them).
    @Test("events are numbered in file order as on SQLite, also after a refused first import",
          .enabled(if: TestPostgres.enabled, TestPostgres.skipped))
    func idsAsOnSQLite() throws {
        let folder = try TemporaryFolder()
        let partners = try folder.write("partners.csv", twoPartnersCSV)
        let first = try folder.write("first.csv", eventsHeader + (1...300).map { "P\($0 % 2 + 1),2024-01-\(10 + $0 % 20),login,,,,,,,\n" }.joined())
        let second = try folder.write("second.csv", eventsHeader + "P2,2024-02-01,revenue,10.5,USD,voice,,,,\nP1,2024-02-01,login,,,,,,,\n")
        let refused = try folder.write("refused.csv", eventsHeader + String(repeating: "P1,2024-03-01,login,,,,,,,\n", count: 200)
                                           + "P9,2024-03-02,login,,,,,,,\n")
        var rows: [SQLEngine: [[SQLValue]]] = [:]
        for engine in [SQLEngine.sqlite, .postgresql] {
            let test = try TestStore(engine)
            #expect(throws: PartnerStoreError.self) { try test.store.importFiles([partners, refused], chunkSize: 64) }
            try test.store.importFiles([partners, first], chunkSize: 64)
            try test.store.importFiles([second])
            try test.store.importEvents([event("P1", "2024-04-01", .portalLogin)])
            rows[engine] = try test.store.database.read { db in
                try db.rows("SELECT e.id, p.id, e.day, e.kind FROM event e JOIN partner p ON p.number = e.partnerNumber ORDER BY e.id")
                    .map(\.values)
            }
        }
        #expect(rows[.sqlite]?.count == 303)
        let differing = zip(rows[.sqlite] ?? [], rows[.postgresql] ?? []).first { $0 != $1 }
        #expect(rows[.postgresql]?.count == rows[.sqlite]?.count && differing == nil, "first differing row (SQLite, PostgreSQL): \(String(describing: differing))")
    }

    @Test("the first import builds the event indexes after its copy, the same as before; a later import inserts into them",
          .enabled(if: TestPostgres.enabled, TestPostgres.skipped))
    func indexesRebuilt() throws {
        let folder = try TemporaryFolder()
        let partners = try folder.write("partners.csv", twoPartnersCSV)
        let events = try folder.write("events.csv", eventsHeader + "P1,2024-01-10,login,,,,,,,\nP2,2024-01-11,login,,,,,,,\n")
        let test = try TestStore(.postgresql)
        let schema = try indexes(test.store)
        #expect(schema.map(\.definition).contains { $0.hasPrefix("CREATE UNIQUE INDEX event_pkey ON public.event") })
        #expect(schema.map(\.definition).contains { $0.hasPrefix("CREATE INDEX event_on_partner_day ON public.event") })

        try test.store.importFiles([partners, events])
        let built = try indexes(test.store)
        #expect(built.map(\.definition) == schema.map(\.definition))
        #expect(built.map(\.primaryKey) == schema.map(\.primaryKey))
        // New indexes, built from the copied rows, not the migration's.
        #expect(zip(built, schema).allSatisfy { $0.oid != $1.oid })

        try test.store.importFiles([events])
        #expect(try indexes(test.store) == built)
        #expect(try test.store.counts().events == 4)
    }

    @Test("a refusal during the first import's copy leaves the indexes and no events",
          .enabled(if: TestPostgres.enabled, TestPostgres.skipped))
    func refusalKeepsIndexes() throws {
        let folder = try TemporaryFolder()
        let partners = try folder.write("partners.csv", twoPartnersCSV)
        let events = try folder.write("events.csv", eventsHeader + String(repeating: "P1,2024-01-10,login,,,,,,,\n", count: 500)
                                          + "P1,2024-01-11,revenue,-5,USD,voice,,,,\n")
        let test = try TestStore(.postgresql)
        let schema = try indexes(test.store)
        let refusal = #expect(throws: PartnerStoreError.self) { try test.store.importFiles([partners, events], chunkSize: 64) }
        #expect(refusal?.line == 502 && refusal?.field == "amount", "\(String(describing: refusal))")
        #expect(try indexes(test.store) == schema)
        #expect(try test.store.counts() == (0, 0))
    }

    @Test("a role that may write events but does not own the table imports them the ordinary way",
          .enabled(if: TestPostgres.enabled, TestPostgres.skipped))
    func roleThatDoesNotOwnTheTable() throws {
        let folder = try TemporaryFolder()
        let partners = try folder.write("partners.csv", twoPartnersCSV)
        let events = try folder.write("events.csv", eventsHeader + "P1,2024-01-10,login,,,,,,,\nP2,2024-01-11,login,,,,,,,\n")
        let test = try TestStore(.postgresql)
        let database = try #require(test.database)
        let schema = try indexes(test.store)
        let role = "importer_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let owner = try PostgresDatabase(url: database.url)
        try owner.write { db in
            try db.execute("CREATE ROLE \(role) LOGIN", [])
            try db.execute("GRANT ALL ON SCHEMA public TO \(role)", [])
            try db.execute("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO \(role)", [])
            try db.execute("GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA public TO \(role)", [])
        }
        defer { try? owner.write { db in
            try db.execute("DROP OWNED BY \(role)", [])
            try db.execute("DROP ROLE \(role)", [])
        } }
        var url = try #require(URLComponents(string: database.url))
        url.user = role
        let summary = try PartnerStore(location: try #require(url.string)).importFiles([partners, events])
        #expect(summary == ImportSummary(partnersAdded: 2, partnersUpdated: 0, events: 2))
        #expect(try indexes(test.store) == schema)
    }

    private struct Index: Equatable {
        var oid: Int64
        var definition: String
        var primaryKey: Bool
    }

    private func indexes(_ store: PartnerStore) throws -> [Index] {
        try store.database.read { db in
            try db.rows("""
                SELECT indexrelid::bigint, pg_get_indexdef(indexrelid), indisprimary::int
                FROM pg_index WHERE indrelid = 'event'::regclass ORDER BY indexrelid::regclass::text
                """).map { Index(oid: $0.int64(0) ?? 0, definition: $0.string(1) ?? "", primaryKey: $0.bool(2) ?? false) }
        }
    }
}
