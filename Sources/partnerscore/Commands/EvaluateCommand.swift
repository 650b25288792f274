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
                interventions. One run per set is one transaction, sets in name order: when a set \
                fails, the sets before it stay recorded (the message names them) unless \
                --all-or-nothing makes all sets one transaction. --dry-run writes nothing. \
                Evaluations move forward in time: an as-of date not after the set's last one \
                can only be previewed with --dry-run.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var policies: PolicyOptions
        @OptionGroup var limits: LimitOptions

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

        @Flag(name: .customLong("all-or-nothing"),
              help: "Record every set's run in one transaction: a failure in any set records none.")
        var allOrNothing = false

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        }

        func run() throws {
            var recorded: [String] = []   // sets whose run is committed
            var pending: [String] = []    // sets not (or not yet) recorded
            try reportingEvaluationFailures(note: { committedNote(recorded: recorded, pending: pending) }) {
                let day = try Day(parsing: asOf)
                let partnerStore = try store.openExisting()
                let sets = try policies.loadSets(limits: limits.overrides)
                pending = sets.map(\.name)
                let output = try TextOutput(path: nil)
                var renderer = EvaluationOutput(format: format) { try output.write(bytes: $0) }
                try renderer.begin()
                let partnerIDs = partners.isEmpty ? nil : partners
                let runs = sets.map { set in
                    var run = ProgramRun(store: partnerStore, policySet: set, jobs: jobs)
                    // Naming the set is how a user says which history a copy continues or starts.
                    run.startsSeparateHistory = policies.setName != nil
                    return run
                }
                func evaluate(_ run: ProgramRun, _ record: ProgramRun.Recording) throws {
                    let name = run.policySet.name
                    try renderer.beginSet(name)
                    let summary = try record(Progress(label: "evaluating \(name)")) { try renderer.partner($0, set: name) }
                    try renderer.endSet(summary)
                }
                if allOrNothing && !dryRun {
                    try ProgramRun.recordAll(runs, asOf: day, partnerIDs: partnerIDs, evaluate)
                } else {
                    for run in runs {
                        try evaluate(run) { progress, onEvaluation in
                            try run.evaluate(asOf: day, dryRun: dryRun, partnerIDs: partnerIDs, progress: progress,
                                             onEvaluation: onEvaluation)
                        }
                        if !dryRun {
                            recorded.append(run.policySet.name)
                            pending.removeFirst()
                        }
                    }
                }
                try renderer.end()
                try output.close()
            }
        }

        /// After a failure: what is committed and what is not.
        private func committedNote(recorded: [String], pending: [String]) -> String? {
            guard !dryRun, !pending.isEmpty else { return nil }
            if allOrNothing {
                return "nothing was recorded (--all-or-nothing): \(pending.joined(separator: ", ")) stay as they were"
            }
            guard !recorded.isEmpty else { return nil }
            return "note: the runs of \(recorded.joined(separator: ", ")) were recorded before this failure and stay committed; "
                + "\(pending.joined(separator: ", ")) \(pending.count == 1 ? "was" : "were") not recorded "
                + "(--all-or-nothing records all sets or none)"
        }
    }
}

/// Failures as `reportingFailures` reports them, followed by `note` when it
/// says something (what a failed evaluation did and did not record).
func reportingEvaluationFailures<T>(note: () -> String?, _ body: () throws -> T) throws -> T {
    do {
        return try reportingFailures(body)
    } catch let exit as ExitCode {
        if let note = note() { printError(note + "\n") }
        throw exit
    }
}

extension EvaluationOutput.Format: ExpressibleByArgument {}
