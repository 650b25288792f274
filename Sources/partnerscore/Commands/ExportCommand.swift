import ArgumentParser
import Foundation
import PartnerModel
import PartnerStore
import ProgramEvaluation

extension Partnerscore {
    /// Export partners or snapshots as CSV or JSON.
    struct ExportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export partners, their snapshots as of a day, or incentive statements and payouts, as CSV or JSON.",
            discussion: """
                partners: the import format (re-imports as is). snapshots: one row per partner \
                enrolled by --as-of, one column per metric (empty: no value), the milestone dates, \
                and with --policies one column per measure the policies declare. incentives: the \
                incentive ledger's lines per partner and period (--statement, the default) or the \
                totals to pay per partner, period and currency (--payout), of the periods chosen \
                by --period or --from/--to (default: all).
                """
        )

        enum What: String, ExpressibleByArgument, CaseIterable {
            case partners, snapshots, incentives
        }

        @OptionGroup var store: StoreOptions

        @Argument(help: "partners, snapshots or incentives.")
        var what: What

        @Option(name: .customLong("as-of"), help: "The as-of day for snapshots (YYYY-MM-DD).")
        var asOf: String?

        @Option(name: .customLong("program"), help: "Only partners of this program (repeatable).")
        var programs: [String] = []

        @Option(name: .customLong("partner"), help: "Only this partner id (repeatable; snapshots and incentives).")
        var partnerIDs: [String] = []

        @Option(name: .customLong("policies"),
                help: "Add the measures a policy set declares (a set folder or a folder of sets; repeatable; snapshots).",
                completion: .directory)
        var policies: [String] = []

        @Option(help: "Incentives: only this payment period (2026-10, 2026-Q4, 2026, FY2027-Q1).")
        var period: String?

        @Option(help: "Incentives: only periods ending on or after this day (YYYY-MM-DD).")
        var from: String?

        @Option(help: "Incentives: only periods starting on or before this day (YYYY-MM-DD).")
        var to: String?

        @Option(name: .customLong("set"), help: "Incentives: only lines of this policy set (its ledger name).")
        var policySet: String?

        @Flag(name: .customLong("statement"), help: "Incentives: every line of each partner's statement (the default).")
        var statement = false

        @Flag(name: .customLong("payout"), help: "Incentives: the total to pay per partner, period and currency, by line type.")
        var payout = false

        @Option(help: "csv or json.")
        var format: String = "csv"

        @Option(help: "Write to this file instead of stdout.", completion: .file())
        var out: String?

        func validate() throws {
            guard ExportFormat(rawValue: format) != nil else { throw ValidationError("--format must be csv or json") }
            if what == .snapshots && asOf == nil { throw ValidationError("snapshots need --as-of YYYY-MM-DD") }
            if what == .partners && !policies.isEmpty { throw ValidationError("--policies adds measures to snapshots; partners have none") }
            let incentiveOptions = [period.map { _ in "--period" }, from.map { _ in "--from" }, to.map { _ in "--to" },
                                    policySet.map { _ in "--set" }, statement ? "--statement" : nil, payout ? "--payout" : nil].compactMap { $0 }
            if what != .incentives, let first = incentiveOptions.first { throw ValidationError("\(first) is for export incentives") }
            if statement && payout { throw ValidationError("give --statement or --payout, not both") }
            if what == .incentives && !policies.isEmpty { throw ValidationError("--policies is for snapshots; incentives are read from the ledger") }
            for (name, value) in [("--from", from), ("--to", to)] {
                if let value, (try? Day(parsing: value)) == nil { throw ValidationError("\(name) must be a day, YYYY-MM-DD (got '\(value)')") }
            }
        }

        func run() throws {
            try reportingFailures {
                let opened = try store.openExisting()
                let exporter = Exporter(store: opened)
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
                case .incentives:
                    let filter = IncentiveLedger.Filter(policySet: policySet, period: period, from: try from.map(Day.init(parsing:)),
                                                        to: try to.map(Day.init(parsing:)))
                    var lines = try IncentiveLedger.lines(in: opened, filter)
                    if !partnerIDs.isEmpty { lines = lines.filter { partnerIDs.contains($0.partnerID) } }
                    if let programs { lines = lines.filter { programs.contains($0.program) } }
                    let kind = IncentiveStatements.Format(rawValue: format.rawValue)!
                    try output.write(payout ? IncentiveStatements.payout(lines, format: kind) : IncentiveStatements.statement(lines, format: kind))
                }
                try output.close()
            }
        }
    }
}
