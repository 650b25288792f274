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

/// `--out` files appear whole or not at all, and a device or FIFO stays what it is.
@Suite("Output files through the command line")
struct OutputFileCommandTests {
    static let policies = EngineCommandTests.repositoryPolicies

    /// Files in `w` other than the ones a test put there (a temporary file left behind shows here).
    func leftovers(_ w: TemporaryFolder, besides known: Set<String>) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: w.url.path).filter { !known.contains($0) && !$0.hasPrefix(".std") }.sorted()
    }

    @Test("a command that fails leaves an existing --out file as it was and no partial file; one that succeeds replaces it whole, keeping its mode")
    func wholeOrNothing() throws {
        let w = try FaultCommandTests().program()
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: w.url.path))
        try w.write("out.csv", "what was here before\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: w.path("out.csv"))
        try w.write("bad/broken.lua", "return ps.policy {")   // does not load: export snapshots fails after opening --out
        let failed = try partnerscore(["export", "--db", "db.sqlite", "snapshots", "--as-of", "2026-10-31", "--policies", "bad",
                                       "--out", "out.csv"], in: w)
        #expect(failed.status != 0, "\(failed.stderr)")
        #expect(try String(contentsOfFile: w.path("out.csv"), encoding: .utf8) == "what was here before\n")
        #expect(try leftovers(w, besides: before.union(["out.csv", "bad"])) == [])

        let report = try partnerscore(["report", "--db", "missing.sqlite", "--out", "r.html"], in: w)
        #expect(report.status == 1)
        #expect(!FileManager.default.fileExists(atPath: w.path("r.html")))

        let done = try partnerscore(["export", "--db", "db.sqlite", "partners", "--out", "out.csv"], in: w)
        #expect(done.status == 0, "\(done.stderr)")
        let text = try String(contentsOfFile: w.path("out.csv"), encoding: .utf8)
        #expect(text.hasPrefix("id,") && text.contains("P0000300"))
        let mode = try FileManager.default.attributesOfItem(atPath: w.path("out.csv"))[.posixPermissions] as? Int
        #expect(mode == 0o640)
        #expect(try leftovers(w, besides: before.union(["out.csv", "bad"])) == [])
    }

    @Test("--out naming a FIFO writes into it and leaves it a FIFO (so /dev/null stays a device)")
    func fifo() async throws {
        let w = try FaultCommandTests().program()
        let path = w.path("pipe")
        #expect(mkfifo(path, 0o600) == 0)
        // Open for reading first (without waiting for a writer), then let the command write.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        #expect(fd >= 0)
        defer { close(fd) }
        var received: [UInt8] = []
        let reading = Task.detached { () -> [UInt8] in
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let deadline = Date().addingTimeInterval(120)
            var sawWriter = false
            while Date() < deadline {
                let n = read(fd, &chunk, chunk.count)
                if n > 0 { bytes += chunk[0..<n]; sawWriter = true; continue }
                if n == 0 && sawWriter { break }   // the writer closed
                try? await Task.sleep(for: .milliseconds(10))
            }
            return bytes
        }
        let r = try partnerscore(["export", "--db", "db.sqlite", "partners", "--out", "pipe"], in: w)
        #expect(r.status == 0, "\(r.stderr)")
        received = await reading.value
        #expect(String(decoding: received, as: UTF8.self).contains("P0000300"))
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "still a FIFO")
    }

    @Test("--out naming a folder says so")
    func folder() throws {
        let w = try FaultCommandTests().program()
        try FileManager.default.createDirectory(atPath: w.path("dir"), withIntermediateDirectories: true)
        let r = try partnerscore(["export", "--db", "db.sqlite", "partners", "--out", "dir"], in: w)
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot write dir — it is a folder; give a file name"), "\(r.stderr)")
    }
}
