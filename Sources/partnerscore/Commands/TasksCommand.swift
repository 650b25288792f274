import ArgumentParser
import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

extension Partnerscore {
    /// The interventions recorded runs opened, as tracked work.
    struct TasksCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tasks",
            abstract: "List interventions as tasks, and record what was done about them.",
            discussion: """
                A recorded run opens a task when a step of the intervention menu comes to apply to a \
                partner's alert: the partner's channel account manager's for a CAM step, the step's \
                queue for the others. A task moves from open to acknowledged, then done (with an \
                outcome) or dismissed; the run closes it when its alert resolves or escalates. Days \
                (--on) default to today (UTC).
                """,
            subcommands: [List.self, Acknowledge.self, Done.self, Dismiss.self]
        )

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List tasks, newest first.")

            @OptionGroup var store: StoreOptions

            @Option(help: "Only this partner's tasks.")
            var partner: String?

            @Option(help: "Only the tasks of this assignee (a channel account manager or a queue).")
            var assignee: String?

            @Option(help: "Only tasks with this status: open, acknowledged, done, dismissed or closed (repeatable).")
            var status: [String] = []

            @Option(name: .customLong("policy-set"), help: "Only the tasks of this policy set.")
            var policySet: String?

            @Option(help: "At most this many.")
            var limit: Int?

            @Option(help: "table, json or csv.")
            var format: Format = .table

            enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

            func validate() throws {
                let names = TaskStatus.allCases.map(\.rawValue)
                for name in status where TaskStatus(rawValue: name) == nil {
                    throw ValidationError("unknown status '\(name)' — use " + names.joined(separator: ", "))
                }
                if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            }

            func run() throws {
                try reportingFailures {
                    let filter = TaskLedger.Filter(partnerID: partner, assignee: assignee, statuses: status.compactMap(TaskStatus.init(rawValue:)),
                                                   policySet: policySet, limit: limit)
                    let tasks = try store.openExisting().database.read { session in try TaskLedger.tasks(session, filter) }
                    print(Self.render(tasks, format), terminator: "")
                }
            }

            static func render(_ tasks: [InterventionTask], _ format: Format) -> String {
                switch format {
                case .json:
                    let buffer = JSONBuffer(capacity: 512 * tasks.count + 8)
                    buffer.array(tasks) { buffer, task in task.write(to: buffer) }
                    return buffer.string + "\n"
                case .csv:
                    var out = "id,policy_set,partner_id,alert,step,action,owner,assignee,status,outcome,note,opened,opened_run,acknowledged,closed\n"
                    for t in tasks {
                        let fields = [String(t.id), t.policySet, t.partnerID, t.alert.description, String(t.step), t.action, t.owner ?? "",
                                      t.assignee, t.status.rawValue, t.outcome?.rawValue ?? "", t.note ?? "", t.opened.description,
                                      String(t.openedRun), t.acknowledged?.description ?? "", t.closed?.description ?? ""]
                        out += fields.map(TextFormat.csvField).joined(separator: ",") + "\n"
                    }
                    return out
                case .table:
                    guard !tasks.isEmpty else { return "no tasks\n" }
                    let header = ["ID", "PARTNER", "ALERT", "STEP", "ACTION", "ASSIGNEE", "STATUS", "OPENED", "SINCE"]
                    let rows = tasks.map { t -> [String] in
                        var status = t.status.rawValue
                        if let outcome = t.outcome { status += " (\(outcome.rawValue))" }
                        return [String(t.id), t.partnerID, t.alert.description, String(t.step), t.action, t.assignee, status,
                                t.opened.description, (t.closed ?? t.acknowledged)?.description ?? "-"]
                    }
                    let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max()! }
                    func line(_ cells: [String]) -> String {
                        cells.indices.map { i in i == cells.count - 1 ? cells[i] : cells[i].padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0) }
                            .joined()
                    }
                    return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
                }
            }
        }

        /// What every action takes: the task, the day and a note.
        struct ActionOptions: ParsableArguments {
            @OptionGroup var store: StoreOptions

            @Argument(help: "The task's id (see tasks list).")
            var id: Int64

            @Option(help: "The day it happened (YYYY-MM-DD; default: today, UTC).")
            var on: String?

            @Option(help: "A note to keep with the task.")
            var note: String?

            func validate() throws {
                guard id > 0 else { throw ValidationError("a task id is a whole number from 1") }
                if let note, note.count > 2000 { throw ValidationError("--note is at most 2000 characters") }
            }

            /// Apply `action` to the task in one transaction and say what it became.
            func apply(_ action: (any SQLSession, Int64, Day, String?) throws -> InterventionTask) throws {
                try reportingFailures {
                    let day = try on.map { try Day(parsing: $0) } ?? Day.today()
                    let task = try store.openExisting().database.write { session in try action(session, id, day, note) }
                    var text = "task #\(task.id) of partner \(task.partnerID) (\(task.alert), step \(task.step): \(task.action)) is \(task.status.rawValue)"
                    if let outcome = task.outcome { text += " (\(outcome.rawValue))" }
                    print(text + " as of \(day)")
                }
            }
        }

        struct Acknowledge: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "ack",
                abstract: "Acknowledge an open task: someone is on it (a step's pause then holds escalation).")

            @OptionGroup var options: ActionOptions

            func run() throws {
                try options.apply { session, id, day, note in try TaskLedger.acknowledge(session, id: id, on: day, note: note) }
            }
        }

        struct Done: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Record that an open or acknowledged task was done, with its outcome.")

            @OptionGroup var options: ActionOptions

            @Option(help: "reached, plan_agreed, declined or no_response.")
            var outcome: String

            func validate() throws {
                guard let value = TaskOutcome(rawValue: outcome), TaskOutcome.personal.contains(value) else {
                    throw ValidationError("unknown outcome '\(outcome)' — use " + TaskOutcome.personal.map(\.rawValue).joined(separator: ", "))
                }
            }

            func run() throws {
                let outcome = TaskOutcome(rawValue: outcome)!
                try options.apply { session, id, day, note in try TaskLedger.complete(session, id: id, outcome: outcome, on: day, note: note) }
            }
        }

        struct Dismiss: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Dismiss an open or acknowledged task (not worth doing).")

            @OptionGroup var options: ActionOptions

            func run() throws {
                try options.apply { session, id, day, note in try TaskLedger.dismiss(session, id: id, on: day, note: note) }
            }
        }
    }
}
