import ArgumentParser
import Foundation
import PartnerModel
import PartnerStore

extension Partnerscore {
    /// Export partners or snapshots as CSV or JSON.
    struct ExportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export partners, or their snapshots as of a day, as CSV or JSON.",
            discussion: """
                partners: the import format (re-imports as is). snapshots: one row per partner \
                enrolled by --as-of, one column per metric (empty: no value), the milestone dates, \
                and with --policies one column per measure the policies declare.
                """
        )

        enum What: String, ExpressibleByArgument, CaseIterable {
            case partners, snapshots
        }

        @OptionGroup var store: StoreOptions

        @Argument(help: "partners or snapshots.")
        var what: What

        @Option(name: .customLong("as-of"), help: "The as-of day for snapshots (YYYY-MM-DD).")
        var asOf: String?

        @Option(name: .customLong("program"), help: "Only partners of this program (repeatable).")
        var programs: [String] = []

        @Option(name: .customLong("partner"), help: "Only this partner id (repeatable; snapshots).")
        var partnerIDs: [String] = []

        @Option(name: .customLong("policies"),
                help: "Add the measures a policy set declares (a set folder or a folder of sets; repeatable; snapshots).",
                completion: .directory)
        var policies: [String] = []

        @Option(help: "csv or json.")
        var format: String = "csv"

        @Option(help: "Write to this file instead of stdout.", completion: .file())
        var out: String?

        func validate() throws {
            guard ExportFormat(rawValue: format) != nil else { throw ValidationError("--format must be csv or json") }
            if what == .snapshots && asOf == nil { throw ValidationError("snapshots need --as-of YYYY-MM-DD") }
            if what == .partners && !policies.isEmpty { throw ValidationError("--policies adds measures to snapshots; partners have none") }
        }

        func run() throws {
            try reportingStoreFailures {
                let exporter = Exporter(store: try store.openExisting())
                let format = ExportFormat(rawValue: format)!
                let output = try TextOutput(path: out)
                let programs = programs.isEmpty ? nil : programs
                switch what {
                case .partners:
                    try exporter.exportPartners(programs: programs, format: format, to: output.write)
                case .snapshots:
                    let day = try Day(parsing: asOf!)
                    let measures = try PolicyOptions.measures(of: PolicyOptions.loadSets(at: policies))
                    try exporter.exportSnapshots(asOf: day, programs: programs, partnerIDs: partnerIDs.isEmpty ? nil : partnerIDs,
                                                 measures: measures, format: format, to: output.write)
                }
                try output.close()
            }
        }
    }
}
