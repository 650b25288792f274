import Dispatch
import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import TestSupport
import Testing
@testable import ProgramEvaluation

/// The outbox with several writers at once on PostgreSQL: an id becomes
/// visible only after every lower id that will ever commit has (a run's
/// staged events are covered with the service, `WebhookOrderTests`).
@Suite("The outbox on PostgreSQL: ids visible in id order; a run's events staged until its end",
       .enabled(if: TestPostgres.enabled, "set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does)"))
struct PostgresOutboxOrderTests {
    /// One event in a write transaction of its own.
    static func append(_ store: PartnerStore, _ type: WebhookEventType, during: () -> Void = {}) throws {
        try store.database.write { session in
            try Outbox.append(session, type, day: day("2025-02-01"), policySet: nil, partnerID: "A-1", data: "{}")
            during()
        }
    }

    @Test("a short writer (an ingest, a task action) commits its event only after an earlier writer's open event: a reader never sees the higher id first")
    func shortWritersInOrder() throws {
        let (store, database) = try postgresLedgerStore()
        defer { withExtendedLifetime(database) {} }
        try subscribe(store)
        nonisolated(unsafe) let shared = store
        let appended = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let firstDone = DispatchSemaphore(value: 0), secondDone = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failures: [any Error] = []
        Thread {
            do { try Self.append(shared, .taskAcknowledged) { appended.signal(); release.wait() } } catch { failures.append(error) }
            firstDone.signal()
        }.start()
        appended.wait()   // the first writer's event is inserted, its transaction open
        Thread {
            do { try Self.append(shared, .activityIngested) } catch { failures.append(error) }
            secondDone.signal()
        }.start()
        let waited = secondDone.wait(timeout: .now() + 1.5)
        #expect(waited == .timedOut, "the second writer committed while a lower id was still open")
        let meanwhile = try store.database.read { try Outbox.events($0, after: 0, types: nil, limit: 10) }
        #expect(meanwhile.isEmpty, "visible while a lower id is open: \(meanwhile.map(\.eventID))")
        release.signal()
        #expect(firstDone.wait(timeout: .now() + 60) == .success)
        if waited == .timedOut { #expect(secondDone.wait(timeout: .now() + 60) == .success) }
        #expect(failures.isEmpty, "\(failures)")
        let events = try store.database.read { try Outbox.events($0, after: 0, types: nil, limit: 10) }
        #expect(events.map(\.type) == [.taskAcknowledged, .activityIngested])
        #expect(events.map(\.id) == [1, 2])
    }

    @Test("writers on several connections at once, each pausing between its insert and its commit, and a reader that moves its position as a deliverer does: it reads every event once")
    func concurrentWritersAndAReader() throws {
        let (store, database) = try postgresLedgerStore()
        defer { withExtendedLifetime(database) {} }
        try subscribe(store)
        nonisolated(unsafe) let shared = store
        let writers = 4, eventsEach = 25
        let lock = NSLock()
        nonisolated(unsafe) var failures: [any Error] = [], writing = writers
        let done = DispatchSemaphore(value: 0)
        for writer in 0..<writers {
            Thread {
                // A fixed pause per event (0 to 4 ms), different from writer to writer.
                for i in 0..<eventsEach {
                    do {
                        try Self.append(shared, .activityIngested) { usleep(UInt32((writer * 7 + i * 3) % 5) * 1000) }
                    } catch {
                        lock.withLock { failures.append(error) }
                    }
                }
                lock.withLock { writing -= 1 }
                done.signal()
            }.start()
        }
        var position: Int64 = 0, read: [Int64] = []
        while true {
            let finished = lock.withLock { writing == 0 }
            let events = try store.database.read { try Outbox.events($0, after: position, types: nil, limit: 1000) }
            read += events.map(\.id)
            position = events.last?.id ?? position
            if finished, events.isEmpty { break }
        }
        for _ in 0..<writers { done.wait() }
        #expect(failures.isEmpty, "\(failures)")
        let all = try store.database.read { try Outbox.events($0, after: 0, types: nil, limit: 1000) }.map(\.id)
        #expect(all.count == writers * eventsEach)
        #expect(read == all, "the reader passed \(all.count - read.count) events that committed below its position")
    }

    /// The agents program and 120 partners more (a run's events fill the
    /// staging table's batches before its last partner).
    static func program(_ store: PartnerStore) throws {
        try fill(store)
        try store.upsertPartners((1...120).map { partner(String(format: "B-%03d", $0)) })
    }

    @Test("a run failing after it staged its events leaves no outbox row, takes no outbox id and leaves nothing staged: the next runs' events are numbered from 1, as on SQLite")
    func failedRunStagesNothing() throws {
        let (postgres, database) = try postgresLedgerStore()
        defer { withExtendedLifetime(database) {} }
        let sqlite = try ledgerStore()
        for store in [postgres, sqlite] {
            try Self.program(store)
            try subscribe(store)
        }
        let broken = agentsPolicy.replacingOccurrences(
            of: "ps.tier \"Authorized\" { benefits = { commission = 0.08 } },",
            with: "ps.tier \"Authorized\" { entry = { ps.check('boom', function(p) if p.id == 'B-120' then error('bad ' .. p.id) end return true end) } },")
        let brokenFolder = try PolicyFolder(broken), folder = try PolicyFolder(agentsPolicy)
        var failing = ProgramRun(store: postgres, policySet: try brokenFolder.load(), jobs: 1)
        failing.batchSize = 8
        failing.ledgerWrites = .batched(rows: 1)   // each staged row sent at once
        var staged = 0
        #expect { try failing.evaluate(asOf: day("2025-01-31"), dryRun: false) { _ in staged += 1 } } throws: {
            String(describing: $0).contains("B-120")
        }
        #expect(staged > 100, "the run got far")
        #expect(try postgres.database.read { try Outbox.lastPosition($0) } == 0)
        for store in [postgres, sqlite] {
            for asOf in ["2025-01-31", "2025-02-28"] {
                try ProgramRun(store: store, policySet: try folder.load(), jobs: 1).evaluate(asOf: day(asOf), dryRun: false)
            }
        }
        let events = try [postgres, sqlite].map { store in
            try store.database.read { try Outbox.events($0, after: 0, types: nil, limit: 10_000) }
        }
        #expect(events[0].count > 120)
        // Not the data: the failed run took run, alert and task ids on PostgreSQL (gaps, as a rolled-back insert leaves).
        let lines = events.map { $0.map { "\($0.eventID) \($0.type) \($0.day) \($0.partnerID ?? "-")" } }
        #expect(lines[0] == lines[1])
        #expect(events[0].map(\.id) == Array(1...Int64(events[0].count)), "no id taken by the failed run")
    }

    @Test("runs of several sets in one transaction (--all-or-nothing) publish their events in run order, as on SQLite")
    func recordAllInRunOrder() throws {
        let (postgres, database) = try postgresLedgerStore()
        defer { withExtendedLifetime(database) {} }
        let sqlite = try ledgerStore()
        let folder = try PolicyFolder(name: "agents", files: [
            "agents/agents.lua": agentsPolicy,
            "others/others.lua": agentsPolicy.replacingOccurrences(of: "programs = { \"agents\" }", with: "programs = { \"other\" }"),
        ])
        var bodies: [[String]] = []
        for store in [postgres, sqlite] {
            try Self.program(store)
            try subscribe(store)
            let runs = try ["others", "agents"].map { ProgramRun(store: store, policySet: try PolicySet(directory: folder.set($0))) }
            try ProgramRun.recordAll(runs, asOf: day("2025-01-31")) { _, record in try record(nil) { _ in } }
            bodies.append(try store.database.read { try Outbox.events($0, after: 0, types: nil, limit: 10_000) }.map(\.body))
        }
        #expect(bodies[0].count > 120)
        #expect(bodies[0] == bodies[1])
        #expect(bodies[0].first?.contains(#""policy_set":"others""#) == true, "the first run's events first")
    }
}
