import ArgumentParser
import Foundation
import LuaHost
import PartnerModel
import PolicyEngine
import PolicyToolchain

extension Partnerscore {
    /// Preview a policy change on real data.
    struct DiffCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Evaluate two versions of a policy set on the same data and show what would change.",
            discussion: """
                Both versions are evaluated as of the date from the same stored state, writing \
                nothing: the state the ledger holds for the --from set, whatever folder --to is \
                in (a copy of a set is the same set). --to resolves shared modules from the lib \
                folder beside it, else from the --from set's; --lib names another. Reports the \
                tier migration matrix, partners the new version demotes or puts in tier review, \
                partners placed in a lower or higher tier, compliance gate changes, health band \
                shifts and intervention changes, with the partners affected. When the cadence \
                does not make tiers due on the date, says so (--as-if-due evaluates them as if \
                due). --fail-on-demotions N exits 1 when more than N partners would be demoted or \
                put in tier review (each review ends in demotion unless the partner recovers).
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var limits: LimitOptions

        @Option(help: "The current version of the policy set (a set folder).", completion: .directory)
        var from: String

        @Option(help: "The proposed version of the policy set (a set folder, anywhere).", completion: .directory)
        var to: String

        /// For the --to version only.
        @OptionGroup var library: LibraryOption

        @Flag(name: .customLong("as-if-due"), help: "Evaluate tiers as if the cadence made them due on the date.")
        var asIfDue = false

        @Option(name: .customLong("as-of"), help: "The evaluation date (YYYY-MM-DD).")
        var asOf: String

        @Option(name: .customLong("fail-on-demotions"), help: "Exit 1 when more than N partners would be demoted or put in review.")
        var failOnDemotions: Int?

        @Option(help: "Output: text or json.")
        var format: Format = .text

        @Option(help: "Partners listed per section in text output.")
        var limit = 20

        enum Format: String, ExpressibleByArgument { case text, json }

        /// The library `--to` resolves shared modules from: `--lib`, else the
        /// lib folder beside it, else the `--from` set's (a set copied on its own
        /// out of the Policies folder still finds `common`).
        func toLibrary(besideFrom old: PolicySet) -> ModuleResolver.Root {
            if let root = library.root { return root }
            let beside = ModuleResolver.sharedLibrary(besideSet: URL(fileURLWithPath: to), displayPath: PolicyOptions.display(to))
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: beside.directory.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return beside
            }
            return old.library
        }

        func run() throws {
            try reportingFailures {
                let day = try Day(parsing: asOf)
                let partnerStore = try store.openExisting()
                let old = try PolicyOptions.load(URL(fileURLWithPath: from), display: PolicyOptions.display(from), library: library.root,
                                                 limits: limits.overrides)
                let new = try PolicyOptions.load(URL(fileURLWithPath: to), display: PolicyOptions.display(to), name: old.name,
                                                 library: toLibrary(besideFrom: old), limits: limits.overrides)
                let report = try PolicyDiff(store: partnerStore, from: old, to: new, tiersAsIfDue: asIfDue).run(asOf: day)
                switch format {
                case .text: print(report.text(limit: limit), terminator: "")
                case .json:
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    print(String(decoding: try encoder.encode(report), as: UTF8.self))
                }
                if failOnDemotions != nil, report.partnersWithTiersNotDue > 0 {
                    FileHandle.standardError.write(Data(("diff: tiers are not due as of \(day) for \(report.partnersWithTiersNotDue) "
                        + "of the partners; no demotions or reviews are counted for them (--as-if-due counts them)\n").utf8))
                }
                if let limit = failOnDemotions, report.demotionCount > limit {
                    FileHandle.standardError.write(Data("diff: \(TextFormat.count(report.demotionCount, "partner")) would be demoted or put in tier review (limit \(limit))\n".utf8))
                    throw ExitCode(1)
                }
            }
        }
    }
}
