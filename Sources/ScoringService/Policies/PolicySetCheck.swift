import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import PolicyToolchain
import ProgramEvaluation

/// What a version of a policy set must pass before it serves, at every
/// reload (the watcher's and `POST /v1/policies/reload`) and at start-up:
/// loading validates the declarations, but a function that fails or loops
/// only when it is called loads fine. So the version must also
///
/// - pass the set's fixtures (`fixtures/*.json`, as `partnerscore test`
///   runs them), and
/// - evaluate a sample of the stored partners it governs
///   (``ProgramRun/sample(of:in:size:)``) within its limits, wherever the
///   version serving now does: a failure the serving version shares (a
///   partner's stale data, a function that always failed for it) is not the
///   edit's doing and does not hold it back. At start-up nothing serves yet:
///   the set serves, and the failures are reported (a warning) instead.
///
/// Bounded: the fixtures are the designer's, the sample at most
/// ``sampleSize`` partners, each evaluation under the set's limits.
struct PolicySetCheck: Sendable {
    let store: PartnerStore

    /// Stored partners evaluated before a version serves.
    static let sampleSize = 32

    /// Throws when `set` must not serve; returns a warning when it serves
    /// although sampled partners fail (start-up: `serving` is nil).
    func check(_ set: PolicySet, serving: PolicySet?, at location: PolicySetLocation) throws -> ReloadFailure? {
        let path = location.displayPath
        let results = FixtureRunner(setDirectory: location.directory, displayPath: path).run(policySet: set)
        if let failed = results.first(where: { !$0.passed }) {
            let report = TestReport.text([failed]).split(separator: "\n").dropLast().joined(separator: "\n")
            throw ReloadFailure(set: location.name, path: path,
                                message: "\(path): this version fails its fixtures (partnerscore test \(path)):\n\(report)",
                                at: Date())
        }
        guard let (asOf, ids) = try ProgramRun.sample(of: set, in: store, size: Self.sampleSize) else { return nil }
        func evaluate(_ id: String, with version: PolicySet) throws {
            try ProgramRun(store: store, policySet: version, jobs: 1).evaluate(asOf: asOf, dryRun: true, partnerIDs: [id])
        }
        var unshared: PartnerEvaluator.Failure?
        for id in ids {
            do {
                try evaluate(id, with: set)
            } catch let failure as PartnerEvaluator.Failure {
                if let serving, (try? evaluate(id, with: serving)) != nil {
                    throw Self.failure(failure, location, "which the serving version evaluates; it keeps serving")
                }
                unshared = unshared ?? failure
            }
        }
        guard serving == nil, let unshared else { return nil }
        return Self.failure(unshared, location, "serving it anyway: there is no earlier version (fix the policy or the partner's data)")
    }

    static func failure(_ failure: PartnerEvaluator.Failure, _ location: PolicySetLocation, _ outcome: String) -> ReloadFailure {
        let problem = failure.problem
        return ReloadFailure(set: location.name, path: location.displayPath,
                             message: "\(failure) — found evaluating a sample of up to \(sampleSize) stored partners, \(outcome)",
                             file: problem.file, line: problem.line, field: problem.field, at: Date())
    }
}
