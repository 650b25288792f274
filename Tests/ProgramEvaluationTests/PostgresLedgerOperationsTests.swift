import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import TestSupport
import Testing
@testable import ProgramEvaluation

/// The task, outbox, webhook and incentive operations people and `serve` call
/// outside a run, on both engines: the same calls give the same results.
@Suite("Tasks, outbox and webhooks on PostgreSQL", .enabled(if: TestPostgres.enabled, "set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does)"))
struct PostgresLedgerOperationsTests {
    /// What a store holds after the same runs, task actions and subscription changes, as text.
    static func story(_ store: PartnerStore) throws -> [String] {
        try store.upsertPartners([("T-1", "anna"), ("T-2", "ben"), ("T-3", "")].map { id, cam in
            Partner(id: id, name: "Agent \(id)", type: .agent, program: "agents", region: "NA", country: "US", territories: ["US-CA"],
                    products: ["voice"], enrolled: day("2025-01-01"), channelAccountManager: cam)
        })
        try store.importEvents([ActivityEvent(partnerID: "T-2", date: day("2025-02-10"),
                                              kind: .revenue(amount: 20000, currency: "USD", product: "voice"))])
        let epoch = Date(timeIntervalSince1970: 0)
        let first = try store.database.write { session in
            try WebhookSubscriptions.add(session, url: "http://127.0.0.1:9/a", secret: "0123456789abcdef", events: ["task.*"], now: epoch)
        }
        let folder = try PolicyFolder(taskPolicy)
        let run = ProgramRun(store: store, policySet: try folder.load())
        try run.evaluate(asOf: day("2025-01-31"), dryRun: false)
        var lines: [String] = []
        try store.database.write { session in
            lines.append(try TaskLedger.acknowledge(session, id: 1, on: day("2025-02-01"), note: "called").json)
            lines.append(try TaskLedger.dismiss(session, id: 3, on: day("2025-02-02"), note: nil).json)
            let refused = #expect(throws: TaskFailure.self) { try TaskLedger.complete(session, id: 3, outcome: .reached, on: day("2025-02-03"), note: nil) }
            lines.append(refused?.description ?? "not refused")
            #expect(throws: TaskFailure.self) { try TaskLedger.acknowledge(session, id: 99, on: day("2025-02-03"), note: nil) }
            _ = try WebhookSubscriptions.add(session, url: "http://127.0.0.1:9/b", secret: "fedcba9876543210", events: ["*"], now: epoch)
        }
        try run.evaluate(asOf: day("2025-02-28"), dryRun: false)
        try store.database.write { session in
            let claimed = try #require(try WebhookSubscriptions.claim(session, id: first.id, owner: "x", now: 10, until: 20))
            #expect(try WebhookSubscriptions.claim(session, id: first.id, owner: "y", now: 15, until: 30) == nil, "a lease held is not taken")
            #expect(try WebhookSubscriptions.advance(session, id: first.id, owner: "x", from: claimed.position, to: 2, delivered: 1, leaseUntil: 40))
            #expect(try !WebhookSubscriptions.advance(session, id: first.id, owner: "x", from: claimed.position, to: 3, delivered: 1, leaseUntil: 40))
            #expect(try WebhookSubscriptions.failed(session, id: first.id, owner: "x", position: 2, attempts: 1, nextAttempt: 50,
                                                     error: "refused", leaseUntil: 60))
            #expect(try WebhookSubscriptions.deadLetter(session, id: first.id, owner: "x", position: 2, event: 3, attempts: 5,
                                                         error: "gone", at: epoch, leaseUntil: 70))
            try WebhookSubscriptions.release(session, id: first.id, owner: "x")
            _ = try WebhookSubscriptions.replay(session, subscription: nil, from: try WebhookSubscriptions.replayStart(session, since: day("2025-02-28")))
        }
        return try store.database.read { session in
            lines += try TaskLedger.tasks(session, .init()).map(\.json)
            lines += try TaskLedger.tasks(session, .init(statuses: [.acknowledged], policySet: "agents", limit: 1)).map(\.json)
            lines += try TaskLedger.activeTask(session, policySet: "agents", partnerID: "T-1", alert: try #require(try TaskLedger.task(session, id: 1)).alert)
                .map { [$0.json] } ?? ["no active task"]
            lines += try TaskLedger.acknowledgedSteps(session, policySet: "agents", partnerID: "T-1", asOf: day("2025-02-28")).map { "\($0)" }
            lines += try TaskLedger.facts(session, asOf: day("2025-02-28")).map { "\($0.task.id) \($0.program) \(String(describing: $0.alertResolved))" }
            lines += try Outbox.events(session, after: 0, types: nil, limit: 1000).map(\.body)
            lines += try Outbox.events(session, after: 1, types: [.taskClosed, .taskOpened], limit: 2).map(\.body)
            lines.append("last \(try Outbox.lastPosition(session)) first \(String(describing: try Outbox.firstPosition(session, onOrAfter: day("2025-02-01"))))")
            let all = try WebhookSubscriptions.all(session)
            for subscription in all {
                let buffer = JSONBuffer(capacity: 256)
                subscription.write(to: buffer, pending: try WebhookSubscriptions.pending(session, subscription))
                lines.append(buffer.string + " " + subscription.secret)
            }
            lines += try WebhookSubscriptions.deadLetters(session).map { "\($0)" }
            lines += try IncentiveLedger.lines(session, .init()).map { "\($0.id) \($0.amount)" }
            lines += try IncentiveLedger.costs(session, since: day("2024-01-01"), asOf: day("2025-12-31")).map { "\($0)" }
            #expect(all.count == 2)
            return lines
        }
    }

    @Test("people's task actions, the outbox and webhook subscriptions with their leases give the same results on both engines")
    func sameAsSQLite() throws {
        let sqlite = try Self.story(try ledgerStore())
        let (postgres, database) = try postgresLedgerStore()
        defer { withExtendedLifetime(database) {} }
        #expect(postgres.engine == .postgresql)
        #expect(try Self.story(postgres) == sqlite)
        #expect(sqlite.contains { $0.contains("\"status\":\"acknowledged\"") } && sqlite.count > 20, "\(sqlite)")
    }
}
