import Foundation
import PolicyEngine

/// A `Policies` folder written for one test: its shared `lib` folder and
/// the files given (paths relative to `Policies`), removed afterwards.
public final class PolicyFolder: @unchecked Sendable {
    private let folder: TemporaryFolder
    /// The temporary folder holding `Policies`.
    public var root: URL { folder.url }
    /// The `Policies` folder.
    public let policies: URL
    /// The set ``load()`` loads.
    public let set: URL

    /// `files` by path relative to `Policies` (`"testset/agents.lua"`); `name` is the set ``load()`` loads.
    public init(name: String = "testset", files: [String: String]) throws {
        folder = try TemporaryFolder()
        policies = folder.url.appendingPathComponent("Policies")
        set = policies.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: policies.appendingPathComponent("lib"), withIntermediateDirectories: true)
        for (path, text) in files { try folder.write("Policies/" + path, text) }
    }

    /// A set `agents` of one file, `agents/agents.lua`.
    public convenience init(_ policy: String) throws {
        try self.init(name: "agents", files: ["agents/agents.lua": policy])
    }

    /// The folder of set `name`.
    public func set(_ name: String) -> URL { policies.appendingPathComponent(name) }

    public func load() throws -> PolicySet { try PolicySet(directory: set, displayPath: "Policies/\(set.lastPathComponent)") }
}
