import Foundation
import PolicyEngine
@testable import PolicyToolchain

/// A Policies folder written for one test (with the shared lib folder).
final class PoliciesFolder {
    let root: URL
    init(_ files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ps-toolchain-\(UUID().uuidString)/Policies")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("lib"), withIntermediateDirectories: true)
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }
    func set(_ name: String) -> URL { root.appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
}

func policy(programs: String = "\"p\"", cadence: String = "monthly", _ body: String) -> String {
    """
    local ps = require "partnerscore"
    return ps.policy {
      name = "T", version = "1", effective = "2025-01-01", programs = { \(programs) }, cadence = "\(cadence)",
      remediation = "30 days",
    \(body)
    }
    """
}

/// The repository's Policies folder.
let repositoryPolicies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Policies")

/// Run the fixtures of set `s` in a Policies folder made of `files`.
func runFixtures(_ files: [String: String]) throws -> [CaseResult] {
    let folder = try PoliciesFolder(files)
    let set = try PolicySet(directory: folder.set("s"), displayPath: "Policies/s")
    return FixtureRunner(setDirectory: folder.set("s"), displayPath: "Policies/s").run(policySet: set)
}
