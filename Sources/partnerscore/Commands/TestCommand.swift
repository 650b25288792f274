import ArgumentParser
import Foundation
import PolicyEngine
import PolicyToolchain

extension Partnerscore {
    /// Run policy sets' fixtures.
    struct TestCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Run each policy set's fixtures and report expected against actual.",
            discussion: """
                A fixture (Policies/<set>/fixtures/*.json) gives partners, their activity and a \
                sequence of as-of dates with expected tiers, standings, health, gates, \
                milestones, alerts and interventions (docs/policy-guide.md). Prints a line per \
                case and a closing "N passed, N failed" line; exits 1 on any failure.
                """
        )

        @Argument(help: "Policy set folders or folders of sets (default: Policies).", completion: .directory)
        var directories: [String] = []

        @OptionGroup var library: LibraryOption

        @Option(help: "Output: text or json.")
        var format: OutputFormat = .text

        @Option(help: "Also write JUnit XML to this file.", completion: .file())
        var junit: String?

        @Flag(help: "Report which tiers, criterion outcomes, gates, milestones, interventions and policy lines no fixture reaches.")
        var coverage = false

        @Option(name: .customLong("min-coverage"), help: "Fail when a set's coverage is below this percentage (implies --coverage).")
        var minCoverage: Double?

        @OptionGroup var limits: LimitOptions

        enum OutputFormat: String, ExpressibleByArgument { case text, json }

        func run() throws {
            try reportingFailures {
                let measure = coverage || minCoverage != nil
                var results: [CaseResult] = []
                var reports: [CoverageReport] = []
                for directory in directories.isEmpty ? ["Policies"] : directories {
                    for (url, display) in try PolicyOptions.setDirectories(at: directory) {
                        let set: PolicySet
                        do {
                            set = try PolicySet(directory: url, displayPath: display, library: library.root, limits: limits.overrides,
                                                recordsCoverage: measure)
                        } catch let error as PolicyError {
                            results.append(CaseResult(set: url.lastPathComponent, fixture: display, fixtureDescription: "",
                                                      name: "(policy set loads)", asOf: nil, failures: [], error: "\(error)"))
                            continue
                        }
                        var runner = FixtureRunner(setDirectory: url, displayPath: display)
                        if runner.fixtureFiles.isEmpty {
                            results.append(CaseResult(set: set.name, fixture: display + "/fixtures", fixtureDescription: "",
                                                      name: "(fixtures)", asOf: nil, failures: [],
                                                      error: "no fixtures in \(display)/fixtures — every policy set needs at least one"))
                            continue
                        }
                        let collector = measure ? PolicyCoverage(policySet: set) : nil
                        runner.observe = collector.map { c in { c.observe($0) } }
                        results.append(contentsOf: runner.run(policySet: set))
                        if let collector { reports.append(collector.report()) }
                    }
                }
                switch format {
                case .text: print(TestReport.text(results, coverage: reports), terminator: "")
                case .json: print(try TestReport.json(results, coverage: measure ? reports : nil), terminator: "")
                }
                if let junit {
                    let output = try TextOutput(path: junit)
                    try output.write(TestReport.junit(results))
                    try output.close()
                }
                var failed = results.contains { !$0.passed }
                if let minimum = minCoverage {
                    for report in reports where report.percent < minimum {
                        FileHandle.standardError.write(Data("coverage of \(report.set) is \(PolicyEngine.Format.number(report.percent))%, below --min-coverage \(PolicyEngine.Format.number(minimum))%\n".utf8))
                        failed = true
                    }
                }
                if failed { throw ExitCode(1) }
            }
        }
    }
}
