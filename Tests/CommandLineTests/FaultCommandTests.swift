import Foundation
import GRDB
import GRDBSQLite
import TestSupport
import Testing

/// Dates at the edges and a held lock, through the real binary.
@Suite("Faults through the command line")
struct FaultCommandTests {
    static let policies = EngineCommandTests.repositoryPolicies

    /// A generated telecom program in db.sqlite (P0000001 … P0000300).
    func program() throws -> TemporaryFolder { try EngineCommandTests().program() }

    @Test("every verb refuses a date outside 1900-01-01 … 2999-12-31 with a message, never a crash; the ends work, and a recorded run at the end reads back")
    func dateSweep() throws {
        let w = try program()
        let db = ["--db", "db.sqlite"]
        for date in ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"] {
            try w.write("events-\(date).csv", "partner_id,date,kind,amount,currency,product,territory,name,value,expires\nP0000001,\(date),login,,,,,,,\n")
            // The telecom set with a fixture whose case is as of the date.
            try FileManager.default.createDirectory(atPath: w.path("fixture-\(date)"), withIntermediateDirectories: true)
            for folder in ["telecom", "lib"] {
                try FileManager.default.copyItem(atPath: Self.policies + "/" + folder, toPath: w.path("fixture-\(date)/" + folder))
            }
            try w.write("fixture-\(date)/telecom/fixtures/edge.json",
                        #"{"partners": [], "cases": [{"name": "edge", "as_of": "\#(date)", "expect": {"P1": {"tier": "Authorized"}}}]}"#)
            let commands: [[String]] = [
                ["evaluate"] + db + ["--policies", Self.policies + "/telecom", "--as-of", date, "--dry-run"],
                ["evaluate"] + db + ["--policies", Self.policies + "/telecom", "--as-of", date],
                ["explain"] + db + ["--policies", Self.policies, "--as-of", date, "P0000001"],
                ["diff"] + db + ["--from", Self.policies + "/telecom", "--to", Self.policies + "/telecom", "--as-of", date],
                ["export"] + db + ["snapshots", "--as-of", date],
                ["metrics"] + db + ["--as-of", date],
                ["report"] + db + ["--as-of", date, "--out", "r.html"],
                ["generate", "--partners", "1", "--seed", "1", "--end", date, "--out", "gen"],
                ["import"] + db + ["events-\(date).csv"],
                ["test", w.path("fixture-\(date)/telecom")],
            ]
            for args in commands {
                let r = try partnerscore(args, in: w)
                #expect(r.status == 1 || r.status == 64, "\(args): exit \(r.status) \(r.stderr)")
                let said = r.stderr + r.stdout   // `test` reports a bad fixture in its report
                #expect(said.contains("outside") && said.contains("1900-01-01"), "\(args): \(said)")
            }
        }
        #expect(try partnerscore(["evaluate"] + db + ["--policies", Self.policies + "/telecom", "--as-of", "1900-01-01", "--dry-run"], in: w).status == 0)
        // A run as of the last supported day is recorded, and everything reads it back.
        let last = try partnerscore(["evaluate"] + db + ["--policies", Self.policies + "/telecom", "--as-of", "2999-12-31"], in: w)
        #expect(last.status == 0, "\(last.stderr)")
        for args in [["report"] + db + ["--out", "r.html"], ["metrics"] + db, ["export"] + db + ["snapshots", "--as-of", "2999-12-31"],
                     ["explain"] + db + ["--policies", Self.policies, "--as-of", "2999-12-31", "P0000001"]] {
            let r = try partnerscore(args, in: w)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
    }

    @Test("a policy period of 100 years evaluates at the last supported day; a longer one is refused at load with its field")
    func longPeriods() throws {
        let w = try program()
        let telecom = try String(contentsOfFile: Self.policies + "/telecom/agents.lua", encoding: .utf8)
        for folder in ["long", "longer"] {   // the shared modules the set requires, beside it
            try FileManager.default.createDirectory(atPath: w.path(folder), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.policies + "/lib", toPath: w.path(folder + "/lib"))
        }
        #expect(telecom.contains("remediation = \"60 days\""))
        try w.write("long/telecom/agents.lua", telecom.replacingOccurrences(of: "remediation = \"60 days\"", with: "remediation = \"100 years\""))
        let r = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", w.path("long/telecom"), "--as-of", "2999-12-31"], in: w)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try partnerscore(["report", "--db", "db.sqlite", "--out", "r.html"], in: w).status == 0)
        for (period, says) in [("5300 weeks", "at most 100 years"), ("99999999999999999999 weeks", "expected a period")] {
            try w.write("longer/telecom/agents.lua", telecom.replacingOccurrences(of: "remediation = \"60 days\"", with: "remediation = \"\(period)\""))
            let refused = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", w.path("longer/telecom"), "--as-of", "2026-10-31", "--dry-run"], in: w)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("remediation") && refused.stderr.contains(says), "\(refused.stderr)")
        }
    }

    @Test("a write that waits out another process's lock says which process holds it and to retry; nothing is written")
    func lockedDatabase() throws {
        let w = try program()
        // This process holds the write lock, as a long import in another one would.
        var connection: OpaquePointer?
        #expect(sqlite3_open(w.path("db.sqlite"), &connection) == SQLITE_OK)
        defer { sqlite3_close(connection) }
        #expect(sqlite3_exec(connection, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)
        try w.write("more.csv", "partner_id,date,kind,amount,currency,product,territory,name,value,expires\nP0000001,2026-10-01,login,,,,,,,\n")
        let r = try partnerscore(["import", "--db", "db.sqlite", "more.csv"], in: w)
        sqlite3_exec(connection, "ROLLBACK", nil, nil, nil)
        #expect(r.status == 1)
        #expect(r.stderr.contains("db.sqlite is locked") && r.stderr.contains("process \(getpid())"), "\(r.stderr)")
        #expect(r.stderr.contains("run this again"), "\(r.stderr)")
        #expect(!r.stderr.contains("database is locked"), "SQLite's words are replaced: \(r.stderr)")
    }
}
