import Dispatch
import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

/// One evaluation of a policy set's programs as of a day: snapshots from the
/// store, the policy applied to each partner, and the results written to the
/// ledger in one transaction (nothing at all with `dryRun`, or when any
/// partner's evaluation fails).
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

    public init(store: PartnerStore, policySet: PolicySet, jobs: Int? = nil) {
        self.store = store
        self.policySet = policySet
        self.jobs = max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    public enum Failure: Error, CustomStringConvertible {
        case notForward(set: String, asOf: Day, last: Day)
        case unknownPartners([String])
        case policyChanged(set: String)

        public var description: String {
            switch self {
            case .notForward(let set, let asOf, let last):
                "policy set '\(set)' was last evaluated as of \(last); evaluations move forward in time, so as of \(asOf) "
                    + "can only be previewed with --dry-run"
            case .unknownPartners(let ids):
                "no partner with id \(ids.joined(separator: ", ")) in the programs of this policy set"
            case .policyChanged(let set):
                "the files of policy set '\(set)' changed while the run was starting; run it again"
            }
        }
    }

    static let batchSize = 2048

    /// Evaluate every partner of the set's programs (or only `partnerIDs`),
    /// calling `onEvaluation` for each in ascending partner id order.
    @discardableResult
    public func evaluate(asOf: Day, dryRun: Bool, partnerIDs: [String]? = nil, progress: Progress? = nil,
                         onEvaluation: (PartnerEvaluation) throws -> Void = { _ in }) throws -> RunSummary {
        let workers = try evaluators(count: partnerIDs.map { $0.count > 64 ? jobs : 1 } ?? jobs)
        let programs = policySet.programs
        let calculator = SnapshotCalculator(store: store)
        var summary = RunSummary(policySet: policySet.name, asOf: asOf, contentHash: policySet.contentHash, dryRun: dryRun)

        let body = { (db: Database) throws -> Void in
            var ledger = try Ledger(db: db, policySet: policySet.name)
            if !dryRun, let last = try ledger.lastEvaluation(), asOf <= last {
                throw Failure.notForward(set: policySet.name, asOf: asOf, last: last)
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
            if !dryRun { try ledger.beginRun(asOf: asOf, contentHash: policySet.contentHash) }
            let states = try ledger.states(numbers: partnerIDs == nil ? nil : Array(numbers.values))
            progress?.start(total: numbers.count)
            var batch: [Pending] = []
            batch.reserveCapacity(Self.batchSize)
            func flush() throws {
                let results = try Self.evaluate(batch, workers: workers, encode: !dryRun)
                for (pending, result) in zip(batch, results) {
                    summary.add(result.evaluation)
                    if !dryRun {
                        try ledger.record(result.evaluation, state: result.state, stateText: result.stateText,
                                          detail: result.detail, partnerNumber: pending.number)
                    }
                    try onEvaluation(result.evaluation)
                    progress?.advance()
                }
                batch.removeAll(keepingCapacity: true)
            }
            try calculator.forEachSnapshot(in: db, asOf: asOf, programs: programs, partnerIDs: partnerIDs) { snapshot in
                if snapshot.partner.status == .terminated { return }
                guard let number = numbers[snapshot.partner.id] else { return }
                let previous = states[number] ?? PartnerProgramState.initial(for: snapshot.partner)
                batch.append(Pending(snapshot: snapshot, number: number, state: previous))
                if batch.count == Self.batchSize { try flush() }
            }
            try flush()
            progress?.finish()
            if !dryRun { try ledger.finishRun(summary: summary) }
            summary.runID = ledger.runID
        }
        if dryRun {
            try store.writer.read(body)
        } else {
            try store.writer.write(body)
        }
        return summary
    }

    struct Pending {
        var snapshot: PartnerSnapshot
        var number: Int64
        var state: PartnerProgramState
    }

    struct Result {
        var evaluation: PartnerEvaluation
        var state: PartnerProgramState
        var stateText: String
        var detail: String
    }

    /// One evaluator per worker: the set itself, then fresh copies compiled
    /// from the same folder (a PolicySet's Lua state is never shared between threads).
    func evaluators(count: Int) throws -> [PartnerEvaluator] {
        var sets = [policySet]
        while sets.count < count {
            let copy = try PolicySet(directory: policySet.directory, displayPath: policySet.displayPath)
            guard copy.contentHash == policySet.contentHash else { throw Failure.policyChanged(set: policySet.name) }
            sets.append(copy)
        }
        return sets.map { PartnerEvaluator(policySet: $0) }
    }

    /// Evaluate (and encode) a batch on the workers; results in input order.
    /// A failure reports the first failing partner in id order, whatever the
    /// scheduling, so errors are as reproducible as results.
    static func evaluate(_ batch: [Pending], workers: [PartnerEvaluator], encode: Bool) throws -> [Result] {
        let count = batch.count
        guard count > 0 else { return [] }
        let slots = Slots<Result>(count: count)
        let pool = WorkerPool(workers)
        // Small batches are not worth waking the other workers for.
        let workerCount = count < 64 ? 1 : workers.count
        let work = { @Sendable (worker: Int) in
            var index = worker
            while index < count {
                let pending = batch[index]
                do {
                    let (evaluation, next) = try pool.evaluators[worker].evaluate(pending.snapshot, state: pending.state)
                    slots.set(index, .success(Result(evaluation: evaluation, state: next,
                                                     stateText: encode ? next.compact : "",
                                                     detail: encode ? evaluation.json() : "")))
                } catch {
                    slots.set(index, .failure(error))
                }
                index += workerCount
            }
        }
        if workerCount == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workerCount, execute: work)
        }
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
final class Slots<T>: @unchecked Sendable {
    private var items: [Swift.Result<T, any Error>?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    /// Each index is written by exactly one worker; reads happen after all have finished.
    func set(_ index: Int, _ value: Swift.Result<T, any Error>) {
        items.withUnsafeMutableBufferPointer { $0[index] = value }
    }
    func values() throws -> [T] {
        try items.map { try $0!.get() }
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
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(total) partners (\(percent)%)".utf8))
    }

    func finish() {
        guard enabled, lastPrinted > 0 else { return }
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(total) partners (100%)\n".utf8))
    }
}
