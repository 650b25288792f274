import Foundation
import PartnerStore
import PolicyEngine
import PolicyToolchain
import ProgramEvaluation

/// What a version of a policy set must pass before it serves, at start-up
/// and at every reload (the watcher's and `POST /v1/policies/reload`):
/// loading validates the declarations, but a function that fails or loops
/// only when it is called loads fine. So the version must also pass
/// the set's fixtures (`fixtures/*.json`, as `partnerscore test` runs them)
/// and evaluate a sample of the stored partners it governs under its
/// limits (``ProgramRun/sampleDryRun(size:)``). Both are bounded: the
/// fixtures are the designer's, the sample at most ``sampleSize`` partners,
/// each evaluation under the set's limits, and the first failure stops it.
struct PolicySetCheck: Sendable {
    let store: PartnerStore

    /// Stored partners evaluated before a version serves.
    static let sampleSize = 32

    /// Throws the first failure, naming the fixture case or the policy's file and line.
    func check(_ set: PolicySet, at location: PolicySetLocation) throws {
        let path = location.displayPath
        let results = FixtureRunner(setDirectory: location.directory, displayPath: path).run(policySet: set)
        if let failed = results.first(where: { !$0.passed }) {
            let report = TestReport.text([failed]).split(separator: "\n").dropLast().joined(separator: "\n")
            throw ReloadFailure(set: location.name, path: path,
                                message: "\(path): this version fails its fixtures (partnerscore test \(path)):\n\(report)",
                                at: Date())
        }
        do {
            _ = try ProgramRun(store: store, policySet: set, jobs: 1).sampleDryRun(size: Self.sampleSize)
        } catch let failure as PartnerEvaluator.Failure {
            var error: PolicyError?
            if case .policyFunction(_, let policyError) = failure { error = policyError }
            throw ReloadFailure(set: location.name, path: path,
                                message: "\(failure) — found evaluating a sample of up to \(Self.sampleSize) stored partners",
                                file: error?.file, line: error?.line, at: Date())
        }
    }
}
