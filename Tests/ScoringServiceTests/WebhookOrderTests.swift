import Dispatch
import Foundation
import PartnerModel
import PolicyEngine
import ProgramEvaluation
import TestSupport
import Testing
@testable import ScoringService

/// A recorded run on a thread of its own, held inside its transaction at
/// one partner's evaluation — before the run's end, where it writes what it
/// writes last — until ``resume()``.
final class HeldRun: @unchecked Sendable {
    private let lock = NSLock()
    private let gate = DispatchSemaphore(value: 0)
    private var isHeld = false, resumed = false
    private var outcome: Result<RunSummary, any Error>?

    init(_ run: ProgramRun, asOf: Day, holdAt partnerID: String) {
        nonisolated(unsafe) let run = run
        Thread {
            let outcome = Result {
                try run.evaluate(asOf: asOf, dryRun: false) { evaluation in
                    guard evaluation.partnerID == partnerID else { return }
                    self.locked { self.isHeld = true }
                    self.gate.wait()
                }
            }
            self.locked { self.outcome = outcome }
        }.start()
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Whether it was let go (``resume()``).
    var wasResumed: Bool { locked { resumed } }

    /// Let it go on to its end (once; later calls do nothing).
    func resume() {
        guard locked({ () -> Bool in
            defer { resumed = true }
            return !resumed
        }) else { return }
        gate.signal()
    }

    /// Wait until it is held (false: it was not, in `seconds`).
    func held(within seconds: Double) async throws -> Bool {
        try await poll(seconds) { locked { isHeld || outcome != nil } }
        return locked { isHeld }
    }

    /// Wait for its end (nil: it did not end in `seconds`).
    func result(within seconds: Double) async throws -> Result<RunSummary, any Error>? {
        try await poll(seconds) { locked { outcome != nil } }
        return locked { outcome }
    }

    private func poll(_ seconds: Double, until done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }
}

/// Several writers of the outbox at once on PostgreSQL (a long run, ingest):
/// what a deliverer reads "after its position" never skips an event.
@Suite("Webhooks on PostgreSQL: outbox ids become visible in id order, whatever writes them",
       .enabled(if: TestPostgres.enabled, "set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does)"))
struct WebhookOrderTests {
    /// On a PostgreSQL service whose agents program has 100 partners more (so
    /// its first run writes hundreds of events, several batches of inserts,
    /// before it ends) with a subscription to every event delivered to a
    /// receiver: `body` with a recorded run of the program held at
    /// `partnerID`'s evaluation.
    func withHeldRun(holdAt partnerID: String,
                     _ body: @escaping @Sendable (API, ServiceFixture, Inbox, HeldRun) async throws -> Void) async throws {
        let fixture = try ServiceFixture(.postgresql)
        try fixture.store.upsertPartners((1...100).map { partner(String(format: "B-%03d", $0)) })
        try await withReceiver { url, inbox in
            try await fixture.withServer(fixture.configuration(webhooks: quickWebhooks)) { api in
                let created = try await api.post("/v1/webhooks", token: fixture.designer, json: #"{"url":"\#(url)","secret":"\#(secret)"}"#)
                #expect(created.status == 201, "\(created.text)")
                let set = try PolicySet(directory: fixture.policies.appendingPathComponent("agents"), displayPath: "Policies/agents")
                let run = HeldRun(ProgramRun(store: fixture.store, policySet: set, jobs: 2), asOf: day("2025-01-31"), holdAt: partnerID)
                #expect(try await run.held(within: 60))
                try await body(api, fixture, inbox, run)
                run.resume()
            }
        }
    }

    /// Ingest one event through the API, giving up (and letting the run go, so nothing hangs) after 10 s, before the client times out.
    func ingest(_ api: API, _ fixture: ServiceFixture, during run: HeldRun) async throws -> APIResponse {
        let watchdog = Task {
            try await Task.sleep(for: .seconds(10))
            run.resume()
        }
        defer { watchdog.cancel() }
        return try await api.post("/v1/activity", token: fixture.operator,
                                  json: #"{"events":[{"partner_id":"A-2","date":"2025-01-20","kind":"login"}]}"#)
    }

    @Test("an ingest committing during a long run does not move a reader past the run's events: each event is read and delivered once, in id order")
    func noEventSkipped() async throws {
        try await withHeldRun(holdAt: "B-100") { api, fixture, inbox, run in
            // The run has written the events of 102 partners in its open transaction; an ingest commits meanwhile.
            let ingested = try await ingest(api, fixture, during: run)
            #expect(ingested.status == 201, "\(ingested.text)")
            // A reader now, then after the run's commit from where it got to, as a deliverer reads.
            let early = try await fixture.store.database.asyncRead { db in try Outbox.events(db, after: 0, types: nil, limit: 100_000) }
            #expect(early.map(\.type) == [.activityIngested], "only the ingest's event is committed yet")
            // The deliverer has sent it and moved its position past it.
            _ = try await inbox.wait(for: 1)
            run.resume()
            let summary = try #require(try await run.result(within: 60)).get()
            #expect(summary.partners == 103)
            let position = early.last?.id ?? 0
            let late = try await fixture.store.database.asyncRead { db in
                try Outbox.events(db, after: position, types: nil, limit: 100_000)
            }
            let all = try await fixture.store.database.asyncRead { db in try Outbox.events(db, after: 0, types: nil, limit: 100_000) }
            #expect(all.count > 600, "the run's events and the ingest's")
            let read = (early + late).map(\.id)
            let skipped = all.map(\.id).filter { $0 < position }
            #expect(skipped.count == 0, "\(skipped.count) events (ids \(skipped.first ?? 0) to \(skipped.last ?? 0)) became visible below position \(position), already passed")
            #expect(read.count == all.count && read == all.map(\.id), "every event read once: \(read.count) of \(all.count)")
            // The run's events, in its partner order, after the ingest's.
            #expect(all.first?.type == .activityIngested)
            let partners = all.dropFirst().compactMap(\.partnerID)
            #expect(partners == partners.sorted())
            // And the real deliverer sent each once, in id order.
            let delivered = try await inbox.wait(seconds: 30, for: all.count).map(\.id)
            #expect(delivered.count == all.count && delivered == all.map(\.eventID), "\(delivered.count) of \(all.count) delivered")
        }
    }

    @Test("ingest with a subscription is not held up by a long run: it commits while the run is still open")
    func ingestGoesOn() async throws {
        try await withHeldRun(holdAt: "B-050") { api, fixture, inbox, run in
            let clock = ContinuousClock()
            var response: APIResponse?
            let elapsed = try await clock.measure { response = try await ingest(api, fixture, during: run) }
            #expect(response?.status == 201)
            #expect(!run.wasResumed, "the ingest waited for the run (\(elapsed))")
            #expect(elapsed < .seconds(8), "\(elapsed)")
            #expect(try await inbox.wait(for: 1).first?.type == "activity.ingested", "delivered while the run is open")
            run.resume()
            #expect(try #require(try await run.result(within: 60)).get().partners == 103)
        }
    }
}
