import Dispatch
import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

/// One evaluation of a policy set's programs as of a day: snapshots from the
/// store, the policy applied to each partner, and the results written to the
/// ledger in one transaction (nothing at all with `dryRun`, or when any
/// partner's evaluation fails), on SQLite or PostgreSQL.
///
/// ```swift
/// let run = ProgramRun(store: store, policySet: try PolicySet(directory: telecom))
/// let summary = try run.evaluate(asOf: try Day(parsing: "2026-10-31"), dryRun: false) { evaluation in
///     print(evaluation.partnerID, evaluation.tier ?? "-")
/// }
/// ```
public struct ProgramRun {
    public let store: PartnerStore
    public let policySet: PolicySet
    /// Workers evaluating partners in parallel, each with its own Lua state
    /// (default: every core). Results are written in partner id order, so the
    /// output is identical whatever the number.
    public var jobs: Int

    /// Whether a first recorded run may start a history of its own for
    /// programs whose partners already have one under another set name (a
    /// copy of a set in a folder with another name). Off by default: such a
    /// run would carry over no tiers, reviews or alerts, so it must be asked
    /// for by name.
    public var startsSeparateHistory = false

    /// Dry runs only: evaluate tiers as if the cadence made them due today
    /// (a preview of the next due evaluation on today's data).
    public var tiersAsIfDue = false

