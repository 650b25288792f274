import ArgumentParser
import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramAnalytics
import ProgramEvaluation
import ProgramGenerator

extension Partnerscore {
    /// The main job on an embedded default: a sample program, evaluated.
    struct DemoCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo",
            abstract: "Generate a sample partner program, evaluate it with the bundled policy sets and summarize.",
            discussion: """
                Generates a seeded synthetic program into a temporary SQLite file, evaluates \
                every bundled policy set at the last six month-ends (so tier reviews, demotions \
                and escalating interventions show), prints a summary and one partner's \
                explanation, and writes the program report (HTML) to --report.
                """
        )

        @Option(help: "Partners to generate.")
        var partners = 3000

        @Option(help: "Generator seed.")
        var seed: UInt64 = 7

        @Option(name: .customLong("policies"), help: "The folder of policy sets.", completion: .directory)
        var policies = "Policies"

        @Option(name: .customLong("keep-db"), help: "Keep the demo database at this path instead of a temporary file.")
        var keepDB: String?

        @Option(help: "Write the program report (HTML) to this file.", completion: .file(extensions: ["html"]))
        var report = "partnerscore-report.html"

        func validate() throws {
            guard partners > 0 else { throw ValidationError("--partners must be positive") }
        }

        func run() throws {
            try reportingFailures {
                let work = FileManager.default.temporaryDirectory.appendingPathComponent("partnerscore-demo-\(ProcessInfo.processInfo.processIdentifier)")
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: work) }
                let dbPath = keepDB ?? work.appendingPathComponent("demo.sqlite").path
                if keepDB != nil { try? FileManager.default.removeItem(atPath: dbPath) }

                let generator = ProgramGenerator(options: .init(partners: partners, seed: seed))
                let files = try generator.write(to: work)
                print("Generated \(TextFormat.count(files.partners, "partner")) and \(TextFormat.count(files.events, "event")) (seed \(seed)).")
                let store = try openStore(at: dbPath)
                let imported = try store.importFiles([files.partnersFile.path, files.eventsFile.path])
                print("Imported into \(keepDB ?? "a temporary database"): \(imported)")

                let sets = try PolicyOptions.setDirectories(at: policies).map { try PolicyOptions.load($0.url, display: $0.display) }
                let end = generator.options.end
                let monthEnds = (0..<6).reversed().map { end.adding(months: -$0) }.map(Self.monthEnd)
                print("Evaluating \(sets.map(\.name).joined(separator: ", ")) as of \(monthEnds.map(\.description).joined(separator: ", "))\n")

                var last: [String: RunSummary] = [:]
                var moves: [String: (up: Int, down: Int, reviews: Int, tripped: Int, restored: Int)] = [:]
                var explainable: (PartnerEvaluation, PolicySet)?
                for asOf in monthEnds {
                    for set in sets {
                        let summary = try ProgramRun(store: store, policySet: set).evaluate(asOf: asOf, dryRun: false) { e in
                            if asOf == monthEnds.last, explainable == nil, e.tierEvent == .reviewContinues || e.standing == .review {
                                explainable = (e, set)
                            }
                        }
                        last[set.name] = summary
                        var m = moves[set.name] ?? (0, 0, 0, 0, 0)
                        m.up += summary.upgrades
                        m.down += summary.demotions
                        m.reviews += summary.reviewsOpened
                        m.tripped += summary.gatesTripped
                        m.restored += summary.gatesRestored
                        moves[set.name] = m
                    }
                }
                print("Over six monthly runs:")
                // Names padded to the longest, never cut ("financial-services", not "financial-se").
                let width = sets.map(\.name.count).max() ?? 0
                for set in sets {
                    let m = moves[set.name]!
                    print("  \(set.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(TextFormat.count(m.up, "upgrade")), "
                        + "\(TextFormat.count(m.down, "demotion")), \(TextFormat.count(m.reviews, "review")) opened, "
                        + "\(TextFormat.count(m.tripped, "gate")) tripped, \(m.restored) restored")
                }
                print("")
                for set in sets { print(EvaluationOutput.summaryText(last[set.name]!)) }
                if let (evaluation, set) = explainable {
                    print("One partner in tier review, explained (partnerscore explain):\n")
                    print(Explanation(evaluation: evaluation, policy: set.policy(forProgram: evaluation.program)!).text)
                }
                print(try writeReport(ProgramAnalytics(store: store), asOf: monthEnds.last!, source: "demo program (seed \(seed))",
                                      to: report))
                print("Open it in a browser; it prints to PDF as is.")
            }
        }

        static func monthEnd(_ day: Day) -> Day {
            let (y, m, _) = day.components
            return Day(year: y, month: m, day: Day.daysIn(month: m, year: y))!
        }
    }
}
