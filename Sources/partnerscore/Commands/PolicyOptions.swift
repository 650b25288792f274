import ArgumentParser
import Foundation
import LuaHost
import PartnerModel
import PolicyEngine

/// `--policies DIR`: one policy set folder (`Policies/telecom`) or a folder
/// of sets (`Policies`, every subfolder but `lib`); `--lib` and `--set-name`
/// for a set kept outside its Policies folder.
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("policies"), help: "A policy set folder, or a folder of policy sets (e.g. Policies).",
            completion: .directory)
    var path: String

    @OptionGroup var library: LibraryOption

    @Option(name: .customLong("set-name"), help: ArgumentHelp(
        "The name the ledger knows the set by (default: its folder name).",
        discussion: "A copy of a set in another folder is the same set only under the same name: --set-name telecom "
            + "continues the history of Policies/telecom.", valueName: "NAME"))
    var setName: String?

    func validate() throws {
        if let setName, setName.isEmpty { throw ValidationError("--set-name must not be empty") }
    }

    /// The set folders `path` names, in name order.
    func setDirectories() throws -> [(url: URL, display: String)] {
        try PolicyOptions.setDirectories(at: path)
    }

    static func setDirectories(at path: String) throws -> [(url: URL, display: String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("error: no policy folder at \(path) — pass a set folder such as Policies/telecom or the Policies folder")
        }
        let url = URL(fileURLWithPath: path)
        let display = Self.display(path)
        let entries = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        if entries.contains(where: { $0.hasSuffix(".lua") }) { return [(url, display)] }
        let sets = entries.filter { name in
            var sub: ObjCBool = false
            return name != "lib" && !name.hasPrefix(".")
                && FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &sub) && sub.boolValue
                && ((try? FileManager.default.contentsOfDirectory(atPath: url.appendingPathComponent(name).path)) ?? [])
                    .contains { $0.hasSuffix(".lua") }
        }
        guard !sets.isEmpty else {
            throw CommandFailure("error: \(path) holds no policy files and no policy set folders")
        }
        return sets.map { (url.appendingPathComponent($0), display + "/" + $0) }
    }

    /// Load every set, failing with the policy's file and line.
    func loadSets(limits: LuaLimits.Overrides) throws -> [PolicySet] {
        let directories = try setDirectories()
        if setName != nil, directories.count > 1 {
            throw CommandFailure("error: --set-name names one set, but \(path) holds \(directories.count) — pass one set folder")
        }
        return try directories.map { try PolicyOptions.load($0.url, display: $0.display, name: setName, library: library.root, limits: limits) }
    }

    /// Every set of every folder in `paths` (each a set folder or a folder of sets), in order,
    /// with `library` as their shared modules folder when given.
    static func loadSets(at paths: [String], library: ModuleResolver.Root? = nil) throws -> [PolicySet] {
        try paths.flatMap { try setDirectories(at: $0) }.map { try load($0.url, display: $0.display, library: library) }
    }

    /// The measures of `sets` as one plan, in set order (a measure two sets declare alike is one).
    static func measures(of sets: [PolicySet]) throws -> MeasurePlan {
        do {
            return try PolicySet.plan(sets.flatMap(\.measures.declarations))
        } catch let error as PolicyError {
            throw CommandFailure("error[policy]: \(error) (the sets given share one snapshot: export them one at a time)")
        }
    }

    /// How messages name a folder given as `path` (without a trailing slash).
    static func display(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    static func load(_ url: URL, display: String, name: String? = nil, library: ModuleResolver.Root? = nil,
                     limits: LuaLimits.Overrides = .init()) throws -> PolicySet {
        try PolicySet(directory: url, displayPath: display, name: name, library: library, limits: limits)
    }
}

/// `--lib DIR`: the shared modules folder `require` falls back to after the
/// set's own folder.
struct LibraryOption: ParsableArguments {
    @Option(name: .customLong("lib"), help: ArgumentHelp(
        "The shared modules folder (default: the lib folder beside each set).",
        discussion: "For a set kept outside its Policies folder, e.g. --lib Policies/lib.", valueName: "DIR"),
            completion: .directory)
    var path: String?

    func validate() throws {
        guard let path else { return }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--lib: no folder at \(path)")
        }
    }

    var root: ModuleResolver.Root? {
        path.map { ModuleResolver.Root(directory: URL(fileURLWithPath: $0), displayPath: PolicyOptions.display($0)) }
    }
}
