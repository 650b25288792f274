import ArgumentParser
import Foundation
import PolicyEngine

extension Partnerscore {
    /// Look at policy sets as the host reads them.
    struct PolicyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "policy",
            abstract: "Show a policy set as the host reads it; write the editor files.",
            subcommands: [Show.self, EditorFilesCommand.self]
        )

        /// `policy show SET`: the resolved policy as JSON.
        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "show",
                abstract: "Print a policy set fully resolved, every default filled in, as JSON.",
                discussion: """
                    Every policy of the set with what the host uses: the cadence and when tiers \
                    are due, each tier's maintenance criteria (its entry criteria when it gives \
                    none), gate warnings, health bands and the band that alerts, every milestone's \
                    deadline (false: switched off), each intervention step's alert kinds, and \
                    where each function is defined. Keys are sorted, so the same set prints the \
                    same bytes.
                    """
            )

            @Argument(help: "A policy set folder.", completion: .directory)
            var directory: String

            @OptionGroup var library: LibraryOption

            func run() throws {
                try reportingFailures {
                    let set = try PolicyOptions.load(URL(fileURLWithPath: directory), display: PolicyOptions.display(directory),
                                                     library: library.root)
                    print(try ResolvedPolicySet(set).json(), terminator: "")
                }
            }
        }

        /// `policy editor-files`: write or check the editor definitions.
        struct EditorFilesCommand: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "editor-files",
                abstract: "Write the editor files (.luarc.json, .luals/*.d.lua, .luacheckrc) made from the host and the sets.",
                discussion: """
                    lua-language-server's definitions come from the metric catalogue, the partner \
                    table, the contract's fields and the partnerscore library, and the measures the \
                    folder's sets declare (.luals/measures.d.lua); luacheck's globals from the sandbox \
                    itself. --check writes nothing and exits 1 when a file in the folder differs from \
                    what the host makes (CI runs it).
                    """
            )

            @Argument(help: "The Policies folder.", completion: .directory)
            var directory = "Policies"

            @Flag(help: "Only compare; exit 1 when a file differs.")
            var check = false

            func run() throws {
                try reportingFailures {
                    // The sets' declared measures become fields of p; a set that does not load says why.
                    let sets = try PolicyOptions.loadSets(at: [directory])
                    let measures = EditorFiles.measures(of: sets, folder: PolicyOptions.display(directory))
                    let files: [(path: String, contents: String)]
                    do { files = try EditorFiles.generate(measures: measures) } catch {
                        throw CommandFailure("error: cannot make the editor files: \(error)")
                    }
                    var stale: [String] = []
                    for file in files {
                        let url = URL(fileURLWithPath: directory).appendingPathComponent(file.path)
                        let display = PolicyOptions.display(directory) + "/" + file.path
                        if (try? String(contentsOf: url, encoding: .utf8)) == file.contents {
                            print("\(display): up to date")
                            continue
                        }
                        if check {
                            stale.append(display)
                            continue
                        }
                        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                        try file.contents.write(to: url, atomically: true, encoding: .utf8)
                        print("\(display): written")
                    }
                    if !stale.isEmpty {
                        throw CommandFailure("error: \(stale.joined(separator: ", ")) differ from what the host makes — "
                            + "run: partnerscore policy editor-files \(PolicyOptions.display(directory))")
                    }
                }
            }
        }
    }
}
