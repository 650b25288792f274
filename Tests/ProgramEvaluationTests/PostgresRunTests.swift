import Dispatch
import Foundation
import TestSupport
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramGenerator
import Testing
@testable import ProgramEvaluation

/// A store on a new database of the test cluster (dropped with the returned value), with the ledger's tables.
func postgresLedgerStore() throws -> (PartnerStore, TestDatabase) {
    let test = try TestStore(.postgresql) { LedgerSchema.register(in: &$0) }
    return (test.store, test.database!)
}

enum RunPostgres {
    /// A generated program of every industry imported into a SQLite store in
    /// memory and a PostgreSQL one (dropped with the returned database), with
    /// every bundled set.
    static func generatedProgram(partners: Int, seed: UInt64) throws
        -> (sets: [PolicySet], sqlite: PartnerStore, postgres: PartnerStore, database: TestDatabase) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ps-pg-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = try ProgramGenerator(options: .init(partners: partners, seed: seed)).write(to: folder)
        let sets = try LedgerWritesTests.setNames.map {
            try PolicySet(directory: LedgerWritesTests.policies.appendingPathComponent($0), displayPath: "Policies/\($0)")
        }
        let kinds = EventKinds(custom: sets.flatMap(\.measures.customKinds))
        let sqlite = try PartnerStore(inMemoryExtendingMigrations: LedgerSchema.register)
        let (postgres, database) = try postgresLedgerStore()
        for store in [sqlite, postgres] {
            try store.importFiles([generated.partnersFile.path, generated.eventsFile.path], kinds: kinds)
        }
        return (sets, sqlite, postgres, database)
    }
}

/// A webhook subscription, so the store's runs write the outbox too.
func subscribe(_ store: PartnerStore) throws {
    try store.database.write { session in
        try session.execute("INSERT INTO webhook_subscription (url, secret, events, created, position) VALUES (?, ?, ?, ?, 0)",
                            ["http://127.0.0.1:9/hook", "ssssssssssssssss", "*", "1970-01-01T00:00:00Z"])
    }
}

