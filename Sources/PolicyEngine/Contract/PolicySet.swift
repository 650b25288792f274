import Crypto
import Foundation
import LuaHost
import PartnerModel

/// A policy set: the folder `Policies/<industry>/` with its policy files
/// (the `*.lua` files directly inside), helper modules (subfolders, or the
/// shared `Policies/lib`) and `fixtures/`.
///
/// A set owns one ``LuaState``: its policies are compiled once and their Lua
/// functions stay in that state. Load one set per worker thread.
public final class PolicySet {
    /// The folder name (`telecom`).
    public let name: String
    public let directory: URL
    /// How files of the set are named in messages (`Policies/telecom`).
    public let displayPath: String
    /// In file name order.
    public let policies: [Policy]
    /// SHA-256 over every Lua file of the set and of the shared lib folder.
    public let contentHash: String
    public let lua: LuaState
    /// The limits the set was loaded with explicitly (a run's flags): they
    /// apply to loading its files and win over each policy's `limits`.
    public let limitOverrides: LuaLimits.Overrides
    private let byProgram: [String: Int]

    /// Load and validate every policy of the set at `directory`. Throws ``PolicyError``.
    public init(directory: URL, displayPath: String? = nil, limits overrides: LuaLimits.Overrides = .init()) throws {
        limitOverrides = overrides
        let limits = LuaLimits.default.overridden(by: overrides)
        let directory = directory.standardizedFileURL
        let display = displayPath ?? directory.relativePath
        self.directory = directory
        self.displayPath = display
        self.name = directory.lastPathComponent
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
                .filter { $0.pathExtension == "lua" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw PolicyError(.policySet, file: display, "cannot read the policy set folder: \(error.localizedDescription)")
        }
        guard !files.isEmpty else {
            throw PolicyError(.policySet, file: display, "no policy files (*.lua) in this folder")
        }
        let hash = PolicySet.hash(of: directory, display: display)
        contentHash = hash
        do {
            lua = try LuaState(modules: .forPolicySet(at: directory, displayPath: display), limits: limits)
            try HostLibrary.install(in: lua)
        } catch let error as LuaError {
            throw PolicyError(error, file: display)
        } catch {
            throw PolicyError(.policySet, file: display, "\(error)")
        }
        var policies: [Policy] = []
        var byProgram: [String: Int] = [:]
        for file in files {
            let chunkName = display + "/" + file.lastPathComponent
            var value: LuaValue
            do {
                value = try lua.run(contentsOf: file.path, chunkName: chunkName, limits: limits)
            } catch let error as LuaError {
                throw PolicyError(error, file: chunkName)
            }
            // `return ps.policy { ... }` is a tail call, so Lua cannot tell
            // where the table was declared: use the line that says ps.policy.
            if case .table(var fields) = value, fields["_line"] == nil {
                fields["_line"] = .integer(Int64(PolicySet.line(containing: "ps.policy", in: file) ?? 1))
                value = .table(fields)
            }
            let policy = try PolicyLoader(file: chunkName, contentHash: hash, runLimits: overrides).policy(from: value)
            for program in policy.programs {
                if let other = byProgram[program] {
                    throw PolicyError(.validation, file: chunkName, field: "programs",
                                      "program '\(program)' is already governed by \(policies[other].file); a program has one policy per set")
                }
                byProgram[program] = policies.count
            }
            policies.append(policy)
        }
        self.policies = policies
        self.byProgram = byProgram
    }

    /// Another copy of the set, loaded from the same folder with the same
    /// limits (a worker's own Lua state). Its content hash tells whether the
    /// files changed in between.
    public func loadCopy() throws -> PolicySet {
        try PolicySet(directory: directory, displayPath: displayPath, limits: limitOverrides)
    }

    /// The policy governing `program` in this set.
    public func policy(forProgram program: String) -> Policy? {
        // Asked once per partner evaluation. A set governs a few programs, and
        // comparing a few short names costs less than hashing one.
        if byProgram.count <= 8 {
            for i in policies.indices where policies[i].programs.contains(program) { return policies[i] }
            return nil
        }
        return byProgram[program].map { policies[$0] }
    }

    /// Every program the set governs, sorted.
    public var programs: [String] { byProgram.keys.sorted() }

    static func line(containing needle: String, in file: URL) -> Int? {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains(needle) {
            return number + 1
        }
        return nil
    }

    /// SHA-256 over the relative path and bytes of each `.lua` file of the
    /// set (fixtures excluded) and of the shared lib folder, in path order.
    static func hash(of directory: URL, display: String) -> String {
        var hasher = SHA256()
        let lib = directory.deletingLastPathComponent().appendingPathComponent("lib")
        for (root, prefix) in [(directory, "set"), (lib, "lib")] {
            guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            var files: [(String, URL)] = []
            for case let url as URL in enumerator where url.pathExtension == "lua" {
                let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count))
                if relative.hasPrefix("/fixtures/") { continue }
                files.append((prefix + relative, url))
            }
            for (relative, url) in files.sorted(by: { $0.0 < $1.0 }) {
                hasher.update(data: Data(relative.utf8))
                hasher.update(data: Data([0]))
                hasher.update(data: (try? Data(contentsOf: url)) ?? Data())
                hasher.update(data: Data([0]))
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
