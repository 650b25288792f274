import ArgumentParser
import Foundation
import PartnerModel
import PolicyToolchain

extension Partnerscore {
    /// Preview a policy change on real data.
    struct DiffCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Evaluate two versions of a policy set on the same data and show what would change.",
            discussion: """
                Both versions are evaluated as of the date from the same stored state, writing \
                nothing. Reports the tier migration matrix, partners the new version demotes or \
                puts in tier review, partners placed in a lower or higher tier, compliance gate \
                changes, health band shifts and intervention changes, with the partners affected. \
                --fail-on-demotions N exits 1 when more than N partners would be demoted or put in \
                tier review (each review ends in demotion unless the partner recovers).
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "The current version of the policy set (a set folder).", completion: .directory)
        var from: String

        @Option(help: "The proposed version of the policy set (a set folder).", completion: .directory)
        var to: String

        @Option(name: .customLong("as-of"), help: "The evaluation date (YYYY-MM-DD).")
        var asOf: String

        @Option(name: .customLong("fail-on-demotions"), help: "Exit 1 when more than N partners would be demoted or put in review.")
        var failOnDemotions: Int?

        @Option(help: "Output: text or json.")
        var format: Format = .text

        @Option(help: "Partners listed per section in text output.")
        var limit = 20

        enum Format: String, ExpressibleByArgument { case text, json }

        func run() throws {
            try reportingEvaluationFailures {
                let day = try Day(parsing: asOf)
                let partnerStore = try store.openExisting()
                let old = try PolicyOptions.load(URL(fileURLWithPath: from), display: from)
                let new = try PolicyOptions.load(URL(fileURLWithPath: to), display: to)
                let report = try PolicyDiff(store: partnerStore, from: old, to: new).run(asOf: day)
                switch format {
                case .text: print(report.text(limit: limit), terminator: "")
                case .json:
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    print(String(decoding: try encoder.encode(report), as: UTF8.self))
                }
                if let limit = failOnDemotions, report.demotionCount > limit {
                    FileHandle.standardError.write(Data("diff: \(TextFormat.count(report.demotionCount, "partner")) would be demoted or put in tier review (limit \(limit))\n".utf8))
                    throw ExitCode(1)
                }
            }
        }
    }
}
