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
                health contributions, milestones, compliance gates, the chosen intervention and \
                the partner's open and acknowledged tasks as they stand now. \
                On a day with a recorded run, shows the decision the ledger recorded (and says \
                so); on other days, or with --reevaluate, evaluates the partner now from the \
                stored state. Writes nothing.
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

        @Flag(help: "Evaluate now from the stored state even when a decision was recorded on the date.")
        var reevaluate = false

        func run() throws {
            try reportingFailures {
                let day = try Day(parsing: asOf)
                let partnerStore = try store.openExisting()
                guard let partner = try partnerStore.partner(id: partnerID) else {
                    throw CommandFailure("error: no partner with id \(partnerID) — list partners with: partnerscore export --db \(store.display) partners")
                }
                let sets = try policies.loadSets(limits: limits.overrides)
                guard let set = sets.first(where: { $0.policy(forProgram: partner.program) != nil }) else {
                    throw CommandFailure("error: partner \(partnerID) is in program '\(partner.program)', which no policy set under \(policies.path) governs")
                }
                var found: PartnerEvaluation?
                var source: String
                var tiersLastDue: Day?
                let recorded = reevaluate ? nil : try DecisionLog.decision(in: partnerStore, policySet: set.name, partnerID: partnerID, asOf: day)
                if let recorded {
                    found = recorded.evaluation
                    // A decision's detail holds no incentives: the incentive ledger does.
                    found?.incentives = try IncentiveLedger.earnings(in: partnerStore, policySet: set.name, partnerID: partnerID, asOf: day,
                                                                    policy: set.policy(forProgram: partner.program)!, tier: recorded.evaluation.tier)
                    source = "The decision recorded by run #\(recorded.runID) of policy set '\(set.name)' as of \(day)."
                    if recorded.evaluation.policy.contentHash != set.contentHash {
                        source += "\nIt was made by content \(recorded.evaluation.policy.contentHash.prefix(12)); \(set.displayPath) is now "
                            + "content \(set.contentHash.prefix(12)) — --reevaluate shows what the current version decides."
                    }
                } else {
                    try ProgramRun(store: partnerStore, policySet: set).evaluate(asOf: day, dryRun: true, partnerIDs: [partnerID]) { found = $0 }
                    source = (reevaluate ? "Evaluated" : "No decision was recorded as of \(day): evaluated")
                        + " now from the state stored for policy set '\(set.name)' (nothing written)."
                    if let last = try DecisionLog.lastRun(in: partnerStore, policySet: set.name), last >= day {
                        source += last == day
                            ? "\nThat state already holds the run of \(day), so this is not what was decided then (without --reevaluate, explain shows that decision)."
                            : "\nThat state is as of the later run of \(last), so this is not what was decided on \(day)."
                        tiersLastDue = try DecisionLog.state(in: partnerStore, policySet: set.name, partnerID: partnerID)?.lastTierEvaluation
                    }
                }
                guard let evaluation = found else {
                    throw CommandFailure("error: partner \(partnerID) has no snapshot as of \(day) (enrolled \(partner.enrolled), status \(partner.status.rawValue))")
                }
                if json {
                    FileHandle.standardError.write(Data((source + "\n").utf8))
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    print(String(decoding: try encoder.encode(evaluation), as: UTF8.self))
                } else {
                    let policy = set.policy(forProgram: partner.program)!
                    print(source + "\n")
                    print(Explanation(evaluation: evaluation, policy: policy, tiersLastDue: tiersLastDue).text, terminator: "")
                    let tasks = try TaskLedger.tasks(in: partnerStore, policySet: set.name, partnerID: partnerID)
                    print(Self.taskSection(tasks, policy: policy), terminator: "")
                }
            }
        }

        /// The partner's tasks as they stand now: the open and acknowledged ones (with the pause an
        /// acknowledgement holds escalation for), and how many are closed.
        static func taskSection(_ tasks: [InterventionTask], policy: Policy) -> String {
            guard !tasks.isEmpty else { return "Tasks: none.\n" }
            var lines = ["Tasks now:"]
            for task in tasks where task.status.isActive {
                var text = "  #\(task.id) step \(task.step) \(task.action) (\(task.alert)) — \(task.assignee): \(task.status.rawValue)"
                if let day = task.acknowledged {
                    text += " on \(day)"
                    if task.step <= policy.interventions.count, let pause = policy.interventions[task.step - 1].pause {
                        text += "; escalation paused until \(pause.after(day))"
                    }
                } else {
                    text += " since \(task.opened)"
                }
                lines.append(text)
            }
            let closed = tasks.count { !$0.status.isActive }
            if closed > 0 { lines.append("  and \(TextFormat.count(closed, "closed task")) (partnerscore tasks list --partner \(tasks[0].partnerID))") }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
