import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PartnerStore

@Suite("PostgreSQL: the engine seam on a real server", .enabled(if: TestPostgres.enabled, TestPostgres.skipped))
struct PostgresDatabaseTests {
    @Test("a write that throws is rolled back; a read sees one snapshot and cannot write")
    func transactions() throws {
        let test = try TestPostgres.freshDatabase()
        let database = try PostgresDatabase(url: test.url)
        try database.write { try $0.execute("CREATE TABLE t (i integer)", []) }
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try database.write { db in
                try db.execute("INSERT INTO t VALUES (1)", [])
                throw Stop()
            }
        }
        #expect(try database.read { try $0.row("SELECT COUNT(*) FROM t")?.int(0) } == 0)
        let error = #expect(throws: PartnerStoreError.self) {
            try database.read { try $0.execute("INSERT INTO t VALUES (1)", []) }
        }
        #expect(error?.sqlState == "25006")   // read_only_sql_transaction
        #expect(error?.description.contains("read-only transaction") == true)
        // The connection went back to the pool in a usable state.
        #expect(try database.read { try $0.row("SELECT COUNT(*) FROM t")?.int(0) } == 0)
    }

    @Test("COPY writes rows inside the transaction; a refused row or a producer's error leaves nothing")
    func copy() throws {
        let test = try TestPostgres.freshDatabase()
        let database = try PostgresDatabase(url: test.url)
        try database.write { try $0.execute("CREATE TABLE t (i integer NOT NULL, n numeric, x text)", []) }
        try database.writeSession { session in
            try session.copyFrom(table: "t", columns: ["i", "n", "x"],
                                 rows: (0..<10_000).map { [.integer(Int64($0)), .real(Double($0) / 10_000), .text("a\tb\\c\nd")] })
        }
        #expect(try database.read { try $0.row("SELECT COUNT(*), SUM(n)::text, MIN(x) FROM t")?.values }
                == [.integer(10_000), .text("4999.5000"), .text("a\tb\\c\nd")])
        let refused = #expect(throws: PartnerStoreError.self) {
            try database.writeSession { session in
                try session.execute("INSERT INTO t VALUES (-1, NULL, NULL)", [])
                try session.copyFrom(table: "t", columns: ["i"], rows: [[.integer(1)], [.null]])
            }
        }
        #expect(refused?.sqlState == "23502")   // not_null_violation
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try database.writeSession { session in
                try session.copyFrom(table: "t", columns: ["i"]) { send in
                    var text = CopyText()
                    text.append([.integer(5)])
                    try send(text.take())
                    throw Stop()
                }
            }
        }
        #expect(try database.read { try $0.row("SELECT COUNT(*) FROM t")?.int(0) } == 10_000)
    }

    @Test("an import leaves the planner statistics of the tables it filled, and JIT is off")
    func plannerKnowsTheTables() throws {
        let folder = try TemporaryFolder()
        let partners = try folder.write("partners.csv", twoPartnersCSV)
        var rows = eventsHeader
        for i in 0..<2000 { rows += "P\(1 + i % 2),2024-0\(1 + i % 9)-1\(i % 10),login,,,,,,,\n" }
        let events = try folder.write("events.csv", rows)
        let test = try TestStore(.postgresql)
        try test.store.importFiles([partners, events])
        // (A plan itself says little on a table this small: reading it whole is right here.)
        let (statistics, jit) = try test.store.database.read { session in
            (try session.row("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'event'")?.int(0), try session.row("SHOW jit")?.string(0))
        }
        #expect(statistics ?? 0 > 0)
        #expect(jit == "off")
    }

    @Test("migrations run once, by name, and other owners' run after the store's")
    func migrations() throws {
        let test = try TestPostgres.freshDatabase()
        func open() throws -> PartnerStore {
            try PartnerStore(location: test.url) { migrations in
                migrations.postgresql.registerMigration("ledger-v1") { db in
                    try db.execute("CREATE TABLE ledger_probe (partnerNumber bigint REFERENCES partner(number))", [])
                }
            }
        }
        let store = try open()
        #expect(store.engine == .postgresql)
        _ = try open()   // a second open finds everything applied
        let names = try store.database.read { try $0.rows("SELECT name FROM schema_migrations ORDER BY applied, name").compactMap { $0.string(0) } }
        #expect(Set(names) == ["partners-v1", "events-v1", "ledger-v1"])
        let counts = try store.counts()
        #expect(counts.partners == 0 && counts.events == 0)
    }
}

