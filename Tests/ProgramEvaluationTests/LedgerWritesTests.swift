import Foundation
import TestSupport
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramGenerator
import Testing
@testable import ProgramEvaluation

/// The ledger's two ways of writing a run (``LedgerWrites``): prepared
/// statements one row at a time (SQLite's) and batched multi-row inserts in
/// portable SQL (PostgreSQL's). Both must leave the same ledger, row for row.
@Suite("Ledger writes")
struct LedgerWritesTests {
    static let policies = BundledPolicies.folder

    /// Every bundled set (Policies/*, but the shared lib).
    static var setNames: [String] { BundledPolicies.setNames }

    /// Every ledger table (and the partner's tier), one line a row, in a fixed order.
    static func dump(_ store: PartnerStore) throws -> [String: [String]] {
        let tables = [
            "evaluation_run": "id", "partner_state": "policySet, partnerNumber", "tier_history": "id", "decision": "id",
            "decision_text": "runId, contentHash", "alert": "id", "task": "id", "outbox": "id", "incentive_line": "id",
            "partner": "number",
        ]
        return try store.database.read { session in
            var dump: [String: [String]] = [:]
            for (table, order) in tables {
                let columns = table == "partner" ? "number, id, tier, tierSince" : "*"
                dump[table] = try session.rows("SELECT \(columns) FROM \(table) ORDER BY \(order)").map { row in
                    row.values.map { "\($0)" }.joined(separator: "|")
                }
            }
            return dump
        }
    }

