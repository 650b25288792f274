import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine
import TestSupport
import Testing
@testable import ProgramEvaluation

/// Nudge at once, the CAM after 14 days (acknowledging pauses 14 days), a success plan after 30.
let taskPolicy = """
    local ps = require "partnerscore"
    return ps.policy {
      name = "Agents", version = "1.0", effective = "2025-01-01", programs = { "agents" }, cadence = "monthly",
      tiers = { ps.tier "Authorized" {} },
      health = { components = { ps.component "revenue" { weight = 1, metric = "revenue_3m", target = 15000 } } },
      milestones = { first_login = false, first_training = false, first_deal_registration = false, first_deal_won = false,
                     first_tier_qualification = false, first_tier_advancement = false },
      interventions = {
        ps.step { after = "0 days", action = "Nudge", owner = "automation" },
        ps.step { after = "14 days", action = "CAM call", owner = "CAM", pause = "14 days" },
        ps.step { after = "30 days", action = "Success plan", owner = "partner success", queue = "success-team" },
      },
    }
    """

/// T-1 (cam anna) and T-3 (no cam) never sell: red from the first run. T-2 (cam ben) sells on February 10th and recovers.
func taskStore() throws -> PartnerStore {
    let store = try ledgerStore()
    try store.upsertPartners([("T-1", "anna"), ("T-2", "ben"), ("T-3", "")].map { id, cam in
        Partner(id: id, name: "Agent \(id)", type: .agent, program: "agents", region: "NA", country: "US", territories: ["US-CA"],
                products: ["voice"], enrolled: day("2025-01-01"), channelAccountManager: cam)
    })
    try store.importEvents([ActivityEvent(partnerID: "T-2", date: day("2025-02-10"), kind: .revenue(amount: 20000, currency: "USD", product: "voice"))])
    return store
}

func tasks(_ store: PartnerStore) throws -> [InterventionTask] {
    try store.database.read { db in try TaskLedger.tasks(db, .init()) }.reversed()
}

/// id, partner, step, assignee, status, outcome — a task in a line.
func line(_ t: InterventionTask) -> String {
    "#\(t.id) \(t.partnerID) step \(t.step) \(t.assignee) \(t.status.rawValue)" + (t.outcome.map { " \($0.rawValue)" } ?? "")
}

@Suite("Interventions as tasks: opened, escalated, resolved and acted on, in the run's transaction")
struct TaskLedgerTests {
    let store: PartnerStore
    let folder: PolicyFolder
    let run: ProgramRun

    init() throws {
        store = try taskStore()
        folder = try PolicyFolder(taskPolicy)
        run = ProgramRun(store: store, policySet: try folder.load())
    }

