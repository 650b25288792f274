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
    /// What the ledger knows the set by: its partners' remembered state,
    /// decisions and alerts are kept under this name. The folder name
    /// (`telecom`) unless the set is loaded under another (a copy of a set
    /// being previewed is the same set).
    public let name: String
    public let directory: URL
    /// How files of the set are named in messages (`Policies/telecom`).
    public let displayPath: String
    /// The shared modules folder `require` falls back to: the `lib` folder
    /// beside the set unless another was named.
    public let library: ModuleResolver.Root
    /// In file name order.
    public let policies: [Policy]
    /// SHA-256 over every Lua file of the set and of the shared lib folder.
    public let contentHash: String
    /// The measures the set's policies declare, in file name order then
    /// declaration order (a measure two files declare alike is one).
    /// Snapshots for this set are computed with it.
    public let measures: MeasurePlan
    public let lua: LuaState
    /// The limits the set was loaded with explicitly (a run's flags): they
    /// apply to loading its files and win over each policy's `limits`.
    public let limitOverrides: LuaLimits.Overrides
    private let byProgram: [String: Int]
    /// Keeps what policy functions print, per partner; nil (the default) discards it.
    public var printCapture: PrintCapture? {
        didSet {
            capturesPrints = printCapture != nil
            lua.output = printCapture.map { capture in { capture.append($0) } } ?? { _ in }
        }
    }
    /// Read for every partner evaluated: a flag costs less than retaining the capture.
    private(set) var capturesPrints = false

    /// Load and validate every policy of the set at `directory`. Throws ``PolicyError``.
    ///
    /// - Parameters:
    ///   - name: the set's name in the ledger (default: the folder name).
    ///   - library: the shared modules folder (default: `lib` beside the set).
    ///   - limits: the limits the run sets explicitly (its flags).
    ///   - recordsCoverage: record executed lines from the start, so what
    ///     runs while the set loads counts (`partnerscore test --coverage`).
    public init(directory: URL, displayPath: String? = nil, name: String? = nil, library: ModuleResolver.Root? = nil,
                limits overrides: LuaLimits.Overrides = .init(), recordsCoverage: Bool = false) throws {
        limitOverrides = overrides
        let limits = LuaLimits.default.overridden(by: overrides)
        let directory = directory.standardizedFileURL
        let display = displayPath ?? directory.relativePath
        self.directory = directory
        self.displayPath = display
        self.name = name ?? directory.lastPathComponent
        let library = library ?? ModuleResolver.sharedLibrary(besideSet: directory, displayPath: display)
        self.library = library
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
        let hash = PolicySet.hash(of: directory, library: library.directory)
        contentHash = hash
        do {
            lua = try LuaState(modules: .forPolicySet(at: directory, displayPath: display, library: library), limits: limits)
            lua.recordsCoverage = recordsCoverage
            try HostLibrary.install(in: lua)
        } catch let error as LuaError {
            throw PolicyError(error, file: display)
        } catch {
            throw PolicyError(.policySet, file: display, "\(error)")
        }
        // Run every file first: the set's measures are gathered from all of
        // them before any policy's criteria are checked against them.
        var values: [(chunkName: String, value: LuaValue)] = []
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
            values.append((chunkName, value))
        }
        var declared: [[MeasureDeclaration]] = []
        var bases: [MeasureDeclaration] = []
        for (chunkName, value) in values {
            guard case .table(let fields) = value, fields["_kind"] == "policy" else { declared.append([]); continue }
            let loader = PolicyLoader(file: chunkName, contentHash: hash)
            declared.append(try loader.measures(from: value))
            // Incentive bases are measures the host adds (hidden), after the declared ones.
            bases += try loader.incentiveBases(from: value)
        }
        measures = try PolicySet.plan(declared.flatMap { $0 } + bases)
        var policies: [Policy] = []
        var byProgram: [String: Int] = [:]
        for ((chunkName, value), own) in zip(values, declared) {
            let loader = PolicyLoader(file: chunkName, contentHash: hash, measures: measures, declared: Set(own.map(\.name)),
                                      runLimits: overrides)
            let policy = try loader.policy(from: value)
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

    /// The same set loaded again into a state of its own (one per worker
    /// thread), under the same name, library and limits. Its content hash
    /// tells whether the files changed in between.
    public func loadCopy() throws -> PolicySet {
        try PolicySet(directory: directory, displayPath: displayPath, name: name, library: library, limits: limitOverrides)
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

    /// The measures of `declarations` as one plan: a name declared twice
    /// alike (a shared module's measure, included by two policies) is one
    /// measure; declared twice differently, an error naming both places.
    public static func plan(_ declarations: [MeasureDeclaration]) throws -> MeasurePlan {
        var unique: [MeasureDeclaration] = []
        // Hidden measures (incentive bases) after every declared one: the plan shows its first ones.
        for d in declarations.filter({ !$0.isHidden }) + declarations.filter(\.isHidden) {
            guard let first = unique.first(where: { $0.name == d.name }) else {
                unique.append(d)
                continue
            }
            if first.definition != d.definition {
                throw PolicyError(.validation, file: d.file, line: d.line, field: "measures",
                                  "measure '\(d.name)' is declared differently at \(first.location); "
                                      + "a name means one measure in a set (declare it once, in a module of Policies/lib, to share it)")
            }
        }
        do {
            return try MeasurePlan(unique)
        } catch {
            let d = unique[error.declaration]
            throw PolicyError(.validation, file: d.file, line: d.line, field: "measures.\(d.name).\(error.field)"
                                  .replacingOccurrences(of: ".[", with: "["), error.message)
        }
    }

    /// Whether a step of some policy's menu declares a `pause`: only then
    /// does a run read the partners' acknowledged tasks.
    public var pausesEscalation: Bool { policies.contains { $0.interventions.contains { $0.pause != nil } } }

    static func line(containing needle: String, in file: URL) -> Int? {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains(needle) {
            return number + 1
        }
        return nil
    }

    /// SHA-256 over the relative path and bytes of each `.lua` file of the
    /// set (fixtures excluded) and of its shared library folder, in path
    /// order: a copy of a set with the same library has the same hash.
    static func hash(of directory: URL, library: URL) -> String {
        var hasher = SHA256()
        for (root, prefix) in [(directory, "set"), (library, "lib")] {
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
