import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ProgramEvaluation
import TestSupport
import PartnerStore
import Testing
@testable import ScoringService

/// A webhook receiver on loopback: records every delivery and answers as told.
actor Inbox {
    struct Delivery: Sendable {
        var id: String
        var timestamp: String
        var signature: String
        var body: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var type: String { json["type"] as? String ?? "" }
    }

    private(set) var deliveries: [Delivery] = []
    /// Attempts at an event id still to answer with 503.
    private var failures: [String: Int] = [:]
    private var failingEverything = false
    /// While set, requests wait (a receiver that does not answer).
    private var holding = false
    private var held: [CheckedContinuation<Void, Never>] = []

    func fail(_ id: String, times: Int) { failures[id] = times }
    func failEverything(_ on: Bool) { failingEverything = on }
    func hold() { holding = true }
    func release() {
        holding = false
        for continuation in held { continuation.resume() }
        held = []
    }

    func receive(_ delivery: Delivery) async -> HTTPResponse.Status {
        deliveries.append(delivery)
        if holding { await withCheckedContinuation { held.append($0) } }
        if failingEverything { return .serviceUnavailable }
        if let left = failures[delivery.id], left > 0 {
            failures[delivery.id] = left - 1
            return .serviceUnavailable
        }
        return .noContent
    }

    /// Wait until at least `count` deliveries came (at most `seconds`: generous, because a loaded
    /// machine running the other suites beside this one has been seen to need more than 20).
    func wait(seconds: Double = 60, for count: Int) async throws -> [Delivery] {
        try await wait(seconds: seconds) { $0.count >= count }
    }

    /// Wait until `condition` holds of the deliveries (at most `seconds`).
    func wait(seconds: Double = 60, until condition: @Sendable ([Delivery]) -> Bool) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !condition(deliveries) {
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return deliveries
    }
}