    /// Expect two dumps to hold the same rows, every kind of ledger row among them (so each is compared).
    static func expectSame(_ expected: [String: [String]], _ actual: [String: [String]], names: (String, String),
                           sourceLocation: SourceLocation = #_sourceLocation) {
        for table in ["evaluation_run", "partner_state", "tier_history", "decision", "decision_text", "alert", "task", "outbox", "incentive_line"] {
            #expect((expected[table]?.count ?? 0) > 0, "no \(table) rows: the comparison would not cover them", sourceLocation: sourceLocation)
        }
        for table in expected.keys.sorted() {
            let a = expected[table]!, b = actual[table] ?? []
            #expect(a.count == b.count, "\(table): \(a.count) rows \(names.0), \(b.count) \(names.1)", sourceLocation: sourceLocation)
            if let i = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) {
                Issue.record("\(table) row \(i) differs:\n \(names.0): \(a[i])\n \(names.1): \(b[i])", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("batched writes leave the same ledger as prepared ones, for every bundled set at three month-ends")
    func sameLedger() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ps-ledger-writes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = try ProgramGenerator(options: .init(partners: 400, seed: 11)).write(to: folder)
        let sets = try Self.setNames.map { try PolicySet(directory: Self.policies.appendingPathComponent($0), displayPath: "Policies/\($0)") }
        #expect(sets.count >= 6)
        let kinds = EventKinds(custom: sets.flatMap(\.measures.customKinds))

        func ledger(_ writes: LedgerWrites, file: Bool) throws -> [String: [String]] {
            let store = file
                ? try PartnerStore(path: folder.appendingPathComponent("\(writes).sqlite").path, extendingMigrations: LedgerSchema.register)
                : try PartnerStore(inMemoryExtendingMigrations: LedgerSchema.register)
            try store.importFiles([generated.partnersFile.path, generated.eventsFile.path], kinds: kinds)
            // A subscription, so the runs write their events to the outbox too.
            try store.database.write { db in
                _ = try WebhookSubscriptions.add(db, url: "http://127.0.0.1:9/hook", secret: String(repeating: "s", count: 16), events: ["*"],
                                                 now: Date(timeIntervalSince1970: 0))
            }
            for asOf in ["2026-08-31", "2026-09-30", "2026-10-31"] {
                for set in sets {
                    var run = ProgramRun(store: store, policySet: set, jobs: 2)
                    run.ledgerWrites = writes
                    run.batchSize = 100
                    run.startsSeparateHistory = true
                    try run.evaluate(asOf: day(asOf), dryRun: false)
                }
            }
            return try Self.dump(store)
        }

        let prepared = try ledger(.prepared, file: false)
        // Batches of 7 rows: most runs fill many and leave a partial one.
        Self.expectSame(prepared, try ledger(.batched(rows: 7), file: false), names: ("prepared", "batched"))
        // A file store reads snapshots on a connection of its own while the run writes (the pipeline).
        // With the engine's batch size.
        #expect(try ledger(.batched(rows: RunStatement.rowsPerBatch), file: true) == prepared)
    }

    @Test("a batched run sends new alerts, their tasks and its updates many rows a statement, not one statement a row")
    func batchedRunStatements() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ps-ledger-statements-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = try ProgramGenerator(options: .init(partners: 400, seed: 11)).write(to: folder)
        let set = try PolicySet(directory: Self.policies.appendingPathComponent("telecom"), displayPath: "Policies/telecom")
        let store = try PartnerStore(inMemoryExtendingMigrations: LedgerSchema.register)
        try store.importFiles([generated.partnersFile.path, generated.eventsFile.path], kinds: EventKinds(custom: set.measures.customKinds))
        final class Statements: @unchecked Sendable {
            let lock = NSLock()
            var sql: [String] = []
            func count(_ prefix: String) -> Int { lock.withLock { sql.filter { $0.hasPrefix(prefix) }.count } }
        }
        let seen = Statements()
        // The run writes on the store's one connection: every statement it sends passes here.
        try store.writer.writeWithoutTransaction { db in
            db.trace(options: .statement) { event in
                let sql = "\(event)".trimmingCharacters(in: .whitespacesAndNewlines)
                seen.lock.withLock { seen.sql.append(sql) }
            }
        }
        func rows(_ table: String, _ condition: String = "1") throws -> Int {
            try store.database.read { try $0.row("SELECT COUNT(*) FROM \(table) WHERE \(condition)")?.int(0) ?? 0 }
        }
        let batch = 10
        func run(_ asOf: String) throws {
            seen.lock.withLock { seen.sql.removeAll() }
            var run = ProgramRun(store: store, policySet: set, jobs: 2)
            run.ledgerWrites = .batched(rows: batch)
            run.batchSize = 100
            try run.evaluate(asOf: day(asOf), dryRun: false)
        }
        // The first run: every alert is new, and so is every task.
        try run("2026-08-31")
        let alerts = try rows("alert"), tasks = try rows("task")
        #expect(alerts >= 5 * batch && tasks >= 5 * batch, "\(alerts) alerts, \(tasks) tasks: too few to tell batches from rows")
        // Alerts go when their batch fills, before each batch of their tasks and at the end; tasks when theirs fills and at the end.
        let alertInserts = seen.count("INSERT INTO alert"), taskInserts = seen.count("INSERT INTO task")
        #expect(alertInserts <= alerts / batch + tasks / batch + 2, "\(alertInserts) inserts of \(alerts) alerts")
        #expect(taskInserts <= tasks / batch + 1, "\(taskInserts) inserts of \(tasks) tasks")
        // Ids reserved once per table and batch of partners (4 batches of 100), not once per row.
        #expect(seen.count("SELECT COALESCE(MAX(id), 0) FROM alert") <= 1)
        // The next month-end: open alerts are seen again or resolved, in batched updates.
        try run("2026-09-30")
        let resolved = try rows("alert", "resolved IS NOT NULL"), updates = seen.count("WITH v(lastSeen") + seen.count("WITH v(resolved")
        #expect(resolved > 0 && updates > 0 && updates <= 2 * (alerts / batch + 2), "\(updates) updates of \(alerts) alerts")
        #expect(seen.count("UPDATE alert") == 0 && seen.count("UPDATE partner") == 0, "an update sent one row at a time")
    }

    @Test("a failure while batched rows are pending writes none of the run")
    func failureRollsBack() throws {
        let store = try makeStore()
        let broken = agentsPolicy.replacingOccurrences(
            of: "ps.tier \"Authorized\" { benefits = { commission = 0.08 } },",
            with: "ps.tier \"Authorized\" { entry = { ps.check('boom', function(p) if p.id == 'A-2' then error('bad ' .. p.id) end return true end) } },")
        let folder = try PolicyFolder(broken)
        var run = ProgramRun(store: store, policySet: try folder.load(), jobs: 1)
        run.ledgerWrites = .batched(rows: 2)
        run.batchSize = 1
        #expect(throws: (any Error).self) { try run.evaluate(asOf: day("2025-02-28"), dryRun: false) }
        let written = try store.database.read { session in
            try session.row("SELECT (SELECT COUNT(*) FROM decision) + (SELECT COUNT(*) FROM partner_state) + (SELECT COUNT(*) FROM evaluation_run)")?
                .int(0)
        }
        #expect(written == 0)
    }

    @Test("a batched insert sends whole batches as they fill and the rest at flush; prepared writes each row at once")
    func batching() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER, x REAL)")
            let session = GRDBSession(db)
            func count() throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t")! }
            let batched = try RunStatement.insert(session, .batched(rows: 4), into: "t", columns: ["name", "n", "x"])
            for i in 1...9 {
                batched.text(1, "row \(i)")
                batched.int(2, i)
                batched.double(3, Double(i) / 4)
                try batched.execute("row \(i)")
                #expect(try count() == i / 4 * 4, "after row \(i)")
            }
            try batched.flush()
            #expect(try count() == 9)
            let prepared = try RunStatement.insert(session, .prepared, into: "t", columns: ["name", "n", "x"])
            prepared.text(1, nil)
            prepared.int32(2, nil)
            prepared.double(3, 0.1)
            try prepared.execute("row 10")
            #expect(try count() == 10)
            let rows = try String.fetchAll(db, sql: "SELECT COALESCE(name, '-') || ' ' || COALESCE(n, '-') || ' ' || x FROM t ORDER BY id")
            #expect(rows.first == "row 1 1 0.25")
            #expect(rows.last == "- - 0.1")
        }
    }
}
