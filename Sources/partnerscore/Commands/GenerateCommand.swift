import ArgumentParser
import Foundation
import PartnerModel
import ProgramGenerator

extension Partnerscore {
    /// Write a seeded synthetic partner program as import files.
    struct GenerateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write a synthetic partner program (partners and events files) for demos, tests and benchmarks.",
            discussion: """
                The program is calibrated to published channel statistics (a tier pyramid, most revenue \
                from a minority of partners, many inactive partners, 20-40% activation). The same seed \
                and options give the same bytes. Industries: \
                \(Industry.all.map(\.name).joined(separator: ", ")).
                """
        )

        @Option(help: "How many partners.")
        var partners: Int

        @Option(help: "The random seed.")
        var seed: UInt64

        @Option(help: "The folder to write partners.<format> and events.<format> into.", completion: .directory)
        var out: String

        @Option(help: "One industry's programs (default: a mix of all).")
        var industry: String?

        @Option(name: .customLong("events-per-year"), help: "Events per partner per year of activity (default: about 100 events per partner over its life).")
        var eventsPerYear: Double = ProgramGenerator.defaultEventsPerYear

        @Option(help: "The last day of activity (YYYY-MM-DD).")
        var end: String = ProgramGenerator.defaultEnd.description

        @Option(help: "csv or jsonl.")
        var format: String = "csv"

        func validate() throws {
            guard partners >= 0 else { throw ValidationError("--partners must be 0 or more") }
            guard eventsPerYear >= 0, eventsPerYear.isFinite else { throw ValidationError("--events-per-year must be 0 or more") }
            if let industry, Industry.named(industry) == nil {
                throw ValidationError("unknown industry '\(industry)' — use one of \(Industry.all.map(\.name).joined(separator: ", "))")
            }
            guard ProgramGenerator.Format(rawValue: format) != nil else { throw ValidationError("--format must be csv or jsonl") }
            let ends = ProgramGenerator.supportedEnds
            do {
                guard ends.contains(try Day(parsing: end)) else {
                    throw ValidationError("--end: '\(end)' is outside \(ends.lowerBound) … \(ends.upperBound), the ends whose generated dates are all inside the supported dates \(Day.supported.lowerBound) … \(Day.supported.upperBound)")
                }
            } catch let error as DayParseError { throw ValidationError("--end: \(error) — \(error.hint)") }
        }

        func run() throws {
            try reportingFailures {
                let options = ProgramGenerator.Options(partners: partners, seed: seed, industry: industry.flatMap(Industry.named),
                                                       eventsPerYear: eventsPerYear, end: try Day(parsing: end),
                                                       format: ProgramGenerator.Format(rawValue: format)!)
                let summary: ProgramGenerator.Summary
                do {
                    summary = try ProgramGenerator(options: options).write(to: URL(fileURLWithPath: out))
                } catch let error as CocoaError {
                    throw CommandFailure("error: cannot write into \(out): \(error.localizedDescription)")
                }
                print("wrote \(TextFormat.count(summary.partners, "partner")) to \(summary.partnersFile.path) and \(TextFormat.count(summary.events, "event")) to \(summary.eventsFile.path)")
            }
        }
    }
}
