import Foundation
import PolicyEngine
import TestSupport
@testable import PolicyToolchain

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
    let folder = try PolicyFolder(files: files)
    let set = try PolicySet(directory: folder.set("s"), displayPath: "Policies/s")
    return FixtureRunner(setDirectory: folder.set("s"), displayPath: "Policies/s").run(policySet: set)
}
