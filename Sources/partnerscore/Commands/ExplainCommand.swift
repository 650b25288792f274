import ArgumentParser
import Foundation
import PartnerModel
import PolicyEngine
import ProgramEvaluation

extension Partnerscore {
    /// Explain one partner's evaluation in words.
    struct ExplainCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "explain",
            abstract: "Explain, in words, how a policy set judges one partner as of a date.",
            discussion: """
                Shows each criterion of the partner's current and next tier with observed \
                against required values, what the partner still needs for the next tier, the \
                health contributions, milestones, compliance gates and the chosen intervention. \
                Writes nothing.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var policies: PolicyOptions
        @OptionGroup var limits: LimitOptions

        @Option(name: .customLong("as-of"), help: "The evaluation date (YYYY-MM-DD).")
        var asOf: String

        @Argument(help: "The partner id.")
        var partnerID: String

        @Flag(help: "Print the evaluation as JSON instead of words.")
        var json = false

        func run() throws {
            try reportingEvaluationFailures {
                let day = try Day(parsing: asOf)
                let partnerStore = try store.openExisting()
                guard let partner = try partnerStore.partner(id: partnerID) else {
                    throw CommandFailure("error: no partner with id \(partnerID) — list partners with: partnerscore export --db \(store.path) partners")
                }
                let sets = try policies.loadSets(limits: limits.overrides)
                guard let set = sets.first(where: { $0.policy(forProgram: partner.program) != nil }) else {
                    throw CommandFailure("error: partner \(partnerID) is in program '\(partner.program)', which no policy set under \(policies.path) governs")
                }
                let run = ProgramRun(store: partnerStore, policySet: set)
                var found: PartnerEvaluation?
                try run.evaluate(asOf: day, dryRun: true, partnerIDs: [partnerID]) { found = $0 }
                guard let evaluation = found else {
                    throw CommandFailure("error: partner \(partnerID) has no snapshot as of \(day) (enrolled \(partner.enrolled), status \(partner.status.rawValue))")
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    print(String(decoding: try encoder.encode(evaluation), as: UTF8.self))
                } else {
                    print(Explanation(evaluation: evaluation, policy: set.policy(forProgram: partner.program)!).text, terminator: "")
                }
            }
        }
    }
}