    @Test("a run opens a task per alert at a step, by the step's owner; escalation and resolution close them; a pause holds")
    func story() throws {
        try run.evaluate(asOf: day("2025-01-31"), dryRun: false)
        #expect(try tasks(store).map(line) == [
            "#1 T-1 step 1 automation open", "#2 T-2 step 1 automation open", "#3 T-3 step 1 automation open",
        ])
        // A dry run writes no task.
        try run.evaluate(asOf: day("2025-02-14"), dryRun: true)
        #expect(try tasks(store).count == 3)

        try run.evaluate(asOf: day("2025-02-14"), dryRun: false)
        #expect(try tasks(store).map(line) == [
            "#1 T-1 step 1 automation closed escalated", "#2 T-2 step 1 automation closed resolved",
            "#3 T-3 step 1 automation closed escalated",
            "#4 T-1 step 2 anna open", "#5 T-3 step 2 CAM open",   // T-3 has no cam: the CAM queue
        ])
        let opened = try #require(try tasks(store).last)
        #expect(opened.opened == day("2025-02-14") && opened.closed == nil && opened.action == "CAM call" && opened.owner == "CAM")
        #expect(opened.alert == AlertKey(kind: .healthRed, subject: "health"))

        // Anna is on it from February 20th: the pause holds T-1 at her step until March 6th.
        try store.database.write { db in try TaskLedger.acknowledge(db, id: 4, on: day("2025-02-20"), note: "called, meeting next week") }
        var got: [String: PartnerEvaluation] = [:]
        try run.evaluate(asOf: day("2025-03-03"), dryRun: false) { got[$0.partnerID] = $0 }
        #expect(got["T-1"]?.intervention?.step == 2)
        #expect(got["T-1"]?.alerts.first?.pausedUntil == day("2025-03-06"))
        #expect(got["T-3"]?.intervention?.step == 3)
        #expect(try tasks(store).suffix(3).map(line) == ["#4 T-1 step 2 anna acknowledged", "#5 T-3 step 2 CAM closed escalated",
                                                         "#6 T-3 step 3 success-team open"])
        try run.evaluate(asOf: day("2025-03-06"), dryRun: false) { got[$0.partnerID] = $0 }
        #expect(got["T-1"]?.intervention?.step == 3)
        #expect(try tasks(store).suffix(4).map(line) == ["#4 T-1 step 2 anna closed escalated", "#5 T-3 step 2 CAM closed escalated",
                                                         "#6 T-3 step 3 success-team open", "#7 T-1 step 3 success-team open"])
        let four = try #require(try store.database.read { db in try TaskLedger.task(db, id: 4) })
        #expect(four.acknowledged == day("2025-02-20") && four.closed == day("2025-03-06") && four.note == "called, meeting next week")
    }

    @Test("people's actions: acknowledge, done with an outcome, dismiss — and what is refused, naming the task")
    func actions() throws {
        try run.evaluate(asOf: day("2025-01-31"), dryRun: false)
        let acknowledged = try store.database.write { db in try TaskLedger.acknowledge(db, id: 1, on: day("2025-02-01"), note: nil) }
        #expect(acknowledged.status == .acknowledged && acknowledged.acknowledged == day("2025-02-01"))
        let done = try store.database.write { db in try TaskLedger.complete(db, id: 1, outcome: .planAgreed, on: day("2025-02-03"), note: "plan") }
        #expect(done.status == .done && done.outcome == .planAgreed && done.closed == day("2025-02-03") && done.note == "plan")
        let dismissed = try store.database.write { db in try TaskLedger.dismiss(db, id: 2, on: day("2025-02-01"), note: nil) }
        #expect(dismissed.status == .dismissed && dismissed.outcome == nil)

        func refused(_ words: String, _ kind: TaskFailure.Kind, _ body: @escaping (any SQLSession) throws -> Void) {
            let failure = #expect(throws: TaskFailure.self) { try store.database.write(body) }
            #expect(failure?.kind == kind)
            #expect(failure?.description.contains(words) == true, "\(String(describing: failure))")
        }
        refused("task #1 of partner T-1 is done (plan_agreed) since 2025-02-03; only an open task can be acknowledged", .conflict) { db in
            try TaskLedger.acknowledge(db, id: 1, on: day("2025-02-05"), note: nil)
        }
        refused("is dismissed", .conflict) { db in try TaskLedger.complete(db, id: 2, outcome: .reached, on: day("2025-02-05"), note: nil) }
        refused("2025-01-30 is before it was opened (2025-01-31)", .beforeTask) { db in
            try TaskLedger.acknowledge(db, id: 3, on: day("2025-01-30"), note: nil)
        }
        refused("'escalated' is the run's outcome", .invalid) { db in
            try TaskLedger.complete(db, id: 3, outcome: .escalated, on: day("2025-02-05"), note: nil)
        }
        refused("no task #99", .notFound) { db in try TaskLedger.dismiss(db, id: 99, on: day("2025-02-05"), note: nil) }
        // A task someone closed stays closed; the run opens the next step's as usual.
        try run.evaluate(asOf: day("2025-02-14"), dryRun: false)
        #expect(try tasks(store).map(line) == [
            "#1 T-1 step 1 automation done plan_agreed", "#2 T-2 step 1 automation dismissed", "#3 T-3 step 1 automation closed escalated",
            "#4 T-1 step 2 anna open", "#5 T-3 step 2 CAM open",
        ])
    }

    @Test("a database migrated with open alerts gets their tasks at the next run; nothing is opened twice")
    func backfill() throws {
        try run.evaluate(asOf: day("2025-01-31"), dryRun: false)
        try store.writer.write { db in try db.execute(sql: "DELETE FROM task") }
        try run.evaluate(asOf: day("2025-02-01"), dryRun: false)
        #expect(try tasks(store).map { "\($0.partnerID) step \($0.step) opened \($0.opened)" } == [
            "T-1 step 1 opened 2025-02-01", "T-2 step 1 opened 2025-02-01", "T-3 step 1 opened 2025-02-01",
        ])
        try run.evaluate(asOf: day("2025-02-02"), dryRun: false)
        #expect(try tasks(store).count == 3)
    }

    @Test("the same data, policy and days give the same tasks, whatever the number of workers")
    func deterministic() throws {
        func story(jobs: Int) throws -> [String] {
            let store = try taskStore()
            let run = ProgramRun(store: store, policySet: try folder.load(), jobs: jobs)
            for asOf in ["2025-01-31", "2025-02-14", "2025-03-20"] { try run.evaluate(asOf: day(asOf), dryRun: false) }
            return try tasks(store).map { line($0) + " \($0.opened) \($0.closed?.description ?? "-")" }
        }
        #expect(try story(jobs: 1) == story(jobs: 3))
    }
}

