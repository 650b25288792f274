import Foundation
import TestSupport
import Testing
@testable import PolicyEngine

/// The policy sets shipped in Policies/ load and validate.
@Suite("Bundled policy sets load")
struct BundledPoliciesTests {
    static let policies = BundledPolicies.folder

    /// Every bundled set (Policies/*, but the shared lib).
    static var setNames: [String] { BundledPolicies.setNames }

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