    public init(store: PartnerStore, policySet: PolicySet, jobs: Int? = nil) {
        self.store = store
        self.policySet = policySet
        self.jobs = max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    public enum Failure: Error, CustomStringConvertible {
        case notForward(set: String, asOf: Day, last: Day)
        case unknownPartners([String])
        case policyChanged(set: String)
        /// A first recorded run of `set` (loaded from `path`) for programs
        /// that already have a history under other set names.
        case separateHistory(set: String, path: String, others: [(set: String, last: Day)])

        public var description: String {
            switch self {
            case .notForward(let set, let asOf, let last):
                "policy set '\(set)' was last evaluated as of \(last); evaluations move forward in time, so as of \(asOf) "
                    + "can only be previewed with --dry-run"
            case .unknownPartners(let ids):
                "no partner with id \(ids.joined(separator: ", ")) in the programs of this policy set"
            case .policyChanged(let set):
                "the files of policy set '\(set)' changed while the run was starting; run it again"
            case .separateHistory(let set, let path, let others):
                "the partners of \(path)'s programs already have a history under policy set "
                    + others.map { "'\($0.set)' (last evaluated \($0.last))" }.joined(separator: ", ")
                    + "; recording under '\(set)' (the folder's name) would start a second one with no tiers, reviews or alerts "
                    + "carried over. To continue that history with this version, pass --set-name \(others[0].set); "
                    + "to start a separate one on purpose, --set-name \(set)"
            }
        }
    }

    /// Partners per batch handed to the workers (smaller in tests, to cross batch boundaries).
    var batchSize = 1024

    /// How the ledger's rows are written (nil: the engine's way, ``LedgerWrites/default(for:)``;
    /// tests write SQLite both ways and compare).
    var ledgerWrites: LedgerWrites?

    /// Evaluate every partner of the set's programs (or only `partnerIDs`),
    /// calling `onEvaluation` for each in ascending partner id order.
    @discardableResult
    public func evaluate(asOf: Day, dryRun: Bool, partnerIDs: [String]? = nil, progress: Progress? = nil,
                         onEvaluation: (PartnerEvaluation) throws -> Void = { _ in }) throws -> RunSummary {
        if let postgres = store.postgres {
            return try Self.onPostgres(postgres, sets: [policySet.name], dryRun: dryRun) { session in
                try run(in: session, asOf: asOf, dryRun: dryRun, partnerIDs: partnerIDs, progress: progress, onEvaluation: onEvaluation)
            }
        }
        if dryRun {
            return try store.writer.read { db in
                try run(in: GRDBSession(db), asOf: asOf, dryRun: true, partnerIDs: partnerIDs, progress: progress, onEvaluation: onEvaluation)
            }
        }
        // A whole program's run: the disk writes the ledger rows as they
        // come, not all at the commit's checkpoint (a few named partners
        // write too little to be worth a thread).
        let writeback = partnerIDs == nil ? EarlyWriteback(for: store) : nil
        defer { writeback?.stop() }
        // A run that filled the disk gives the WAL's space back.
        return try store.reclaimingSpaceOnFailure {
            try store.writer.write { db in
                try run(in: GRDBSession(db), asOf: asOf, dryRun: false, partnerIDs: partnerIDs, progress: progress, onEvaluation: onEvaluation)
            }
        }
    }

    /// Records one set's run inside a transaction ``recordAll(_:asOf:partnerIDs:_:)`` shares.
    public typealias Recording = (_ progress: Progress?, _ onEvaluation: (PartnerEvaluation) throws -> Void) throws -> RunSummary

    /// Recorded runs of several sets (of one store) as of one day in ONE
    /// transaction: every set's decisions are written, or none
    /// (`evaluate --all-or-nothing`). `each` is called for each run in turn,
    /// with the function that records it.
    public static func recordAll(_ runs: [ProgramRun], asOf: Day, partnerIDs: [String]? = nil,
                                 _ each: (ProgramRun, Recording) throws -> Void) throws {
        guard let store = runs.first?.store else { return }
        if let postgres = store.postgres {
            try onPostgres(postgres, sets: runs.map(\.policySet.name), dryRun: false) { session in
                for run in runs {
                    try each(run) { progress, onEvaluation in
                        try run.run(in: session, asOf: asOf, dryRun: false, partnerIDs: partnerIDs, progress: progress,
                                    onEvaluation: onEvaluation)
                    }
                }
            }
            return
        }
        let writeback = partnerIDs == nil ? EarlyWriteback(for: store) : nil
        defer { writeback?.stop() }
        try store.reclaimingSpaceOnFailure {
            try store.writer.write { db in
                for run in runs {
                    try each(run) { progress, onEvaluation in
                        try run.run(in: GRDBSession(db), asOf: asOf, dryRun: false, partnerIDs: partnerIDs, progress: progress,
                                    onEvaluation: onEvaluation)
                    }
                }
            }
        }
    }

    /// `body` in ONE transaction on one PostgreSQL connection: read-only
    /// for a dry run; otherwise holding each set's advisory lock
    /// (``runLockKey(_:)``, taken in name order so runs of several sets
    /// cannot deadlock) until it commits, so two runs of one set never
    /// interleave — the second waits, then sees the first's ledger — while
    /// ingest goes on (no table is locked). Anything thrown rolls it all back.
    /// The transaction is READ COMMITTED: a REPEATABLE READ one would take
    /// its snapshot before the lock is granted, and miss a run committed
    /// while it waited.
    static func onPostgres<T>(_ postgres: PostgresDatabase, sets: [String], dryRun: Bool,
                              _ body: (any SQLSession) throws -> T) throws -> T {
        if dryRun { return try postgres.read(body) }
        return try postgres.writeSession { session in
            for name in Set(sets).sorted() { try PostgresAdvisoryLock.holdUntilCommit(session, key: runLockKey(name)) }
            let result = try body(session)
            // Last, just before the commit: the run's events take their outbox ids (``Outbox/publishStaged(_:)``).
            try Outbox.publishStaged(session)
            return result
        }
    }

    /// The advisory lock key of a set's recorded runs on PostgreSQL: the
    /// 64-bit FNV-1a hash of "partnerscore run " and the set's name
    /// (``PostgresAdvisoryLock/key(_:)``), the same in every process of a fleet.
    public static func runLockKey(_ policySet: String) -> Int64 {
        PostgresAdvisoryLock.key("run \(policySet)")
    }

    /// The run on `session`, inside the caller's transaction (a read transaction for a dry run).
    private func run(in session: any SQLSession, asOf: Day, dryRun: Bool, partnerIDs: [String]?, progress: Progress?,
                     onEvaluation: (PartnerEvaluation) throws -> Void) throws -> RunSummary {
        let workers = WorkerPool(try evaluators(count: partnerIDs.map { $0.count > 64 ? jobs : 1 } ?? jobs))
        let stop = RunStop(workers)
        defer { stop.finish() }
        let programs = policySet.programs
        // Snapshots a batch at a time: each batch reaches the workers (and
        // then the writer) as soon as it is computed. Larger chunks leave
        // the other stages waiting while the reader computes several.
        let calculator = SnapshotCalculator(store: store, chunkSize: batchSize, measures: policySet.measures)

        var summary = RunSummary(policySet: policySet.name, asOf: asOf, contentHash: policySet.contentHash, dryRun: dryRun)

        do {
            var ledger = Ledger(session: session, policySet: policySet.name, writes: ledgerWrites)
            if !dryRun {
                let last = try ledger.lastEvaluation()
                if let last, asOf <= last { throw Failure.notForward(set: policySet.name, asOf: asOf, last: last) }
                if last == nil, !startsSeparateHistory {
                    let others = try ledger.otherHistories(programs: programs)
                    if !others.isEmpty { throw Failure.separateHistory(set: policySet.name, path: policySet.displayPath, others: others) }
                }
            }
            var numbers: [String: Int64]
            if let partnerIDs {
                // A few partners (explain, the service): read only theirs.
                numbers = try ledger.partnerNumbers(ids: partnerIDs, programs: programs)
                let missing = partnerIDs.filter { numbers[$0] == nil }
                if !missing.isEmpty { throw Failure.unknownPartners(missing) }
            } else {
                numbers = try ledger.partnerNumbers(programs: programs)
            }
            let texts = dryRun ? [:] : DecisionTexts.of(policySet)
            if !dryRun {
                var menus: [String: [InterventionStep]] = [:]
                for policy in policySet.policies { for program in policy.programs { menus[program] = policy.interventions } }
                try ledger.beginRun(asOf: asOf, contentHash: policySet.contentHash, texts: texts, menus: menus)
            }
            progress?.start(total: numbers.count)
            func record(_ done: BatchInFlight) throws {
                let results = try done.results()
                if !dryRun {
                    try ledger.loadOpenAlerts(numbers: done.batch.map(\.number))
                    if ledger.writes != .prepared {
                        try ledger.reserveIDs(for: results.indices.compactMap {
                            results[$0].rows == nil ? nil : (results[$0].evaluation, done.batch[$0].number)
                        })
                    }
                }
                // By index: no copy of each result and snapshot (and a retain of everything in them).
                for i in results.indices {
                    summary.add(results[i].evaluation)
                    if let rows = results[i].rows {
                        try ledger.record(results[i].evaluation, rows: rows, partnerNumber: done.batch[i].number,
                                          cam: done.batch[i].snapshot.partner.channelAccountManager)
                    }
                    try onEvaluation(results[i].evaluation)
                    progress?.advance()
                }
            }
            let producer = BatchProducer(calculator: calculator, asOf: asOf, programs: programs, partnerIDs: partnerIDs,
                                         policySet: policySet.name, numbers: numbers, workers: workers, stop: stop,
                                         prepareRows: ledger.runID != nil, texts: texts,
                                         batchSize: batchSize, tiersAsIfDue: dryRun && tiersAsIfDue,
                                         readsAcknowledged: policySet.pausesEscalation,
                                         hasIncentives: policySet.policies.contains { $0.incentives != nil })
            if !dryRun, partnerIDs == nil, store.engine == .sqlite, let pool = store.writer as? DatabasePool {
                // Three stages on their own threads: a reader computes
                // snapshots, the workers evaluate and encode them, and this
                // connection writes the results. The reader's transaction
                // starts while this one holds the write lock (taken by
                // beginRun), so both see the same committed data.
                try Self.pipelined(producer, record: record) { read in try pool.read { try read(GRDBSession($0)) } }
            } else if !dryRun, partnerIDs == nil, let postgres = store.postgres, let writer = session as? PostgresSession {
                // The same on PostgreSQL: the reader's connection shares this
                // transaction's snapshot, taken after the run's lock.
                let snapshot = try writer.exportSnapshot()
                try Self.pipelined(producer, record: record) { read in try postgres.read(inSnapshot: snapshot, read) }
            } else {
                // One connection: the workers evaluate a batch while this
                // thread reads the next one's snapshots and writes the last one's results.
                try producer.run(in: session, deliver: record)
            }
            progress?.finish()
            if !dryRun { try ledger.finishRun(summary: summary) }
            summary.runID = ledger.runID
        }
        return summary
    }

    /// Run `producer` on a reader connection (`reading` opens its read
    /// transaction), on its own thread, and `record` its batches here as
    /// they complete, in order.
    static func pipelined(_ producer: BatchProducer, record: (BatchInFlight) throws -> Void,
                          reading: @escaping @Sendable (_ read: (any SQLSession) throws -> Void) throws -> Void) throws {
        // Room for a few batches: the writer is the slowest stage, and it
        // keeps writing while the reader computes the next ones. If
        // recording fails, the reader stops at its next batch.
        try Pipeline.run(capacity: 8, produce: { put in
            try reading { session in
                try producer.run(in: session) { batch in
                    guard put(batch) else { throw CancellationError() }
                }
            }
        }, consume: record)
    }

    /// Lua runs on worker threads: give them a main thread's stack.
    static let workerStackSize = 8 << 20

    struct Pending {
        var snapshot: PartnerSnapshot
        var number: Int64
        var state: PartnerProgramState
        /// The partner's acknowledged tasks, when a step of the set pauses escalation.
        var acknowledged: [AcknowledgedStep] = []
        /// What the incentive ledger holds of the periods holding the day, by rule name.
        var incentivePriors: [String: IncentiveLedger.Prior] = [:]
    }

    struct Result {
        var evaluation: PartnerEvaluation
        /// The ledger rows, prepared by the worker (nil when nothing is written).
        var rows: Ledger.PreparedRows?
    }

    /// One evaluator per worker: the set itself, then fresh copies compiled
    /// from the same folder (a PolicySet's Lua state is never shared between threads).
    func evaluators(count: Int) throws -> [PartnerEvaluator] {
        var sets = [policySet]
        while sets.count < count {
            let copy = try policySet.loadCopy()
            guard copy.contentHash == policySet.contentHash else { throw Failure.policyChanged(set: policySet.name) }
            sets.append(copy)
        }
        return sets.map { PartnerEvaluator(policySet: $0) }
    }
}

/// Computes snapshots in partner id order and hands them, a batch at a
/// time, to the workers; each batch goes to `deliver` once evaluated. The
/// workers evaluate one batch while the next one's snapshots are computed.
struct BatchProducer: @unchecked Sendable {
    let calculator: SnapshotCalculator
    let asOf: Day
    let programs: [String]
    let partnerIDs: [String]?
    let policySet: String
    let numbers: [String: Int64]
    let workers: WorkerPool
    let stop: RunStop
    /// Whether the workers prepare ledger rows (not for a dry run: nothing is encoded).
    let prepareRows: Bool
    /// The texts the run's decisions refer to, by policy content hash.
    let texts: [String: DecisionTexts]
    let batchSize: Int
    /// Forget when tiers were last due, so they are due now (``ProgramRun/tiersAsIfDue``).
    var tiersAsIfDue = false
    /// Whether to read the partners' acknowledged tasks (only a set whose menu has a `pause` needs them).
    var readsAcknowledged = false
    /// Whether some policy of the set declares incentives (then the ledger's priors are read per batch).
    var hasIncentives = false

