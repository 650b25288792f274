import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// Tasks and webhooks through the real binary, and `serve` killed with
/// SIGKILL while it delivers.
@Suite("Tasks and webhooks from the command line")
struct LoopCommandTests {
    /// A generated telecom program evaluated at September's and October's ends.
    func program() throws -> TemporaryFolder {
        let w = try EngineCommandTests().program()
        for asOf in ["2026-09-30", "2026-10-31"] {
            let r = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", EngineCommandTests.repositoryPolicies + "/telecom",
                                      "--as-of", asOf, "--format", "csv"], in: w)
            #expect(r.status == 0, "\(r.stderr)")
        }
        return w
    }

    func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test("tasks list, ack, done and dismiss; explain shows the acknowledged task and its pause")
    func tasks() throws {
        let w = try program()
        let csv = try partnerscore(["tasks", "list", "--db", "db.sqlite", "--format", "csv"], in: w)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout.hasPrefix("id,policy_set,partner_id,alert,step,action,owner,assignee,status,outcome,note,opened,opened_run,acknowledged,closed\n"))
        // October's run took the milestone alerts to the channel account manager's call, assigned to each partner's cam.
        let calls = try partnerscore(["tasks", "list", "--db", "db.sqlite", "--status", "open", "--format", "json"], in: w)
        let open = try #require(json(calls.stdout) as? [[String: Any]])
        let call = try #require(open.first { $0["step"] as? Int == 2 && ($0["alert"] as? String)?.hasPrefix("milestone_overdue") == true })
        let id = String(call["id"] as! Int), partner = call["partner_id"] as! String
        #expect((call["assignee"] as? String)?.hasPrefix("cam-") == true, "\(call)")
        #expect(open.allSatisfy { $0["status"] as? String == "open" })

        let ack = try partnerscore(["tasks", "ack", "--db", "db.sqlite", id, "--on", "2026-11-02", "--note", "called, plan next week"], in: w)
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(ack.stdout.contains("task #\(id) of partner \(partner)") && ack.stdout.contains("is acknowledged as of 2026-11-02"))
        let again = try partnerscore(["tasks", "ack", "--db", "db.sqlite", id], in: w)
        #expect(again.status == 1 && again.stderr.contains("is acknowledged since 2026-11-02; only an open task can be acknowledged"), "\(again.stderr)")
        let badOutcome = try partnerscore(["tasks", "done", "--db", "db.sqlite", id, "--outcome", "fine"], in: w)
        #expect(badOutcome.status != 0 && badOutcome.stderr.contains("unknown outcome 'fine' — use reached, plan_agreed, declined, no_response"))

        let explain = try partnerscore(["explain", "--db", "db.sqlite", "--policies", EngineCommandTests.repositoryPolicies,
                                        "--as-of", "2026-10-31", partner], in: w)
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("Tasks now:"))
        #expect(explain.stdout.contains("#\(id) step 2 Call from the channel account manager"))
        #expect(explain.stdout.contains("acknowledged on 2026-11-02; escalation paused until 2026-11-16"), "\(explain.stdout)")

        let done = try partnerscore(["tasks", "done", "--db", "db.sqlite", id, "--outcome", "plan_agreed", "--on", "2026-11-05"], in: w)
        #expect(done.status == 0 && done.stdout.contains("is done (plan_agreed) as of 2026-11-05"), "\(done.stderr)")
        let table = try partnerscore(["tasks", "list", "--db", "db.sqlite", "--partner", partner], in: w)
        #expect(table.stdout.hasPrefix("ID ") && table.stdout.contains("done (plan_agreed)"), "\(table.stdout)")
        let missing = try partnerscore(["tasks", "dismiss", "--db", "db.sqlite", "999999"], in: w)
        #expect(missing.status == 1 && missing.stderr.contains("no task #999999"))
    }

    @Test("webhooks add, list, events, replay and remove; bad input says what to do")
    func webhooks() throws {
        let w = try program()
        let bad = try partnerscore(["webhooks", "add", "--db", "db.sqlite", "crm.example.com/hook"], in: w)
        #expect(bad.status == 1 && bad.stderr.contains("is not an http or https URL"), "\(bad.stderr)")
        let typo = try partnerscore(["webhooks", "add", "--db", "db.sqlite", "https://crm.example.com/hook", "--events", "tier.upgrade"], in: w)
        #expect(typo.status == 1 && typo.stderr.contains("did you mean 'tier.upgraded'"), "\(typo.stderr)")
        let add = try partnerscore(["webhooks", "add", "--db", "db.sqlite", "https://crm.example.com/hook", "--events", "tier.*,task.opened"], in: w)
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout.hasPrefix("whsec_") && add.stderr.contains("webhook #1 → https://crm.example.com/hook (events: tier.*,task.opened)"))
        let none = try partnerscore(["webhooks", "events", "--db", "db.sqlite"], in: w)
        #expect(none.stdout.isEmpty, "events are recorded from the subscription on")
        let run = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", EngineCommandTests.repositoryPolicies + "/telecom",
                                    "--as-of", "2026-11-30", "--format", "csv"], in: w)
        #expect(run.status == 0)
        let events = try partnerscore(["webhooks", "events", "--db", "db.sqlite"], in: w)
        let lines = events.stdout.split(separator: "\n")
        #expect(!lines.isEmpty)
        let first = try #require(json(String(lines[0])) as? [String: Any])
        #expect(first["id"] as? String == "evt_1" && first["occurred_on"] as? String == "2026-11-30" && first["policy_set"] as? String == "telecom")
        let list = try partnerscore(["webhooks", "list", "--db", "db.sqlite", "--format", "json"], in: w)
        let subscription = try #require((json(list.stdout) as? [[String: Any]])?.first)
        #expect(subscription["pending"] as? Int ?? 0 > 0 && subscription["position"] is NSNull && subscription["secret"] == nil)
        let replay = try partnerscore(["webhooks", "replay", "--db", "db.sqlite", "--since", "2026-11-30"], in: w)
        #expect(replay.status == 0 && replay.stdout.contains("webhook #1 delivers again from evt_1 on"), "\(replay.stdout)\(replay.stderr)")
        let both = try partnerscore(["webhooks", "replay", "--db", "db.sqlite", "--since", "2026-11-30", "--from", "evt_1"], in: w)
        #expect(both.status != 0 && both.stderr.contains("give either --from EVENT_ID or --since DATE"))
        #expect(try partnerscore(["webhooks", "dead-letters", "--db", "db.sqlite"], in: w).stdout == "no dead letters\n")
        #expect(try partnerscore(["webhooks", "remove", "--db", "db.sqlite", "1"], in: w).stdout == "webhook #1 removed\n")
        let gone = try partnerscore(["webhooks", "remove", "--db", "db.sqlite", "1"], in: w)
        #expect(gone.status == 1 && gone.stderr.contains("no webhook subscription #1"))
    }

    @Test("kill -9 of serve while it delivers loses no event: the restarted server sends what was not recorded as delivered")
    func killDuringDelivery() async throws {
        let w = try EngineCommandTests().program()
        let received = Received()
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            await received.add(id: request.headers[HTTPField.Name("Webhook-Id")!] ?? "",
                               valid: Self.signed(body, request.headers[HTTPField.Name("Webhook-Timestamp")!] ?? "",
                                                  request.headers[HTTPField.Name("Webhook-Signature")!] ?? ""))
            try await Task.sleep(for: .milliseconds(2))   // slow enough to be stopped mid-stream
            return Response(status: .ok)
        }
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await receiver.test(.live) { client in
            let add = try partnerscore(["webhooks", "add", "--db", "db.sqlite", "http://127.0.0.1:\(client.port!)/hook",
                                        "--secret", Self.secret], in: w)
            #expect(add.status == 0, "\(add.stderr)")
            let run = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", EngineCommandTests.repositoryPolicies + "/telecom",
                                        "--as-of", "2026-10-31", "--format", "csv"], in: w)
            #expect(run.status == 0, "\(run.stderr)")
            let lines = try partnerscore(["webhooks", "events", "--db", "db.sqlite", "--limit", "100000"], in: w).stdout.split(separator: "\n")
            let ids = Set(lines.compactMap { (json(String($0)) as? [String: Any])?["id"] as? String })
            #expect(ids.count > 500, "\(ids.count) events")

            let first = try Self.serve(w)
            let halfway = await received.wait(until: { $0 >= ids.count / 3 }, seconds: 60)
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(first.terminationReason == .uncaughtSignal)
            #expect(halfway < ids.count, "killed while delivering (\(halfway) of \(ids.count))")

            let second = try Self.serve(w)
            defer { second.terminate(); second.waitUntilExit() }
            let deadline = ContinuousClock.now + .seconds(90)
            while await !ids.isSubset(of: received.ids), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            let got = await received.ids
            #expect(ids.subtracting(got).isEmpty, "lost: \(ids.subtracting(got).sorted().prefix(10))")
            #expect(await received.invalid == 0, "every delivery is signed")
        }
    }

    static let secret = "kill-nine-secret-value"

    static func signed(_ body: String, _ timestamp: String, _ signature: String) -> Bool {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((timestamp + "." + body).utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return signature == "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Start `partnerscore serve` on the workspace's database (a free port), as its own process.
    static func serve(_ w: TemporaryFolder) throws -> Process {
        let process = Process()
        process.executableURL = partnerscoreExecutable()
        process.arguments = ["serve", "--db", "db.sqlite", "--policies", EngineCommandTests.repositoryPolicies + "/telecom",
                             "--port", String(Int.random(in: 20_000..<60_000)), "--watch-ms", "0", "--webhook-timeout-ms", "500"]
        process.currentDirectoryURL = w.url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// What the receiver got: every id, and how many deliveries had a wrong signature.
    actor Received {
        private(set) var ids: Set<String> = []
        private(set) var count = 0
        private(set) var invalid = 0

        func add(id: String, valid: Bool) {
            ids.insert(id)
            count += 1
            if !valid { invalid += 1 }
        }

        /// Wait until `condition` holds of the number of distinct ids (at most `seconds`); that number.
        func wait(until condition: @Sendable (Int) -> Bool, seconds: Int) async -> Int {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while !condition(ids.count), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            return ids.count
        }
    }
}
