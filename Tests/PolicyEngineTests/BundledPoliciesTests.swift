import Foundation
import TestSupport
import Testing
@testable import PolicyEngine

/// The policy sets shipped in Policies/ load and validate.
@Suite("Bundled policy sets load")
struct BundledPoliciesTests {
    static let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Policies")

    static var setNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: policies.path)) ?? [])
            .filter { $0 != "lib" && !$0.hasPrefix(".") }
            .filter { var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: policies.appendingPathComponent($0).path, isDirectory: &isDirectory) && isDirectory.boolValue }
            .sorted()
    }

    @Test("every set loads and governs at least one program", arguments: setNames)
    func loads(name: String) throws {
        let set = try PolicySet(directory: Self.policies.appendingPathComponent(name), displayPath: "Policies/\(name)")
        #expect(!set.programs.isEmpty)
        for policy in set.policies {
            #expect(policy.tiers.count >= 2)
            #expect(!policy.interventions.isEmpty)
        }
    }

    @Test("the expected sets are there")
    func names() {
        #expect(Set(Self.setNames).isSuperset(of: ["healthcare", "saas", "telecom"]))
    }
}