    func run(in session: any SQLSession, deliver: (BatchInFlight) throws -> Void) throws {
        var batch: [ProgramRun.Pending] = []
        batch.reserveCapacity(batchSize)
        var running: BatchInFlight?
        var submitted = 0   // the run position of the next batch's first partner
        defer {
            // On the way out of an error: stop the workers, then wait for them to return.
            if let running {
                stop.stopAll()
                running.wait()
            }
        }
        func submit() throws {
            guard !batch.isEmpty else { return }
            // What the ledger remembers of these partners, read on this
            // connection: before the run's writes in a pipeline (the reader's
            // snapshot), or before this batch is recorded on one connection.
            let states = try Ledger.states(session, policySet: policySet, numbers: batch.map(\.number))
            if !states.isEmpty {
                for i in batch.indices { if let state = states[batch[i].number] { batch[i].state = state } }
            }
            if tiersAsIfDue { for i in batch.indices { batch[i].state.lastTierEvaluation = nil } }
            if readsAcknowledged {
                let acknowledged = try TaskLedger.acknowledgedSteps(session, policySet: policySet, numbers: batch.map(\.number), asOf: asOf)
                for i in batch.indices { if let steps = acknowledged[batch[i].number] { batch[i].acknowledged = steps } }
            }
            if hasIncentives {
                let priors = try IncentiveLedger.priors(session, policySet: policySet, numbers: batch.map(\.number), asOf: asOf)
                if !priors.isEmpty {
                    for i in batch.indices { if let p = priors[batch[i].number] { batch[i].incentivePriors = p } }
                }
            }
            running?.wait()   // a worker's Lua state serves one batch at a time
            if stop.isStopped, let failed = running {
                // A partner failed: hand over its batch (it names the failure) and compute no more.
                running = nil
                try deliver(failed)
                throw RunStop.Stopped()
            }
            let finished = running
            running = BatchInFlight(batch, base: submitted, workers: workers, stop: stop, prepareRows: prepareRows, texts: texts)
            submitted += batch.count
            batch = []
            batch.reserveCapacity(batchSize)
            if let finished { try deliver(finished) }
        }
        try calculator.forEachSnapshot(in: session, asOf: asOf, programs: programs, partnerIDs: partnerIDs) { snapshot in
            if snapshot.partner.status == .terminated { return }
            guard let number = numbers[snapshot.partner.id] else { return }
            // The initial state until submit() reads the remembered ones.
            batch.append(ProgramRun.Pending(snapshot: snapshot, number: number, state: PartnerProgramState.initial(for: snapshot.partner)))
            if batch.count == batchSize { try submit() }
        }
        try submit()
        if let last = running {
            last.wait()
            running = nil
            try deliver(last)
        }
    }
}

/// One batch being evaluated (and encoded) on the workers in the background.
/// Worker `w` of `n` takes the `w`th of `n` contiguous parts of the batch
/// (neighbouring partners' snapshots and result slots share cache lines,
/// which two cores would pass back and forth). Results come back in input
/// order, and a failure reports the first failing partner in id order,
/// whatever the scheduling, so errors are as reproducible as results: after
/// a failure the workers skip (and cancel) only the partners after it (``RunStop``).
struct BatchInFlight {
    let batch: [ProgramRun.Pending]
    private let slots: Slots<ProgramRun.Result>
    private let group = DispatchGroup()

