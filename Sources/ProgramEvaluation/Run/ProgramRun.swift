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

    public init(store: PartnerStore, policySet: PolicySet) {
        self.store = store
        self.policySet = policySet
    }

    public enum Failure: Error, CustomStringConvertible {
        case notForward(set: String, asOf: Day, last: Day)
        case unknownPartners([String])

        public var description: String {
            switch self {
            case .notForward(let set, let asOf, let last):
                "policy set '\(set)' was last evaluated as of \(last); evaluations move forward in time, so as of \(asOf) "
                    + "can only be previewed with --dry-run"
            case .unknownPartners(let ids):
                "no partner with id \(ids.joined(separator: ", ")) in the programs of this policy set"
            }
        }
    }

    /// Evaluate every partner of the set's programs (or only `partnerIDs`),
    /// calling `onEvaluation` for each in ascending partner id order.
    @discardableResult
    public func evaluate(asOf: Day, dryRun: Bool, partnerIDs: [String]? = nil, progress: Progress? = nil,
                         onEvaluation: (PartnerEvaluation) throws -> Void = { _ in }) throws -> RunSummary {
        let evaluator = PartnerEvaluator(policySet: policySet)
        let programs = policySet.programs
        let calculator = SnapshotCalculator(store: store)
        var summary = RunSummary(policySet: policySet.name, asOf: asOf, contentHash: policySet.contentHash, dryRun: dryRun)

        let body = { (db: Database) throws -> Void in
            var ledger = try Ledger(db: db, policySet: policySet.name)
            if !dryRun, let last = try ledger.lastEvaluation(), asOf <= last {
                throw Failure.notForward(set: policySet.name, asOf: asOf, last: last)
            }
            if let partnerIDs {
                let known = try ledger.partnerNumbers(ids: partnerIDs, programs: programs)
                let missing = partnerIDs.filter { known[$0] == nil }
                if !missing.isEmpty { throw Failure.unknownPartners(missing) }
            }
            if !dryRun { try ledger.beginRun(asOf: asOf, contentHash: policySet.contentHash) }
            let states = try ledger.states()
            let numbers = try ledger.partnerNumbers(programs: programs)
            progress?.start(total: numbers.count)
            try calculator.forEachSnapshot(in: db, asOf: asOf, programs: programs, partnerIDs: partnerIDs) { snapshot in
                if snapshot.partner.status == .terminated { return }
                guard let number = numbers[snapshot.partner.id] else { return }
                let previous = states[number] ?? PartnerProgramState.initial(for: snapshot.partner)
                let (evaluation, next) = try evaluator.evaluate(snapshot, state: previous)
                summary.add(evaluation)
                if !dryRun { try ledger.record(evaluation, state: next, partnerNumber: number) }
                try onEvaluation(evaluation)
                progress?.advance()
            }
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
