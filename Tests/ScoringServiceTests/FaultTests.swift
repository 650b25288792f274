import Foundation
import GRDB
import GRDBSQLite
import HTTPTypes
import Logging
import PartnerModel
import PartnerStore
import TestSupport
import Testing
@testable import ScoringService

/// A policy whose custom check loops forever, but only when it is called:
/// it loads and validates fine.
let loopingPolicy = agentsPolicy.replacingOccurrences(
    of: "ps.tier \"Authorized\" { benefits = { commission = 0.08 } },",
    with: "ps.tier \"Authorized\" { entry = { ps.check('loops', function(p) while true do end end) } },")

@Suite("A version of a policy set serves only after its fixtures and a sample of stored partners pass")
struct ReloadCheckTests {
    @Test("a function that loops only when called is refused on reload; the old version keeps serving, the error in /health and /v1/policies")
    func loopingFunctionRefused() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            try fixture.writePolicy(loopingPolicy)
            let refused = try await api.call(.post, "/v1/policies/reload", token: fixture.designer)
            expectError(refused, 422, "policy_invalid")
            #expect(refused.error["file"] as? String == "Policies/agents/agents.lua")
            #expect(refused.error["line"] as? Int == 6, "\(refused.text)")
            #expect((refused.error["message"] as? String)?.contains("limit") == true, "\(refused.text)")

            let live = try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30", token: fixture.viewer)
            #expect(live.status == 200, "the previous version still answers: \(live.text)")
            let health = try await api.get("/health")
            #expect((health.json["last_reload_error"] as? [String: Any])?["line"] as? Int == 6, "\(health.text)")
            let listed = try await api.get("/v1/policies", token: fixture.viewer)
            let error = (listed.json["policy_sets"] as? [[String: Any]])?.first?["reload_error"] as? [String: Any]
            #expect((error?["message"] as? String)?.contains("sample") == true, "\(listed.text)")
        }
    }

    @Test("the watcher refuses it too")
    func watcherRefuses() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer(fixture.configuration(watchInterval: .milliseconds(50))) { api in
            try fixture.writePolicy(loopingPolicy.replacingOccurrences(of: "version = \"1.0\"", with: "version = \"2.0\""))
            var error: [String: Any]?
            for _ in 0..<200 where error == nil {
                error = try await api.get("/health").json["last_reload_error"] as? [String: Any]
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(error?["line"] as? Int == 6)
            let sets = try await api.get("/v1/policies", token: fixture.viewer).json["policy_sets"] as? [[String: Any]]
            #expect((sets?.first?["policies"] as? [[String: Any]])?.first?["version"] as? String == "1.0")
            #expect(try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30", token: fixture.viewer).status == 200)
        }
    }

    @Test("at start-up, with no earlier version, such a set serves and /health says which partner fails and where")
    func startUpWarns() async throws {
        let fixture = try ServiceFixture()
        try fixture.writePolicy(loopingPolicy)
        try await fixture.withServer { api in
            let health = try await api.get("/health")
            #expect(health.status == 200)
            let error = health.json["last_reload_error"] as? [String: Any] ?? [:]
            #expect(error["line"] as? Int == 6, "\(health.text)")
            #expect((error["message"] as? String)?.contains("serving it anyway") == true, "\(health.text)")
        }
    }

    @Test("start-up refuses a set whose fixtures fail, naming the case")
    func startUpRefusesFailingFixtures() throws {
        let fixture = try ServiceFixture()
        try writePremierFixture(fixture)
        try fixture.writePolicy(agentsPolicy.replacingOccurrences(of: "ps.at_least(\"revenue_1m\", 5000)", with: "ps.at_least(\"revenue_1m\", 7000)"))
        #expect { _ = try buildApplication(fixture.configuration(), store: fixture.store) } throws: { error in
            "\(error)".contains("fails its fixtures") && "\(error)".contains("premier in january")
        }
    }

    @Test("a failure the serving version shares (a partner's stale data) does not hold an edit back")
    func sharedFailureDoesNotBlock() async throws {
        let fixture = try ServiceFixture()
        // Every version fails for A-2; the edit changes something else.
        let failsForA2 = agentsPolicy.replacingOccurrences(
            of: "ps.tier \"Authorized\" { benefits = { commission = 0.08 } },",
            with: "ps.tier \"Authorized\" { entry = { ps.check('a2', function(p) if p.id == 'A-2' then error('no data for A-2') end return true end) } },")
        try fixture.writePolicy(failsForA2)
        try await fixture.withServer { api in
            try fixture.writePolicy(failsForA2.replacingOccurrences(of: "version = \"1.0\"", with: "version = \"1.1\""))
            let reloaded = try await api.call(.post, "/v1/policies/reload", token: fixture.designer)
            #expect(reloaded.status == 200, "\(reloaded.text)")
            #expect(reloaded.json["swapped"] as? [String] == ["agents"])
            // A version that also fails for A-1, which the serving one evaluates, is refused.
            try fixture.writePolicy(failsForA2.replacingOccurrences(of: "p.id == 'A-2'", with: "p.id == 'A-2' or p.id == 'A-1'"))
            expectError(try await api.call(.post, "/v1/policies/reload", token: fixture.designer), 422, "policy_invalid")
        }
    }

    func writePremierFixture(_ fixture: ServiceFixture) throws {
        let fixtures = fixture.policies.appendingPathComponent("agents/fixtures")
        try FileManager.default.createDirectory(at: fixtures, withIntermediateDirectories: true)
        try """
            {"partners": [{"id": "F-1", "name": "F", "type": "agent", "program": "agents", "enrolled": "2025-01-01"}],
             "events": [{"partner_id": "F-1", "date": "2025-01-10", "kind": "revenue", "amount": 6000, "currency": "USD", "product": "voice"}],
             "cases": [{"name": "premier in january", "as_of": "2025-01-31", "expect": {"F-1": {"tier": "Premier"}}}]}
            """.write(to: fixtures.appendingPathComponent("premier.json"), atomically: true, encoding: .utf8)
    }

    @Test("a version that fails the set's fixtures is refused, naming the case")
    func failingFixturesRefused() async throws {
        let fixture = try ServiceFixture()
        try writePremierFixture(fixture)
        try await fixture.withServer { api in
            #expect(try await api.call(.post, "/v1/policies/reload", token: fixture.designer).status == 200)
            // Premier now needs 7,000: the fixture's partner stays Authorized.
            try fixture.writePolicy(agentsPolicy.replacingOccurrences(of: "ps.at_least(\"revenue_1m\", 5000)", with: "ps.at_least(\"revenue_1m\", 7000)"))
            let refused = try await api.call(.post, "/v1/policies/reload", token: fixture.designer)
            expectError(refused, 422, "policy_invalid")
            let message = refused.error["message"] as? String ?? ""
            #expect(message.contains("fails its fixtures") && message.contains("premier in january") && message.contains("expected Premier"),
                    "\(refused.text)")
        }
    }
}