@Suite("Runs on PostgreSQL", .enabled(if: TestPostgres.enabled, "set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does)"))
struct PostgresRunTests {
    @Test("every bundled set at three month-ends leaves the same ledger on PostgreSQL as on SQLite, byte for byte")
    func sameLedgerAsSQLite() throws {
        let (sets, sqlite, postgres, database) = try RunPostgres.generatedProgram(partners: 300, seed: 5)
        defer { withExtendedLifetime(database) {} }
        #expect(postgres.engine == .postgresql)
        for store in [sqlite, postgres] { try subscribe(store) }
        for asOf in ["2026-08-31", "2026-09-30", "2026-10-31"] {
            for set in sets {
                var pg = ProgramRun(store: postgres, policySet: set, jobs: 2)
                pg.startsSeparateHistory = true
                pg.batchSize = 100
                let pgSummary = try pg.evaluate(asOf: day(asOf), dryRun: false)
                var lite = ProgramRun(store: sqlite, policySet: set, jobs: 2)
                lite.startsSeparateHistory = true
                lite.batchSize = 100
                let liteSummary = try lite.evaluate(asOf: day(asOf), dryRun: false)
                #expect(pgSummary.partners == liteSummary.partners)
            }
        }
        LedgerWritesTests.expectSame(try LedgerWritesTests.dump(sqlite), try LedgerWritesTests.dump(postgres), names: ("SQLite", "PostgreSQL"))
        // What explain reads back of the ledger: incentive earnings and tasks.
        var earned = 0, tasks = 0
        for set in sets {
            for partner in try sqlite.partners(programs: set.programs).prefix(40) {
                let policy = try #require(set.policy(forProgram: partner.program))
                let a = try IncentiveLedger.earnings(in: sqlite, policySet: set.name, partnerID: partner.id, asOf: day("2026-10-31"),
                                                     policy: policy, tier: partner.tier)
                #expect(try IncentiveLedger.earnings(in: postgres, policySet: set.name, partnerID: partner.id, asOf: day("2026-10-31"),
                                                     policy: policy, tier: partner.tier) == a)
                earned += a.filter { $0.amount != .zero }.count
                let t = try TaskLedger.tasks(in: sqlite, policySet: set.name, partnerID: partner.id)
                #expect(try TaskLedger.tasks(in: postgres, policySet: set.name, partnerID: partner.id) == t)
                tasks += t.count
            }
        }
        #expect(earned > 0 && tasks > 0)
    }

    @Test("two runs of one set never interleave: the second waits for the first's commit, then sees its ledger; ingest and another set's run go on")
    func advisoryLock() throws {
        let (postgres, database) = try postgresLedgerStore()
        defer { withExtendedLifetime(database) {} }
        try fill(postgres)
        // The other set governs the other program: runs of sets sharing partners wait for each other on the partners' tier rows.
        let folder = try PolicyFolder(agentsPolicy), otherFolder = try PolicyFolder(agentsPolicy.replacingOccurrences(of: "programs = { \"agents\" }",
                                                                                                      with: "programs = { \"other\" }"))
        let set = try folder.load()
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let first = ProgramRun(store: postgres, policySet: set)
        nonisolated(unsafe) var firstResult: Result<RunSummary, any Error>?
        let firstDone = DispatchSemaphore(value: 0)
        Thread {
            var waited = false
            firstResult = Result {
                try first.evaluate(asOf: day("2025-01-31"), dryRun: false) { _ in
                    guard !waited else { return }
                    waited = true
                    started.signal()
                    release.wait()   // holding the set's lock, inside the run's transaction
                }
            }
            firstDone.signal()
        }.start()
        started.wait()

        // Meanwhile: ingest is not blocked, and another set's run completes.
        let ingestStart = Date()
        try postgres.database.write { session in
            try session.execute("INSERT INTO event (partnerNumber, day, kind) VALUES (1, ?, 'login')", [.integer(Int64(day("2025-01-20").daysSinceEpoch))])
        }
        #expect(Date().timeIntervalSince(ingestStart) < 5)
        let other = try PolicySet(directory: otherFolder.set, displayPath: "Policies/agents", name: "agents-copy")
        let otherRun = ProgramRun(store: postgres, policySet: other)
        #expect(try otherRun.evaluate(asOf: day("2025-01-31"), dryRun: false).partners == 1)

        // A second run of the same set waits for the first...
        nonisolated(unsafe) let second = ProgramRun(store: postgres, policySet: set)
        nonisolated(unsafe) var secondResult: Result<RunSummary, any Error>?
        let secondDone = DispatchSemaphore(value: 0)
        Thread {
            secondResult = Result { try second.evaluate(asOf: day("2025-01-31"), dryRun: false) }
            secondDone.signal()
        }.start()
        #expect(secondDone.wait(timeout: .now() + 1.5) == .timedOut, "the second run did not wait for the first")
        release.signal()
        #expect(firstDone.wait(timeout: .now() + 60) == .success)
        #expect(secondDone.wait(timeout: .now() + 60) == .success)
        #expect(try firstResult?.get().partners == 3)
        // ...and then sees its run: the same day again is refused.
        #expect(throws: ProgramRun.Failure.self) { try secondResult?.get() }
        let runs = try postgres.database.read { try $0.row("SELECT COUNT(*) FROM evaluation_run")?.int(0) }
        #expect(runs == 2)
    }

    @Test("a run failing on PostgreSQL writes nothing, and can then be repeated")
    func failureRollsBack() throws {
        let (postgres, database) = try postgresLedgerStore()
        defer { withExtendedLifetime(database) {} }
        try fill(postgres)
        let broken = agentsPolicy.replacingOccurrences(
            of: "ps.tier \"Authorized\" { benefits = { commission = 0.08 } },",
            with: "ps.tier \"Authorized\" { entry = { ps.check('boom', function(p) if p.id == 'A-3' then error('bad ' .. p.id) end return true end) } },")
        let brokenFolder = try PolicyFolder(broken), folder = try PolicyFolder(agentsPolicy)
        var run = ProgramRun(store: postgres, policySet: try brokenFolder.load())
        run.batchSize = 1
        #expect { try run.evaluate(asOf: day("2025-02-28"), dryRun: false) } throws: { String(describing: $0).contains("A-3") }
        let written = try postgres.database.read { session in
            try session.row("""
                SELECT (SELECT COUNT(*) FROM decision) + (SELECT COUNT(*) FROM partner_state) + (SELECT COUNT(*) FROM evaluation_run)
                    + (SELECT COUNT(*) FROM alert) + (SELECT COUNT(*) FROM outbox)
                """)?.int(0)
        }
        #expect(written == 0)
        let fixed = ProgramRun(store: postgres, policySet: try folder.load())
        #expect(try fixed.evaluate(asOf: day("2025-02-28"), dryRun: false).partners == 3)
    }

    @Test("a run reads the data its transaction saw after the lock: events committed while it runs are not in it")
    func oneSnapshotPerRun() throws {
        let (postgres, database) = try postgresLedgerStore()
        defer { withExtendedLifetime(database) {} }
        try fill(postgres)
        let folder = try PolicyFolder(agentsPolicy)
        let set = try folder.load()
        let asOf = day("2025-02-28")
        func hashes(_ run: ProgramRun, dryRun: Bool, during: (PartnerEvaluation) throws -> Void = { _ in }) throws -> [String: SnapshotDigest] {
            var hashes: [String: SnapshotDigest] = [:]
            try run.evaluate(asOf: asOf, dryRun: dryRun) { evaluation in
                hashes[evaluation.partnerID] = evaluation.snapshotHash
                try during(evaluation)
            }
            return hashes
        }
        func revenue() throws -> Double? {
            try SnapshotCalculator(store: postgres).snapshots(asOf: asOf, partnerIDs: ["A-3"]).first?[.revenue1m]
        }
        let before = try hashes(ProgramRun(store: postgres, policySet: set), dryRun: true)
        let revenueBefore = try #require(try revenue())
        // One partner a batch: the last partner's snapshot is read after the
        // first partner's decision is delivered, which commits a revenue event
        // of the last partner's on another connection.
        var run = ProgramRun(store: postgres, policySet: set)
        run.batchSize = 1
        let late = ActivityEvent(partnerID: "A-3", date: asOf, kind: .revenue(amount: 5000, currency: "USD", product: "travel"))
        let recorded = try hashes(run, dryRun: false) { evaluation in
            if evaluation.partnerID == "A-1" { try postgres.importEvents([late]) }
        }
        #expect(recorded == before)
        #expect(recorded.count == 3)
        // The event was stored while the run went on.
        #expect(try revenue() == revenueBefore + 5000)
    }

    @Test("what explain and the service read back — a recorded decision, a state, the last run, a sample — is the same on both engines")
    func readsBack() throws {
        let sqlite = try makeStore()
        let (postgres, database) = try postgresLedgerStore()
        defer { withExtendedLifetime(database) {} }
        try fill(postgres)
        let folder = try PolicyFolder(agentsPolicy)
        let set = try folder.load()
        for asOf in ["2025-01-31", "2025-02-28"] {
            try ProgramRun(store: postgres, policySet: set).evaluate(asOf: day(asOf), dryRun: false)
            try ProgramRun(store: sqlite, policySet: set, jobs: 1).evaluate(asOf: day(asOf), dryRun: false)
        }
        for store in [sqlite, postgres] { #expect(try DecisionLog.lastRun(in: store, policySet: "agents") == day("2025-02-28")) }
        for id in ["A-1", "A-2", "A-3"] {
            let recorded = try #require(try DecisionLog.decision(in: postgres, policySet: "agents", partnerID: id, asOf: day("2025-01-31")))
            #expect(recorded.evaluation == (try DecisionLog.decision(in: sqlite, policySet: "agents", partnerID: id, asOf: day("2025-01-31")))?.evaluation)
            #expect(try DecisionLog.state(in: postgres, policySet: "agents", partnerID: id) != nil)
            #expect(try DecisionLog.state(in: postgres, policySet: "agents", partnerID: id) == DecisionLog.state(in: sqlite, policySet: "agents", partnerID: id))
        }
        #expect(try DecisionLog.decision(in: postgres, policySet: "agents", partnerID: "A-1", asOf: day("2025-01-30")) == nil)
        let sample = try #require(try ProgramRun.sample(of: set, in: postgres, size: 2))
        #expect(sample.asOf == day("2025-02-28"))
        #expect(sample.partnerIDs.count == 2)
        #expect(try ProgramRun.sample(of: set, in: sqlite, size: 2).map { [$0.asOf.description] + $0.partnerIDs }
                == [sample.asOf.description] + sample.partnerIDs)
    }
}
