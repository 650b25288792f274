import ArgumentParser
import Foundation
import PartnerModel
import PolicyEngine
import ProgramEvaluation

extension Partnerscore {
    /// Evaluate the partners of one or more policy sets as of a day.
    struct EvaluateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate",
            abstract: "Evaluate partners against policy sets as of a date and record the decisions.",
            discussion: """
                For every partner in the programs a set governs: tiers (at the set's cadence), \
                tier reviews and demotions, compliance gates, health, milestones, alerts and \
                interventions. One run per set is one transaction; --dry-run writes nothing. \
                Evaluations move forward in time: an as-of date not after the set's last one \
                can only be previewed with --dry-run.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var policies: PolicyOptions

        @Option(name: .customLong("as-of"), help: "The evaluation date (YYYY-MM-DD).")
        var asOf: String

        @Flag(name: .customLong("dry-run"), help: "Evaluate and print, but write nothing.")
        var dryRun = false

        @Option(help: "Output format: table, json or csv.")
        var format: EvaluationOutput.Format = .table

        @Option(name: .customLong("partner"), help: "Evaluate only this partner (repeatable).")
        var partners: [String] = []

        @Option(help: "Workers evaluating in parallel, each with its own Lua state (default: all cores).")
        var jobs: Int?

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        }

        func run() throws {
            try reportingEvaluationFailures {
                let day = try Day(parsing: asOf)
                let partnerStore = try store.openExisting()
                let sets = try policies.loadSets()
                let output = try TextOutput(path: nil)
                var renderer = EvaluationOutput(format: format) { try output.write(bytes: $0) }
                try renderer.begin()
                for set in sets {
                    var run = ProgramRun(store: partnerStore, policySet: set, jobs: jobs)
                    // Naming the set is how a user says which history a copy continues or starts.
                    run.startsSeparateHistory = policies.setName != nil
                    try renderer.beginSet(set.name)
                    let summary = try run.evaluate(asOf: day, dryRun: dryRun, partnerIDs: partners.isEmpty ? nil : partners,
                                                   progress: Progress(label: "evaluating \(set.name)")) { evaluation in
                        try renderer.partner(evaluation, set: set.name)
                    }
                    try renderer.endSet(summary)
                }
                try renderer.end()
                try output.close()
            }
        }
    }
}

/// Errors of the evaluation commands, as messages for the user.
func reportingEvaluationFailures<T>(_ body: () throws -> T) throws -> T {
    try reportingStoreFailures {
        do {
            return try body()
        } catch let error as PartnerEvaluator.Failure {
            throw CommandFailure("error[policy]: \(error)")
        } catch let error as ProgramRun.Failure {
            throw CommandFailure("error: \(error)")
        } catch let error as PolicyError {
            throw CommandFailure("error[policy]: \(error)")
        }
    }
}

extension EvaluationOutput.Format: ExpressibleByArgument {}