/// A connection of its own that holds the database's write lock (`BEGIN
/// IMMEDIATE`) until released, as a long import in another process does.
final class WriteLockHolder: @unchecked Sendable {
    private var connection: OpaquePointer?

    init(path: String) throws {
        guard sqlite3_open(path, &connection) == SQLITE_OK,
              sqlite3_exec(connection, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK else {
            throw DatabaseError(message: "cannot take the write lock")
        }
    }

    func release() { sqlite3_exec(connection, "ROLLBACK", nil, nil, nil) }

    deinit {
        release()
        sqlite3_close(connection)
    }
}

@Suite("Faults: body limits, lock contention, durability")
struct FaultTests {
    /// Runs blocking socket calls on a thread of their own: on Swift's
    /// cooperative pool they would starve the server's handlers.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// Sends `POST path` with a chunked body of `bytes` bytes over a raw socket; returns the status.
    static func postChunked(port: Int, path: String, token: String, bytes: Int) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        // The server stops reading a body it refused: sending then blocks, so give up after a second and read the answer.
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var readTimeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &readTimeout, socklen_t(MemoryLayout<timeval>.size))
        func send(_ data: [UInt8]) -> Bool {
            var sent = 0
            while sent < data.count {
                let n = data[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return false }   // the server stopped reading: it answered already
                sent += n
            }
            return true
        }
        _ = send(Array("POST \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 64 << 10)
        var left = bytes
        while left > 0 {
            let size = min(left, chunk.count)
            guard send(Array((String(size, radix: 16) + "\r\n").utf8) + chunk[..<size] + Array("\r\n".utf8)) else { break }
            left -= size
        }
        _ = send(Array("0\r\n\r\n".utf8))
        var response = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &response, response.count, 0)
        let text = String(decoding: response[..<max(0, n)], as: UTF8.self)
        return Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    @Test("a chunked body over the limit is a 413 on every route, whether or not it reads the body",
          arguments: ["/v1/policies/reload", "/v1/activity", "/v1/runs"])
    func chunkedOverLimit(path: String) async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer(fixture.configuration(maxBodyBytes: 64 << 10)) { api in
            let port = api.port
            let designer = fixture.designer
            let status = try await Self.offThePool { try Self.postChunked(port: port, path: path, token: designer, bytes: 4 << 20) }
            #expect(status == 413)
            // Within the limit the route works as before.
            let small = try await Self.offThePool { try Self.postChunked(port: port, path: "/v1/policies/reload", token: designer, bytes: 10) }
            #expect(small == 200)
            #expect(try await api.get("/health").status == 200)
        }
    }

