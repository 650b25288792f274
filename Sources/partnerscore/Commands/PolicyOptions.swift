import ArgumentParser
import Foundation
import LuaHost
import PolicyEngine

/// `--policies DIR`: one policy set folder (`Policies/telecom`) or a folder
/// of sets (`Policies`, every subfolder but `lib`).
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("policies"), help: "A policy set folder, or a folder of policy sets (e.g. Policies).",
            completion: .directory)
    var path: String

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
        let display = path.hasSuffix("/") ? String(path.dropLast()) : path
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
        try setDirectories().map { try PolicyOptions.load($0.url, display: $0.display, limits: limits) }
    }

    static func load(_ url: URL, display: String, limits: LuaLimits.Overrides) throws -> PolicySet {
        do {
            return try PolicySet(directory: url, displayPath: display, limits: limits)
        } catch let error as PolicyError {
            throw CommandFailure("error[policy]: \(error)" + (error.luaError?.traceback.map { "\n" + $0 } ?? ""))
        }
    }
}
