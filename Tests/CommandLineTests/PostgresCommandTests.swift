import Foundation
import TestSupport
import Testing

/// The verbs' store location: `--db` takes a SQLite path or a PostgreSQL
/// URL, `PARTNERSCORE_DATABASE_URL` stands in for it, and a verb not yet on
/// PostgreSQL says so. Runs against the cluster Scripts/test.sh starts
/// (PARTNERSCORE_TEST_DATABASE_URL); skipped without it, unless
/// PARTNERSCORE_REQUIRE_POSTGRES=1 makes that a failure.
@Suite("partnerscore on PostgreSQL: --db URL, PARTNERSCORE_DATABASE_URL",
       .enabled(if: ProcessInfo.processInfo.environment["PARTNERSCORE_TEST_DATABASE_URL"] != nil
                    || ProcessInfo.processInfo.environment["PARTNERSCORE_REQUIRE_POSTGRES"] == "1",
                "PostgreSQL tests skipped: set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does)"))
struct PostgresCommandTests {
    /// A new database on the test cluster (made with psql, which postgresql-15 brings); its URL.
    static func freshDatabase(in folder: TemporaryFolder) throws -> String {
        let cluster = try #require(ProcessInfo.processInfo.environment["PARTNERSCORE_TEST_DATABASE_URL"],
                                   "PARTNERSCORE_REQUIRE_POSTGRES=1 but no PARTNERSCORE_TEST_DATABASE_URL: run Scripts/test.sh")
        let name = "cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let made = try run(URL(fileURLWithPath: "/usr/bin/psql"), [cluster, "-qc", "CREATE DATABASE \(name)"], in: folder)
        #expect(made.status == 0, "\(made.stderr)")
        var components = URLComponents(string: cluster)!
        components.path = "/" + name
        return components.string!
    }

    @Test("init, import, export, evaluate, explain, diff, metrics, report, lua and token work with --db URL or the environment, and give SQLite's bytes")
    func verbs() throws {
        let folder = try TemporaryFolder()
        try folder.write("partners.csv", StoreCommandTests.partners)
        try folder.write("events.csv", StoreCommandTests.events)
        let url = try Self.freshDatabase(in: folder)
        let shown = url.replacingOccurrences(of: "postgresql://", with: "")

        let initialized = try partnerscore(["init", "--db", url], in: folder)
        #expect(initialized.status == 0, "\(initialized.stderr)")
        #expect(initialized.stdout == "postgresql://\(shown): ready (0 partners, 0 events)\n")
        // No --db: the environment names the store.
        let imported = try partnerscore(["import", "events.csv", "partners.csv"], in: folder,
                                        environment: ["PARTNERSCORE_DATABASE_URL": url])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("imported 2 partners added, 0 updated, 3 events from 2 files in "))
        try folder.write("bad.csv", "partner_id,date,kind,amount,currency,product,territory,name,value,expires\nP9,2024-06-10,login,,,,,,,\n")
        let refused = try partnerscore(["import", "bad.csv"], in: folder, environment: ["PARTNERSCORE_DATABASE_URL": url])
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: bad.csv:2: field 'partner_id': unknown partner 'P9' — import the partners file first (or in the same import); partner ids are case-sensitive\n")

        #expect(try partnerscore(["init", "--db", "p.sqlite"], in: folder).status == 0)
        #expect(try partnerscore(["import", "--db", "p.sqlite", "events.csv", "partners.csv"], in: folder).status == 0)
        for what in [["partners"], ["snapshots", "--as-of", "2024-06-30", "--format", "json"]] {
            let fromSQLite = try partnerscore(["export", "--db", "p.sqlite"] + what, in: folder)
            // --db wins over the environment.
            let fromPostgres = try partnerscore(["export", "--db", url] + what, in: folder,
                                                environment: ["PARTNERSCORE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"])
            #expect(fromPostgres.status == 0, "\(fromPostgres.stderr)")
            #expect(fromPostgres.stdout == fromSQLite.stdout && fromSQLite.stdout.count > 100)
        }

        // evaluate (recorded, then a dry run) and explain print SQLite's bytes.
        let telecom = EngineCommandTests.repositoryPolicies + "/telecom"
        for arguments in [["evaluate", "--policies", telecom, "--as-of", "2024-06-30", "--format", "json"],
                          ["evaluate", "--policies", telecom, "--as-of", "2024-06-15", "--dry-run", "--format", "csv"],
                          ["explain", "P1", "--policies", telecom, "--as-of", "2024-06-30"]] {
            let onSQLite = try partnerscore(arguments + ["--db", "p.sqlite"], in: folder)
            let onPostgres = try partnerscore(arguments + ["--db", url], in: folder)
            #expect(onSQLite.status == 0 && onSQLite.stdout.count > 100, "\(arguments): \(onSQLite.stderr)")
            #expect(onPostgres.status == 0, "\(arguments): \(onPostgres.stderr)")
            #expect(onPostgres.stdout == onSQLite.stdout, "\(arguments)")
        }
        let again = try partnerscore(["evaluate", "--db", url, "--policies", telecom, "--as-of", "2024-06-30"], in: folder)
        #expect(again.status != 0 && again.stderr.contains("evaluations move forward in time"), "\(again.stderr)")
        // diff, metrics and report read the same ledger the same way on both engines.
        try Self.expectSameOutput(of: ["diff", "--from", telecom, "--to", EngineCommandTests.repositoryPolicies + "/telecom",
                                       "--as-of", "2024-06-30", "--as-if-due", "--format", "json"],
                                  sqlite: "p.sqlite", postgres: url, in: folder)
        try Self.expectSameAnalytics(sqlite: "p.sqlite", postgres: url, in: folder)
        try folder.write("snippet.lua", "return p\n")
        try Self.expectSameOutput(of: ["lua", "snippet.lua", "--policies", telecom, "--partner", "P1", "--as-of", "2024-06-30"],
                                  sqlite: "p.sqlite", postgres: url, in: folder)
        // Tokens live in the service's tables, which PostgreSQL has too.
        let created = try partnerscore(["token", "create", "--role", "viewer", "--name", "crm"], in: folder,
                                       environment: ["PARTNERSCORE_DATABASE_URL": url])
        #expect(created.status == 0 && created.stdout.hasPrefix("ps_"), "\(created.stderr)")
        let token = try partnerscore(["token", "list"], in: folder, environment: ["PARTNERSCORE_DATABASE_URL": url])
        #expect(token.status == 0 && token.stdout.contains("crm") && token.stdout.contains("viewer"), "\(token.stderr)")
    }

    @Test("on a generated program over three month-ends, diff, metrics, report and export print the same bytes on both engines")
    func analyticsOnGeneratedProgram() throws {
        let folder = try TemporaryFolder()
        let url = try Self.freshDatabase(in: folder)
        let generated = try partnerscore(["generate", "--partners", "150", "--seed", "3", "--industry", "telecom", "--out", "gen"], in: folder)
        #expect(generated.status == 0, "\(generated.stderr)")
        let telecom = EngineCommandTests.repositoryPolicies + "/telecom"
        for db in ["g.sqlite", url] {
            #expect(try partnerscore(["init", "--db", db], in: folder).status == 0)
            let imported = try partnerscore(["import", "--db", db, "gen/partners.csv", "gen/events.csv"], in: folder)
            #expect(imported.status == 0, "\(imported.stderr)")
            for asOf in ["2026-08-31", "2026-09-30", "2026-10-31"] {
                let run = try partnerscore(["evaluate", "--db", db, "--policies", telecom, "--as-of", asOf], in: folder)
                #expect(run.status == 0, "\(run.stderr)")
            }
        }
        for asOf in ["2026-09-30", "2026-10-31"] {
            try Self.expectSameOutput(of: ["export", "snapshots", "--as-of", asOf, "--policies", telecom], sqlite: "g.sqlite", postgres: url, in: folder)
            try Self.expectSameOutput(of: ["diff", "--from", telecom, "--to", telecom, "--as-of", asOf, "--as-if-due", "--format", "json"],
                                      sqlite: "g.sqlite", postgres: url, in: folder)
        }
        try Self.expectSameAnalytics(sqlite: "g.sqlite", postgres: url, in: folder)
    }

    /// Run `arguments` with `--db` on each engine: both succeed and print the same bytes.
    static func expectSameOutput(of arguments: [String], sqlite: String, postgres: String, in folder: TemporaryFolder,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let onSQLite = try partnerscore(arguments + ["--db", sqlite], in: folder)
        let onPostgres = try partnerscore(arguments + ["--db", postgres], in: folder)
        #expect(onSQLite.status == 0 && onSQLite.stdout.count > 50, "\(arguments): \(onSQLite.stderr)", sourceLocation: sourceLocation)
        #expect(onPostgres.status == 0, "\(arguments): \(onPostgres.stderr)", sourceLocation: sourceLocation)
        #expect(onPostgres.stdout == onSQLite.stdout, "\(arguments)", sourceLocation: sourceLocation)
    }

    /// metrics (every format) and report give the same bytes on both engines
    /// (the report's source line names the store, so it is set aside).
    static func expectSameAnalytics(sqlite: String, postgres: String, in folder: TemporaryFolder) throws {
        for format in ["table", "json", "csv"] {
            try expectSameOutput(of: ["metrics", "--format", format], sqlite: sqlite, postgres: postgres, in: folder)
        }
        let fromSQLite = try partnerscore(["report", "--db", sqlite, "--out", "sqlite.html"], in: folder)
        let fromPostgres = try partnerscore(["report", "--db", postgres, "--out", "postgres.html"], in: folder)
        #expect(fromSQLite.status == 0, "\(fromSQLite.stderr)")
        #expect(fromPostgres.status == 0, "\(fromPostgres.stderr)")
        let liteReport = try String(contentsOf: folder.url.appendingPathComponent("sqlite.html"), encoding: .utf8)
        let pgReport = try String(contentsOf: folder.url.appendingPathComponent("postgres.html"), encoding: .utf8)
        // The test cluster's URL has no password: the report names it as given.
        #expect(liteReport.contains("data: \(sqlite)") && pgReport.contains("data: \(postgres)"))
        #expect(pgReport.replacingOccurrences(of: postgres, with: sqlite) == liteReport && liteReport.count > 1000)
    }

    @Test("no --db and no PARTNERSCORE_DATABASE_URL is a usage error naming both; a server that is not there says how to start one")
    func missing() throws {
        let folder = try TemporaryFolder()
        let none = try partnerscore(["export", "partners"], in: folder, environment: ["PARTNERSCORE_DATABASE_URL": ""])
        #expect(none.status == 64)
        #expect(none.stderr.contains("--db PATH") && none.stderr.contains("PARTNERSCORE_DATABASE_URL"))
        let down = try partnerscore(["init", "--db", "postgresql://nobody@127.0.0.1:1/none"], in: folder)
        #expect(down.status == 1)
        #expect(down.stderr.contains("cannot reach PostgreSQL at postgresql://nobody@127.0.0.1:1/none"))
        #expect(down.stderr.contains("start one with Scripts/postgres.sh start"))
    }
}
