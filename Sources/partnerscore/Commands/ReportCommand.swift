import ArgumentParser
import Foundation
import PartnerModel
import ProgramAnalytics

extension Partnerscore {
    /// The program report: one self-contained HTML file with SVG charts.
    struct ReportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write the program report: one self-contained HTML file with charts, for a browser or a PDF.",
            discussion: """
                Headline figures, a table per program, the onboarding funnel, time to first revenue, \
                tiers over the last evaluations, health bands, milestone lateness, alerts by escalation \
                step and the partners needing attention most. Nothing is fetched when it is viewed \
                (inline CSS and SVG, no scripts or fonts).
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(name: .customLong("as-of"), help: "The day (YYYY-MM-DD); default: the latest evaluation's day.")
        var asOf: String?

        @Option(help: "The HTML file to write.", completion: .file(extensions: ["html"]))
        var out: String

        @Option(help: "Partners in the attention table.")
        var attention = 25

        func validate() throws {
            guard attention >= 0 else { throw ValidationError("--attention must be 0 or more") }
        }

        func run() throws {
            try reportingFailures {
                let analytics = ProgramAnalytics(store: try store.openExisting())
                let day = try resolveAsOf(asOf, analytics)
                let summary = try writeReport(analytics, asOf: day, source: store.reportSource,
                                              to: out, attention: attention)
                print(summary)
            }
        }
    }
}

/// Write the report of `analytics` as of `day` to `path`; returns a line saying what and where.
func writeReport(_ analytics: ProgramAnalytics, asOf day: Day, source: String, to path: String, attention: Int = 25) throws -> String {
    let report = try analytics.report(asOf: day, source: source, attentionLimit: attention)
    let output = try TextOutput(path: path)
    try output.write(report.html())
    try output.close()
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    return "Wrote the program report as of \(day) to \(absolute)"
}