    /// `base`: the run position of the batch's first partner.
    init(_ batch: [ProgramRun.Pending], base: Int, workers pool: WorkerPool, stop: RunStop, prepareRows: Bool,
         texts: [String: DecisionTexts]) {
        self.batch = batch
        let count = batch.count
        let slots = Slots<ProgramRun.Result>(count: count)
        self.slots = slots
        // Small batches are not worth waking the other workers for.
        let workerCount = count < 64 ? 1 : pool.evaluators.count
        let group = group
        for worker in 0..<workerCount {
            group.enter()
            // Threads of their own, not Dispatch's pool: its width is the
            // number of cores, and the reader and writer already hold threads.
            let thread = Thread {
                defer { group.leave() }
                // Reused for every partner of the batch; none in a dry run, which encodes nothing.
                let json = prepareRows ? JSONBuffer(capacity: 16_384) : nil
                defer { stop.end(worker: worker) }
                for index in (count * worker / workerCount)..<(count * (worker + 1) / workerCount) {
                    guard stop.begin(worker: worker, position: base + index) else {
                        slots.set(index, .failure(RunStop.Stopped()))   // after the failure: never read
                        continue
                    }
                    let pending = batch[index]
                    do {
                        let (evaluation, next) = try pool.evaluators[worker].evaluate(pending.snapshot, state: pending.state,
                                                                                      acknowledged: pending.acknowledged)
                        var postings: [IncentiveLedger.Row] = []
                        var currency = ""
                        if !evaluation.incentives.isEmpty, let plan = pool.evaluators[worker].policySet.policy(forProgram: evaluation.program)?.incentives {
                            postings = IncentiveLedger.post(evaluation.incentives, rules: plan.rules, priors: pending.incentivePriors)
                            currency = plan.currency
                        }
                        var rows = json.map {
                            Ledger.PreparedRows(evaluation, state: next, json: $0, texts: texts[evaluation.policy.contentHash])
                        }
                        rows?.incentives = postings
                        rows?.currency = currency
                        slots.set(index, .success(ProgramRun.Result(evaluation: evaluation, rows: rows)))
                    } catch {
                        slots.set(index, .failure(error))
                        // A cancelled call is a partner after a failure, never the failure itself.
                        if (error as? PartnerEvaluator.Failure)?.isCancellation != true { stop.failed(at: base + index) }
                    }
                }
            }
            thread.stackSize = ProgramRun.workerStackSize
            thread.start()
        }
    }