    @Test("while another process holds the write lock, ingest and runs answer 503 with Retry-After; nothing is written")
    func lockContention() async throws {
        let fixture = try ServiceFixture()
        let path = fixture.root.appendingPathComponent("program.sqlite").path
        // The service's own store, waiting half a second for the lock (10 s by default).
        let store = try PartnerStore(path: path, lockWait: 0.5)
        // Another connection holds the write lock, as a long import does.
        let holder = try WriteLockHolder(path: path)
        let before = try fixture.eventCount()
        try await fixture.withServer(store: store) { api in
            let ingest = try await api.post("/v1/activity", token: fixture.operator,
                                            json: #"{"events":[{"partner_id":"A-2","date":"2025-02-01","kind":"login"}]}"#)
            expectError(ingest, 503, "database_busy")
            #expect(ingest.headers[.retryAfter] == "5")
            let run = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-03-31"}"#)
            expectError(run, 503, "database_busy")
            #expect(run.headers[.retryAfter] == "5")
            holder.release()
            #expect(try fixture.eventCount() == before)
            // The lock released, the same requests succeed.
            #expect(try await api.post("/v1/activity", token: fixture.operator,
                                       json: #"{"events":[{"partner_id":"A-2","date":"2025-02-01","kind":"login"}]}"#).status == 201)
        }
    }

    @Test("the service's writes are durable when acknowledged: every write connection syncs at commit (synchronous=FULL)")
    func durableCommits() async throws {
        let fixture = try ServiceFixture()
        let mode = try await fixture.store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(mode == 2, "FULL is 2; NORMAL (1) syncs only at checkpoints")
        let limit = try await fixture.store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA journal_size_limit") }
        #expect(limit == 64 << 20)
    }
}

@Suite("Dates at the edges: every route refuses a date outside 1900-01-01 … 2999-12-31 with a 400 and keeps serving")
struct DateEdgeTests {
    static let outside = ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"]

    @Test("query dates, body dates and event dates")
    func sweep() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            for date in Self.outside {
                let live = try await api.get("/v1/partners/A-1/evaluation?as_of=\(date)", token: fixture.viewer)
                expectError(live, 400, "invalid_field", field: "as_of")
                #expect((live.error["hint"] as? String)?.hasPrefix("write") == true, "\(live.text)")
                expectError(try await api.get("/v1/decisions?from=\(date)", token: fixture.viewer), 400, "invalid_field", field: "from")
                expectError(try await api.get("/v1/decisions?to=\(date)", token: fixture.viewer), 400, "invalid_field", field: "to")
                for dryRun in [true, false] {
                    expectError(try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"\#(date)","dry_run":\#(dryRun)}"#),
                                400, "invalid_field", field: "as_of")
                }
                expectError(try await api.post("/v1/activity", token: fixture.operator,
                                               json: #"{"events":[{"partner_id":"A-2","date":"\#(date)","kind":"login"}]}"#),
                            400, "invalid_event", field: "events[0].date")
                expectError(try await api.post("/v1/activity", token: fixture.operator,
                                               json: #"{"events":[{"partner_id":"A-2","date":"2025-01-01","kind":"credential","name":"x","expires":"\#(date)"}]}"#),
                            400, "invalid_event", field: "events[0].expires")
            }
            #expect(try fixture.count("evaluation_run") == 0)
            // The ends of the range work, the last one recorded, and its decisions read back.
            #expect(try await api.get("/v1/partners/A-1/evaluation?as_of=2999-12-31", token: fixture.viewer).status == 200)
            #expect(try await api.get("/v1/decisions?from=1900-01-01&to=2999-12-31", token: fixture.viewer).status == 200)
            let last = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2999-12-31"}"#)
            #expect(last.status == 201, "\(last.text)")
            let decisions = try await api.get("/v1/decisions?to=2999-12-31", token: fixture.viewer)
            #expect((decisions.json["decisions"] as? [[String: Any]])?.first?["as_of"] as? String == "2999-12-31")
            #expect(try await api.get("/v1/partners/A-1", token: fixture.viewer).status == 200)
            #expect(try await api.get("/v1/alerts", token: fixture.viewer).status == 200)
            #expect(try await api.get("/health").status == 200)
        }
    }
}
