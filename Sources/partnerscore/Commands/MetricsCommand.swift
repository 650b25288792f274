import ArgumentParser
import Foundation
import PartnerModel
import ProgramAnalytics

extension Partnerscore {
    /// Program metrics as of a day: activation, retention, time to first revenue, growth, tiers, ...
    struct MetricsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "metrics",
            abstract: "Program metrics as of a day, for all programs, each policy set and each program.",
            discussion: """
                Activation, first-year retention, time to first revenue, growth, revenue concentration, \
                certification completion and deal registrations outside territory come from the partner \
                data; tiers, health bands, milestones and alerts from each partner's latest decision. \
                Only data dated on or before --as-of counts (default: the latest evaluation's day, \
                else the latest event's). Definitions: README, "Analytics and report".
                """
        )

        enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

        @OptionGroup var store: StoreOptions

        @Option(name: .customLong("as-of"), help: "The day (YYYY-MM-DD); default: the latest evaluation's day.")
        var asOf: String?

        @Option(help: "table, json or csv.")
        var format: OutputFormat = .table

        @Option(help: "Write to this file instead of stdout.", completion: .file())
        var out: String?

        func run() throws {
            try reportingFailures {
                let analytics = ProgramAnalytics(store: try store.openExisting())
                let metrics = try analytics.metrics(asOf: try resolveAsOf(asOf, analytics))
                let output = try TextOutput(path: out)
                switch format {
                case .table: try output.write(MetricsOutput.table(metrics))
                case .json: try output.write(try MetricsOutput.json(metrics))
                case .csv: try output.write(MetricsOutput.csv(metrics))
                }
                try output.close()
            }
        }
    }
}

/// `--as-of` parsed, or the analytics default (the latest evaluation's day).
func resolveAsOf(_ text: String?, _ analytics: ProgramAnalytics) throws -> Day {
    guard let text else { return try analytics.defaultAsOf() }
    do {
        return try Day(parsing: text)
    } catch {
        let hint = error.kind == .outOfRange ? error.hint : "write the day as YYYY-MM-DD"
        throw CommandFailure("error: --as-of \(error.description) — \(hint), e.g. --as-of 2026-10-31")
    }
}