    func wait() { group.wait() }

    /// Wait for the batch; its results in input order, or the first failure.
    func results() throws -> [ProgramRun.Result] {
        group.wait()
        return try slots.values()
    }
}

/// The evaluators of a run. Worker `i` only ever uses `evaluators[i]`, so no
/// Lua state is touched by two threads.
final class WorkerPool: @unchecked Sendable {
    let evaluators: [PartnerEvaluator]
    init(_ evaluators: [PartnerEvaluator]) { self.evaluators = evaluators }
}

/// Results written by several workers into distinct positions.
///
/// The slots are one allocation that workers write through a pointer. An
/// array property would be mutated by several threads at once: a data race,
/// which debug builds lose writes to (each thread copies the array, sets its
/// slot and writes the copy back), crashing on a missing result or a double
/// free.
final class Slots<T>: @unchecked Sendable {
    private let items: UnsafeMutablePointer<Swift.Result<T, any Error>?>
    private let count: Int

    init(count: Int) {
        self.count = count
        items = .allocate(capacity: count)
        items.initialize(repeating: nil, count: count)
    }

    deinit {
        items.deinitialize(count: count)
        items.deallocate()
    }

    /// Each index is written by exactly one worker; reads happen after all have finished.
    func set(_ index: Int, _ value: Swift.Result<T, any Error>) {
        precondition(index >= 0 && index < count, "slot \(index) of \(count)")
        items[index] = value
    }