@Suite("The outbox: a run's events, in its transaction, only while a webhook subscription exists")
struct OutboxTests {
    @Test("no subscription, no events; with one, each change of the run as an event, in partner order")
    func runEvents() throws {
        let store = try taskStore()
        let folder = try PolicyFolder(taskPolicy)
        let run = ProgramRun(store: store, policySet: try folder.load())
        try run.evaluate(asOf: day("2025-01-31"), dryRun: false)
        #expect(try store.database.read { db in try Outbox.lastPosition(db) } == 0)

        let subscription = try store.database.write { db in try WebhookSubscriptions.add(db, url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef", events: ["*"], now: Date())
        }
        #expect(subscription.position == 0)
        try run.evaluate(asOf: day("2025-02-14"), dryRun: true)
        #expect(try store.database.read { db in try Outbox.lastPosition(db) } == 0, "a dry run records nothing")
        try run.evaluate(asOf: day("2025-02-14"), dryRun: false)
        let events = try store.database.read { db in try Outbox.events(db, after: 0, types: nil, limit: 100) }
        #expect(events.map { "\($0.partnerID ?? "-") \($0.type.rawValue)" } == [
            "T-1 alert.escalated", "T-1 task.closed", "T-1 task.opened",
            "T-2 task.closed", "T-2 alert.resolved",
            "T-3 alert.escalated", "T-3 task.closed", "T-3 task.opened",
        ])
        #expect(events.allSatisfy { $0.day == day("2025-02-14") && $0.policySet == "agents" && $0.runID != nil })
        #expect(events[0].data == #"{"alert":"health_red:health","first_raised":"2025-01-31","intervention":"CAM call","kind":"health_red","owner":"CAM","previous_step":1,"program":"agents","step":2,"subject":"health"}"#)
        #expect(events[2].data.contains(#""assignee":"anna""#) && events[2].data.contains(#""status":"open""#))
        #expect(events[0].body.hasPrefix(#"{"data":{"alert":"health_red:health","#))
        #expect(events[0].body.hasSuffix(#""id":"evt_1","occurred_on":"2025-02-14","partner_id":"T-1","policy_set":"agents","run_id":2,"type":"alert.escalated"}"#))

