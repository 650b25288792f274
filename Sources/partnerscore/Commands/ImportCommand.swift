import ArgumentParser
import Foundation
import PartnerStore
import PolicyEngine

extension Partnerscore {
    /// Import partner and event files in one transaction.
    struct ImportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import partners and events from CSV or JSON Lines files, all or nothing.",
            discussion: """
                All files are imported in one transaction: partner files first, then event files, \
                whatever their order. The first bad row aborts the import with its file, line and \
                field, and nothing is written. Partners are updated by id. Events of a custom kind \
                are accepted when a measure of the policies given with --policies names the kind. \
                See README "Data formats".
                """
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: "Partner and event files (.csv or .jsonl).", completion: .file())
        var files: [String]

        @Option(name: .customLong("policies"),
                help: "Accept the custom event kinds this policy set's measures name (a set folder or a folder of sets; repeatable).",
                completion: .directory)
        var policies: [String] = []

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one file to import") }
        }

        func run() throws {
            try reportingFailures {
                let opened = try store.openExisting()
                let kinds = EventKinds(custom: try PolicyOptions.loadSets(at: policies).flatMap(\.measures.customKinds))
                let start = Date()
                let showProgress = stderrIsTerminal
                let summary = try opened.importFiles(files, kinds: kinds) { records in
                    if showProgress { printError("\rimporting: \(records) records") }
                }
                if showProgress { printError("\r\u{1B}[K") }
                let seconds = Date().timeIntervalSince(start)
                let rate = seconds > 0 ? Int(Double(summary.events) / seconds) : 0
                print("imported \(summary) from \(files.count) file\(files.count == 1 ? "" : "s") in "
                      + String(format: "%.1f s (%d events/s)", seconds, rate))
            }
        }
    }
}