/// Run `body` with a receiver listening on loopback at the URL it is given.
func withReceiver<T: Sendable>(_ body: @escaping @Sendable (String, Inbox) async throws -> T) async throws -> T {
    let inbox = Inbox()
    let router = Router()
    router.post("hook") { request, _ -> Response in
        let bytes = try await request.body.collect(upTo: 1 << 20)
        let delivery = Inbox.Delivery(id: request.headers[HTTPField.Name("Webhook-Id")!] ?? "",
                                      timestamp: request.headers[HTTPField.Name("Webhook-Timestamp")!] ?? "",
                                      signature: request.headers[HTTPField.Name("Webhook-Signature")!] ?? "",
                                      body: String(buffer: bytes))
        return Response(status: await inbox.receive(delivery))
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    return try await app.test(.live) { client in
        try await body("http://127.0.0.1:\(client.port!)/hook", inbox)
    }
}

/// What a receiver computes to check a delivery: HMAC-SHA256 of "timestamp.body" under the secret.
func validSignature(_ d: Inbox.Delivery, secret: String) -> Bool {
    let mac = HMAC<SHA256>.authenticationCode(for: Data((d.timestamp + "." + d.body).utf8), using: SymmetricKey(data: Data(secret.utf8)))
    return d.signature == "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
}

let quickWebhooks = WebhookSettings(retryBase: .milliseconds(30), maxAttempts: 4, timeout: .seconds(5), poll: .milliseconds(20))
let secret = "a-secret-of-some-length"

@Suite("Webhooks: signed, ordered, retried, never blocking a run or an ingest")
struct WebhookTests {
    func subscribe(_ api: API, _ fixture: ServiceFixture, url: String, events: String = #"["*"]"#) async throws -> [String: Any] {
        let created = try await api.post("/v1/webhooks", token: fixture.designer, json: #"{"url":"\#(url)","secret":"\#(secret)","events":\#(events)}"#)
        #expect(created.status == 201, "\(created.text)")
        return created.json
    }

    func run(_ api: API, _ fixture: ServiceFixture, _ asOf: String) async throws {
        let response = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"\#(asOf)"}"#)
        #expect(response.status == 201, "\(response.text)")
    }

    func ingest(_ api: API, _ fixture: ServiceFixture, _ events: String) async throws {
        let response = try await api.post("/v1/activity", token: fixture.operator, json: #"{"events":[\#(events)]}"#)
        #expect(response.status == 201, "\(response.text)")
    }

    @Test("every event type arrives, signed, in outbox order, each once", arguments: TestPostgres.engines)
    func everyType(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await withReceiver { url, inbox in
            try await fixture.withServer(fixture.configuration(webhooks: quickWebhooks)) { api in
                _ = try await subscribe(api, fixture, url: url)
                // A-3 sells two months (Premier, then review and demotion); A-1's agreement lapses in June and is
                // renewed in July, its May dip recovers in June; A-2 sells in July (upgraded).
                try await ingest(api, fixture, """
                    {"partner_id":"A-3","date":"2025-01-15","kind":"revenue","amount":6000,"currency":"USD","product":"voice"},
                    {"partner_id":"A-3","date":"2025-02-15","kind":"revenue","amount":6000,"currency":"USD","product":"voice"}
                    """)
                for asOf in ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31"] { try await run(api, fixture, asOf) }
                try await ingest(api, fixture, #"{"partner_id":"A-1","date":"2025-06-15","kind":"revenue","amount":4000,"currency":"USD","product":"voice"}"#)
                try await run(api, fixture, "2025-06-30")
                try await ingest(api, fixture, """
                    {"partner_id":"A-1","date":"2025-07-05","kind":"credential","name":"agreement","expires":"2026-07-04"},
                    {"partner_id":"A-2","date":"2025-07-10","kind":"revenue","amount":6000,"currency":"USD","product":"voice"}
                    """)
                try await run(api, fixture, "2025-07-31")
                // People's actions on three open tasks.
                let open = try await api.get("/v1/tasks?status=open&limit=3", token: fixture.viewer).json["tasks"] as? [[String: Any]] ?? []
                let ids = open.compactMap { $0["id"] as? Int }
                #expect(ids.count == 3)
                #expect(try await api.post("/v1/tasks/\(ids[0])/ack", token: fixture.operator, json: #"{"on":"2025-08-01"}"#).status == 200)
                #expect(try await api.post("/v1/tasks/\(ids[1])/done", token: fixture.operator, json: #"{"outcome":"reached","on":"2025-08-01"}"#).status == 200)
                #expect(try await api.post("/v1/tasks/\(ids[2])/dismiss", token: fixture.operator, json: "").status == 200)

                let events = try await fixture.store.database.asyncRead { db in try Outbox.events(db, after: 0, types: nil, limit: 10_000) }
                let all = Set(WebhookEventType.allCases.map(\.rawValue))
                #expect(Set(events.map(\.type.rawValue)) == all, "the story makes every type")
                let got = try await inbox.wait(for: events.count)
                #expect(got.map(\.id) == events.map(\.eventID), "each event once, in outbox order")
                #expect(got.map(\.body) == events.map(\.body))
                #expect(got.allSatisfy { validSignature($0, secret: secret) })
                #expect(!validSignature(got[0], secret: "another-secret-entirely"))
                #expect(Set(got.map(\.type)) == all)
                let demoted = try #require(got.first { $0.type == "tier.demoted" })
                #expect(demoted.json["partner_id"] as? String == "A-3")
                #expect((demoted.json["data"] as? [String: Any])?["previous_tier"] as? String == "Premier")
                #expect(demoted.json["occurred_on"] as? String == "2025-04-30")
                // An ingest names its batch's partners, and the one partner of a batch of one.
                let ingested = got.filter { $0.type == "activity.ingested" }
                #expect(ingested.map { ($0.json["data"] as? [String: Any])?["partners"] as? [String] ?? [] }
                        == [["A-3"], ["A-1"], ["A-1", "A-2"]])
                #expect(ingested.map { $0.json["partner_id"] as? String } == ["A-3", "A-1", nil])
                #expect(ingested.map { ($0.json["data"] as? [String: Any])?["events"] as? Int } == [2, 1, 2])
                let subscription = try await api.get("/v1/webhooks", token: fixture.designer).json["webhooks"] as? [[String: Any]]
                #expect(subscription?.first?["delivered"] as? Int == events.count)
                #expect(subscription?.first?["pending"] as? Int == 0)
                #expect(subscription?.first?["secret"] == nil, "never shown again")
            }
        }
    }

    @Test("a receiver that fails 3 times then succeeds gets the event exactly once more, with the same id; later events wait their turn", arguments: TestPostgres.engines)
    func retries(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await withReceiver { url, inbox in
            try await fixture.withServer(fixture.configuration(webhooks: quickWebhooks)) { api in
                _ = try await subscribe(api, fixture, url: url)
                await inbox.fail("evt_1", times: 3)
                try await run(api, fixture, "2025-01-31")
                let count = try await fixture.store.database.asyncRead { db in try Outbox.lastPosition(db) }
                #expect(count > 3)
                let got = try await inbox.wait(for: Int(count) + 3)
                try await Task.sleep(for: .milliseconds(300))   // nothing more arrives
                let final = try await inbox.wait(seconds: 0) { _ in true }
                #expect(final.count == got.count)
                #expect(final.prefix(4).map(\.id) == ["evt_1", "evt_1", "evt_1", "evt_1"])
                #expect(Set(final.prefix(4).map(\.body)).count == 1, "the same body at every attempt")
                #expect(final.dropFirst(4).map(\.id) == (2...count).map { "evt_\($0)" })
                #expect(final.allSatisfy { validSignature($0, secret: secret) })
                let state = try await api.get("/v1/webhooks/1", token: fixture.designer).json
                #expect(state["attempts"] as? Int == 0 && state["dead_letters"] as? Int == 0 && state["delivered"] as? Int == Int(count))
            }
        }
    }

    @Test("after the last attempt an event is a dead letter and delivery moves on; replay sends it again, in order", arguments: TestPostgres.engines)
    func deadLetterAndReplay(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await withReceiver { url, inbox in
            try await fixture.withServer(fixture.configuration(webhooks: quickWebhooks)) { api in
                _ = try await subscribe(api, fixture, url: url, events: #"["tier.*"]"#)
                await inbox.fail("evt_1", times: 100)
                try await run(api, fixture, "2025-01-31")
                let tiers = try await fixture.store.database.asyncRead { db in try Outbox.events(db, after: 0, types: [.tierAssigned], limit: 100) }
                #expect(tiers.count == 3 && tiers[0].id == 1, "A-1, A-2 and A-3 get a tier (L-1 enrols later)")
                let got = try await inbox.wait { $0.count >= 4 + 2 }
                #expect(got.map(\.id) == ["evt_1", "evt_1", "evt_1", "evt_1"] + tiers.dropFirst().map(\.eventID))
                let state = try await api.get("/v1/webhooks/1", token: fixture.designer).json
                #expect(state["dead_letters"] as? Int == 1)
                let letters = try await fixture.store.database.asyncRead { db in try WebhookSubscriptions.deadLetters(db) }
                #expect(letters.map(\.event) == [1] && letters.first?.attempts == 4 && letters.first?.lastError == "HTTP 503", "\(letters)")

                await inbox.fail("evt_1", times: 0)
                let replayed = try await api.post("/v1/webhooks/1/replay", token: fixture.designer, json: #"{"from":"evt_1"}"#)
                #expect(replayed.status == 200, "\(replayed.text)")
                #expect(replayed.json["dead_letters"] as? Int == 0)
                let again = try await inbox.wait { $0.count >= 6 + 3 }
                #expect(again.count == 9)
                #expect(again.suffix(3).map(\.id) == tiers.map(\.eventID))
            }
        }
    }

    @Test("a receiver that does not answer blocks no run and no ingest", arguments: TestPostgres.engines)
    func neverBlocks(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await withReceiver { url, inbox in
            await inbox.hold()
            // The held delivery waits up to a minute: work that waited for it would take that long,
            // far beyond the bound below, however loaded the machine.
            var patient = quickWebhooks
            patient.timeout = .seconds(60)
            try await fixture.withServer(fixture.configuration(webhooks: patient)) { api in
                _ = try await subscribe(api, fixture, url: url)
                try await run(api, fixture, "2025-01-31")
                _ = try await inbox.wait { !$0.isEmpty }
                // A delivery is in flight and unanswered; a run and an ingest go through as usual.
                let clock = ContinuousClock()
                let elapsed = try await clock.measure {
                    try await ingest(api, fixture, #"{"partner_id":"A-2","date":"2025-02-03","kind":"login"}"#)
                    try await run(api, fixture, "2025-02-28")
                    let dry = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-03-01","dry_run":true}"#)
                    #expect(dry.status == 200)
                }
                #expect(elapsed < .seconds(20), "\(elapsed)")
                #expect(try await inbox.wait(seconds: 0) { _ in true }.count == 1, "the held delivery is still the only one")
                await inbox.release()
                let events = try await fixture.store.database.asyncRead { db in try Outbox.lastPosition(db) }
                let got = try await inbox.wait(for: Int(events))
                #expect(got.map(\.id) == (1...events).map { "evt_\($0)" })
            }
        }
    }

    @Test("the webhook API: designer only, checked input, removal stops delivery", arguments: TestPostgres.engines)
    func api(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer(fixture.configuration(webhooks: quickWebhooks)) { api in
            expectError(try await api.post("/v1/webhooks", token: fixture.operator, json: #"{"url":"https://crm.example.com/h"}"#), 403, "forbidden")
            expectError(try await api.post("/v1/webhooks", token: fixture.designer, json: #"{"url":"crm.example.com"}"#), 400, "invalid_field", field: "url")
            // The service accepts exactly the URLs the document's pattern allows.
            for bad in ["HTTP://0*", "http://crm.example.com:0/h", "http://crm.example.com:65536/h", "http://[::1]/h", "http://crm.example.com/a b"] {
                expectError(try await api.post("/v1/webhooks", token: fixture.designer, json: #"{"url":"\#(bad)"}"#), 400, "invalid_field", field: "url")
            }
            expectError(try await api.post("/v1/webhooks", token: fixture.designer, json: #"{"url":"https://crm.example.com/h","events":["tier.upgrade"]}"#),
                        400, "invalid_field", field: "events[0]")
            expectError(try await api.post("/v1/webhooks", token: fixture.designer, json: #"{"url":"https://crm.example.com/h","secret":"short"}"#),
                        400, "invalid_field", field: "secret")
            let created = try await api.post("/v1/webhooks", token: fixture.designer, json: #"{"url":"https://crm.example.com/h"}"#)
            #expect(created.status == 201)
            #expect((created.json["secret"] as? String)?.hasPrefix("whsec_") == true)
            let webhook = created.json["webhook"] as? [String: Any]
            #expect(webhook?["events"] as? [String] == ["*"] && webhook?["position"] is NSNull)
            expectError(try await api.post("/v1/webhooks/1/replay", token: fixture.designer, json: #"{"from":"evt_1","since":"2025-01-01"}"#),
                        400, "invalid_field", field: "body")
            expectError(try await api.post("/v1/webhooks/1/replay", token: fixture.designer, json: #"{"from":"event-1"}"#), 400, "invalid_field", field: "from")
            expectError(try await api.get("/v1/webhooks/7", token: fixture.designer), 404, "not_found")
            expectError(try await api.get("/v1/webhooks/x", token: fixture.designer), 400, "invalid_field", field: "id")
            #expect(try await api.call(.delete, "/v1/webhooks/1", token: fixture.designer).status == 204)
            expectError(try await api.call(.delete, "/v1/webhooks/1", token: fixture.designer), 404, "not_found")
            // The document describes every event type's delivery.
            let document = try await api.get("/openapi.json").json
            let described = (document["x-webhooks"] as? [String: Any]).map { Set($0.keys) }
            #expect(described == Set(WebhookEventType.allCases.map(\.rawValue)))
            // No subscription left: runs record no event.
            try await run(api, fixture, "2025-01-31")
            #expect(try await fixture.store.database.asyncRead { db in try Outbox.lastPosition(db) } == 0)
        }
    }
}