        // A person's action writes its event in the same transaction.
        try store.database.write { db in _ = try TaskLedger.acknowledge(db, id: 4, on: day("2025-02-15"), note: nil) }
        let ack = try #require(try store.database.read { db in try Outbox.events(db, after: 8, types: nil, limit: 10) }.first)
        #expect(ack.type == .taskAcknowledged && ack.day == day("2025-02-15") && ack.runID == nil && ack.data.contains(#""id":4"#))
    }

    @Test("a run's many events are written in partner order, whole, whatever the statement that wrote them")
    func manyEvents() throws {
        let store = try ledgerStore()
        let ids = (1...150).map { String(format: "P-%03d", $0) }
        try store.upsertPartners(ids.map {
            Partner(id: $0, name: "Agent \($0) \"quoted\"", type: .agent, program: "agents", region: "NA", country: "US",
                    territories: [], products: [], enrolled: day("2025-01-01"), channelAccountManager: "cam-\($0)")
        })
        try store.database.write { db in
            _ = try WebhookSubscriptions.add(db, url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef", events: [], now: Date())
        }
        let folder = try PolicyFolder(taskPolicy)
        try ProgramRun(store: store, policySet: try folder.load()).evaluate(asOf: day("2025-01-31"), dryRun: false)
        let events = try store.database.read { db in try Outbox.events(db, after: 0, types: nil, limit: 10_000) }
        // Each partner: its tier, its red alert and the alert's task — 450 events, 7 full statements and 2 rows more.
        #expect(events.count == 450)
        #expect(events.map(\.id) == Array(1...450))
        #expect(events.map { "\($0.partnerID!) \($0.type.rawValue)" } == ids.flatMap { ["\($0) tier.assigned", "\($0) alert.raised", "\($0) task.opened"] })
        #expect(events.allSatisfy { $0.day == day("2025-01-31") && $0.policySet == "agents" && $0.runID == 1 })
        for event in events {
            let data = try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any], "\(event.data)")
            if event.type == .taskOpened { #expect(data["partner_id"] as? String == event.partnerID && data["action"] as? String == "Nudge") }
            if event.type == .tierAssigned { #expect(data["tier"] as? String == "Authorized") }
        }
    }

    @Test("a run that fails writes no event, no task and no decision")
    func failedRun() throws {
        let store = try taskStore()
        let folder = try PolicyFolder(taskPolicy)
        let set = try folder.load()
        try store.database.write { db in
            _ = try WebhookSubscriptions.add(db, url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef", events: [], now: Date())
        }
        // T-3 holds a tier the policy lacks: the run stops at it, after T-1 and T-2 were recorded in its transaction.
        try store.upsertPartners([Partner(id: "T-3", name: "Agent T-3", type: .agent, program: "agents", region: "NA", country: "US",
                                          territories: [], products: [], enrolled: day("2025-01-01"), channelAccountManager: "",
                                          tier: "Gold")])
        #expect(throws: PartnerEvaluator.Failure.self) { try ProgramRun(store: store, policySet: set).evaluate(asOf: day("2025-01-31"), dryRun: false) }
        #expect(try store.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM task) + (SELECT COUNT(*) FROM decision)")
        } == 0)
    }

    @Test("subscriptions: events checked by name, a URL with a host, a secret of 16 characters or more")
    func subscriptionChecks() throws {
        let store = try taskStore()
        func refused(_ field: String, url: String = "https://crm.example.com/hook", secret: String = "0123456789abcdef", events: [String] = []) {
            let failure = #expect(throws: WebhookFailure.self) {
                try store.database.write { db in _ = try WebhookSubscriptions.add(db, url: url, secret: secret, events: events, now: Date()) }
            }
            #expect(failure?.field == field, "\(String(describing: failure))")
        }
        refused("url", url: "ftp://crm.example.com/hook")
        refused("url", url: "https:///hook")
        refused("secret", secret: "short")
        refused("events[1]", events: ["tier.*", "alert.raise"])
        let s = try store.database.write { db in try WebhookSubscriptions.add(db, url: "https://crm.example.com/hook", secret: "0123456789abcdef", events: ["tier.*", "task.opened"],
                                         now: Date())
        }
        #expect(s.types == [.taskOpened, .tierAssigned, .tierDemoted, .tierUpgraded])
        let message = #expect(throws: WebhookFailure.self) {
            try store.database.write { db in _ = try WebhookSubscriptions.add(db, url: "https://x.example", secret: "0123456789abcdef",
                                                                            events: ["alert.raise"], now: Date()) }
        }
        #expect(message?.description.contains("did you mean 'alert.raised'") == true)
    }

    @Test("the signature is sha256= and the hex HMAC-SHA256 of timestamp.body under the secret")
    func signature() {
        // The independent HMAC below, checked against RFC 4231's test case 2 first.
        #expect(hmacHex(key: "Jefe", message: "what do ya want for nothing?")
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(WebhookSubscriptions.signature(secret: "key", timestamp: 1_700_000_000, body: #"{"a":1}"#)
                == "sha256=" + hmacHex(key: "key", message: #"1700000000.{"a":1}"#))
        #expect(WebhookSubscriptions.signature(secret: "key", timestamp: 1, body: "x") != WebhookSubscriptions.signature(secret: "key", timestamp: 2, body: "x"))
    }
}

/// HMAC-SHA256 written out from its definition (RFC 2104) over the SHA-256 below, so the
/// signature is checked against a computation independent of swift-crypto.
func hmacHex(key: String, message: String) -> String {
    var k = Array(key.utf8)
    if k.count > 64 { k = sha256(k) }
    k += Array(repeating: 0, count: 64 - k.count)
    let inner = sha256(k.map { $0 ^ 0x36 } + Array(message.utf8))
    let outer = sha256(k.map { $0 ^ 0x5c } + inner)
    return outer.map { String(format: "%02x", $0) }.joined()
}

/// SHA-256 (FIPS 180-4), small and slow: for tests only.
func sha256(_ message: [UInt8]) -> [UInt8] {
    let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
        0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
        0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
        0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
        0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
        0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
    var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    var data = message + [0x80]
    while data.count % 64 != 56 { data.append(0) }
    let bits = UInt64(message.count) * 8
    for i in (0..<8).reversed() { data.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
    func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    for chunk in stride(from: 0, to: data.count, by: 64) {
        var w = [UInt32](repeating: 0, count: 64)
        for i in 0..<16 {
            w[i] = (0..<4).reduce(0) { $0 << 8 | UInt32(data[chunk + i * 4 + $1]) }
        }
        for i in 16..<64 {
            let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
        for i in 0..<64 {
            let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
            let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        h = zip(h, [a, b, c, d, e, f, g, hh]).map { $0 &+ $1 }
    }
    return h.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - UInt32($0) * 8)) } }
}
