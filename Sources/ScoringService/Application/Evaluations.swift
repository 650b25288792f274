import Dispatch
import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

/// Evaluations through the pool of loaded policy sets: one partner live (a
/// dry run of one partner, nothing written) and whole runs.
struct Evaluations: Sendable {
    let store: PartnerStore
    let registry: PolicyRegistry
    let metrics: ServiceMetrics

    struct Live: Sendable {
        var evaluation: PartnerEvaluation
        var explanation: String
        var policySet: String
    }

    /// What a policy set decides about one partner as of `asOf`, from the
    /// state its ledger holds — without writing anything.
    func live(partnerID: String, asOf: Day, policySet requested: String?) async throws -> Live {
        let registry = self.registry
        let store = self.store
        let (snapshot, state, acknowledged, set) = try await store.database.asyncRead {
            session -> (PartnerSnapshot?, PartnerProgramState?, [AcknowledgedStep], LoadedPolicySet) in
            guard let (number, program) = try PartnerQueries.reference(session, partnerID: partnerID) else {
                throw APIError.notFound("no partner with id '\(partnerID)'", field: "id")
            }
            let set: LoadedPolicySet
            if let requested {
                guard let named = registry.set(named: requested) else { throw Self.unknownSet(requested, registry, field: "policy_set") }
                guard named.programs.contains(program) else {
                    throw APIError(.notFound, code: "not_governed",
                                   "partner '\(partnerID)' is in program '\(program)', which policy set '\(requested)' does not govern",
                                   field: "policy_set")
                }
                set = named
            } else {
                guard let governing = registry.set(governing: program) else {
                    throw APIError(.notFound, code: "not_governed",
                                   "partner '\(partnerID)' is in program '\(program)', which no loaded policy set governs")
                }
                set = governing
            }
            let state = try LedgerQueries.state(session, policySet: set.name, partnerNumber: number)
            var snapshot: PartnerSnapshot?
            try SnapshotCalculator(store: store, measures: set.measures)
                .forEachSnapshot(in: session, asOf: asOf, partnerIDs: [partnerID]) { snapshot = $0 }
            // Acknowledged tasks hold escalation where a step has a pause, as in a run.
            let acknowledged = try TaskLedger.acknowledgedSteps(session, policySet: set.name, partnerID: partnerID, asOf: asOf)
            return (snapshot, state, acknowledged, set)
        }
        guard let snapshot else {
            // There is no evaluation of a partner before it enrolled: not found, as an unknown partner is.
            throw APIError(.notFound, code: "not_enrolled",
                           "partner '\(partnerID)' has no snapshot as of \(asOf): it enrolled later", field: "as_of")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let result: (PartnerEvaluation, String) = try await evaluating(set) {
            try await set.pool.run { policySet in
                let (evaluation, _) = try PartnerEvaluator(policySet: policySet)
                    .evaluate(snapshot, state: state ?? .initial(for: snapshot.partner), acknowledged: acknowledged)
                let policy = policySet.policy(forProgram: snapshot.partner.program)!
                return (evaluation, Explanation(evaluation: evaluation, policy: policy).text)
            }
        }
        metrics.recordEvaluations(kind: "live", partners: 1, nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
        return Live(evaluation: result.0, explanation: result.1, policySet: set.name)
    }

    /// A run of a set as of a day: recorded in the ledger in one transaction,
    /// or only computed with `dryRun`.
    func run(policySet name: String, asOf: Day, dryRun: Bool, partnerIDs: [String]?) async throws -> RunSummary {
        guard let set = registry.set(named: name) else { throw Self.unknownSet(name, registry, field: "policy_set") }
        let store = self.store
        let start = DispatchTime.now().uptimeNanoseconds
        let summary = try await evaluating(set) {
            try await set.pool.run { policySet in
                // The pool already runs requests in parallel, one Lua state each.
                try ProgramRun(store: store, policySet: policySet, jobs: 1)
                    .evaluate(asOf: asOf, dryRun: dryRun, partnerIDs: partnerIDs)
            }
        }
        metrics.recordEvaluations(kind: dryRun ? "dry_run" : "run", partners: summary.partners,
                                  nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
        return summary
    }

    /// Runs `body`, counting a policy's failure (ErrorMiddleware answers
    /// it: a 422 naming the policy's file and line).
    private func evaluating<T>(_ set: LoadedPolicySet, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let failure as PartnerEvaluator.Failure {
            metrics.recordPolicyError(stage: "evaluating")
            throw failure
        }
    }

    static func unknownSet(_ name: String, _ registry: PolicyRegistry, field: String) -> APIError {
        APIError(.notFound, code: "not_found",
                 "no policy set named '\(name)'; loaded: " + registry.sets.map(\.name).joined(separator: ", "), field: field)
    }
}