    /// The values in order, or the first failure. Call once: the values are moved out, not copied.
    func values() throws -> [T] {
        var values: [T] = []
        values.reserveCapacity(count)
        for i in 0..<count { values.append(try items[i].take()!.get()) }
        return values
    }
}

/// Progress on a terminal: a count on stderr, only when stderr is a TTY.
public final class Progress: @unchecked Sendable {
    private let label: String
    private var total = 0
    private var done = 0
    private var lastPrinted = 0
    private let enabled: Bool

    public init(label: String) {
        self.label = label
        enabled = isatty(2) != 0
    }

    func start(total: Int) {
        self.total = total
        done = 0
    }

    func advance() {
        done += 1
        guard enabled, done - lastPrinted >= 5_000 else { return }
        lastPrinted = done
        let percent = total > 0 ? done * 100 / total : 0
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(TextFormat.count(total, "partner")) (\(percent)%)".utf8))
    }

    func finish() {
        guard enabled, lastPrinted > 0 else { return }
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(TextFormat.count(total, "partner")) (100%)\n".utf8))
    }
}

extension ProgramRun.Failure: ProblemConvertible {
    /// The fields are the service's request fields (`as_of`, `partner_ids`, `policy_set`).
    public var problem: Problem {
        switch self {
        case .notForward: Problem("not_forward", .conflict, message: description, field: "as_of")
        case .unknownPartners: Problem("unknown_partner", .notFound, message: description, field: "partner_ids")
        case .policyChanged: Problem("policy_changed", .conflict, message: description)
        case .separateHistory: Problem("separate_history", .conflict, message: description, field: "policy_set")
        }
    }
}