@Suite("PostgreSQL: URLs and statements, without a server")
struct PostgresLocationTests {
    @Test("values round-trip: integers, doubles, exact numerics, text with quotes and '?', NULL, blobs, booleans")
    func values() throws {
        let test = try TestPostgres.freshDatabase()
        let database = try PostgresDatabase(url: test.url)
        try database.write { db in
            try db.execute("CREATE TABLE t (i bigint, s smallint, r double precision, n numeric, x text, b bytea, f boolean)", [])
            try db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, TRUE)",
                           [.integer(-9_000_000_000), .integer(7), .real(0.1), .real(123456789012.3456),
                            .text("it's a '?' -- not a placeholder"), .blob([0, 255, 10])])
            try db.execute("INSERT INTO t (i, x) VALUES (?2, ?1)", [.text("second"), .integer(2)])
        }
        let rows = try database.read { try $0.rows("SELECT i, s, r, n, x, b, f, '?' AS q FROM t ORDER BY i") }
        #expect(rows.count == 2)
        #expect(rows[0].values == [.integer(-9_000_000_000), .integer(7), .real(0.1), .real(123456789012.3456),
                                   .text("it's a '?' -- not a placeholder"), .blob([0, 255, 10]), .integer(1), .text("?")])
        #expect(rows[0]["X"] == .text("it's a '?' -- not a placeholder"))
        #expect(rows[1].values[0] == .integer(2) && rows[1].values[4] == .text("second") && rows[1].isNull(3))
        // numeric keeps the decimal given: no digit lost to float8's 15-digit conversion.
        #expect(try database.read { try $0.row("SELECT n::text FROM t WHERE i < 0")?.string(0) } == "123456789012.3456")
    }

    @Test("placeholders are numbered outside literals, quoted names and comments")
    func placeholders() {
        #expect(PostgresSession.numberingPlaceholders("SELECT ? , '?''?', \"a?\", ? -- ?\n, /* ? */ ?3")
                == "SELECT $1 , '?''?', \"a?\", $2 -- ?\n, /* ? */ $3")
        #expect(PostgresSession.numberingPlaceholders("SELECT 1") == "SELECT 1")
    }

    @Test("a server that is not there: the error says where and how to start one")
    func refused() throws {
        // Port 1 on loopback: nothing listens there.
        let error = #expect(throws: PartnerStoreError.self) {
            _ = try PostgresDatabase(url: "postgresql://nobody@127.0.0.1:1/none")
        }
        #expect(error?.description.contains("cannot reach PostgreSQL at postgresql://nobody@127.0.0.1:1/none") == true)
        #expect(error?.hint?.contains("Scripts/postgres.sh") == true)
    }

    @Test("URLs: postgres:// and postgresql://, password, socket folder, sslmode=disable only")
    func urls() throws {
        let a = try PostgresLocation(url: "postgres://app:s%40cret@db.internal:6543/scores?sslmode=disable")
        #expect(a.user == "app" && a.password == "s@cret" && a.host == "db.internal" && a.port == 6543 && a.database == "scores")
        #expect(a.description == "postgresql://app@db.internal:6543/scores")
        let b = try PostgresLocation(url: "postgresql://app@/scores?host=/run/postgresql")
        #expect(b.socketFolder == "/run/postgresql" && b.host == nil && b.port == 5432)
        let tls = #expect(throws: PartnerStoreError.self) { try PostgresLocation(url: "postgresql://app@h/db?sslmode=require") }
        #expect(tls?.message.contains("sslmode=require is not supported") == true)
        let secret = #expect(throws: PartnerStoreError.self) { try PostgresLocation(url: "postgresql://app:pw@h/db?colour=red") }
        #expect(secret?.message.contains("pw") == false)
    }
}
