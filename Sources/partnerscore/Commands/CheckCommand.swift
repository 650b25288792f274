import ArgumentParser
import Foundation
import PolicyToolchain

extension Partnerscore {
    /// Static checks of policy sets.
    struct CheckCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate policy sets and find tiers no partner can reach and other threshold mistakes.",
            discussion: """
                Loads every policy (validating the contract), then looks for tiers no partner can \
                reach, entry tiers that leave partners without a tier, maintenance thresholds \
                stricter than entry, impossible thresholds and gates that cannot apply, and runs \
                luacheck (when installed) with Policies/.luacheckrc, which matches the sandbox. \
                Every message names file and line. Exits 1 on any error (and on warnings with --strict).
                """
        )

        @Argument(help: "Policy set folders or folders of sets (default: Policies).", completion: .directory)
        var directories: [String] = []

        @OptionGroup var library: LibraryOption

        @Flag(help: "Fail on warnings too.")
        var strict = false

        @Flag(help: "Print findings as JSON.")
        var json = false

        func run() throws {
            try reportingFailures {
                var findings: [PolicyChecker.Finding] = []
                var sets = 0
                for directory in directories.isEmpty ? ["Policies"] : directories {
                    for (url, display) in try PolicyOptions.setDirectories(at: directory) {
                        sets += 1
                        let config = [url.appendingPathComponent(".luacheckrc"),
                                      url.deletingLastPathComponent().appendingPathComponent(".luacheckrc")]
                            .first { FileManager.default.fileExists(atPath: $0.path) }
                        findings += PolicyChecker(luacheckConfig: config).check(setDirectory: url, displayPath: display, library: library.root)
                    }
                }
                let errors = findings.filter { $0.severity == .error }.count
                let warnings = findings.count - errors
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    print(String(decoding: try encoder.encode(findings), as: UTF8.self))
                } else {
                    for finding in findings { print(finding.description) }
                    print("checked \(sets) policy set\(sets == 1 ? "" : "s"): \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
                }
                if errors > 0 || (strict && warnings > 0) { throw ExitCode(1) }
            }
        }
    }
}
