import Foundation
import TestSupport
import Testing
@testable import ScoringService

@Suite("Policy sets and hot reload")
struct PoliciesTests {
    @Test("the policies endpoint lists each set's programs, policy versions and content hash")
    func list() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            let response = try await api.get("/v1/policies", token: fixture.viewer)
            #expect(response.status == 200)
            let sets = response.json["policy_sets"] as? [[String: Any]] ?? []
            #expect(sets.count == 1)
            #expect(sets.first?["name"] as? String == "agents")
            #expect(sets.first?["programs"] as? [String] == ["agents"])
            #expect((sets.first?["content_hash"] as? String)?.count == 64)
            let policy = (sets.first?["policies"] as? [[String: Any]])?.first ?? [:]
            #expect(policy["version"] as? String == "1.0")
            #expect(policy["tiers"] as? [String] == ["Authorized", "Premier"])
            #expect((response.json["reload_errors"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("a broken edit keeps the old version serving and reports file:line; a fixed one is swapped in")
    func reload() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            let hash = try await contentHash(api, fixture)
            let unchanged = try await api.call(.post, "/v1/policies/reload", token: fixture.designer)
            #expect(unchanged.status == 200)
            #expect(unchanged.json["unchanged"] as? [String] == ["agents"])

            try fixture.writePolicy(agentsPolicy.replacingOccurrences(of: "cadence = \"monthly\",", with: "cadence = \"monthly\"\n  oops oops,"))
            let broken = try await api.call(.post, "/v1/policies/reload", token: fixture.designer)
            expectError(broken, 422, "policy_invalid")
            #expect(broken.error["file"] as? String == "Policies/agents/agents.lua")
            #expect(broken.error["line"] as? Int == 5)
            #expect((broken.error["message"] as? String)?.contains("Policies/agents/agents.lua:5") == true, "\(broken.text)")

            // Still serving version 1.0, and saying why not the edit.
            #expect(try await contentHash(api, fixture) == hash)
            #expect(try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30", token: fixture.viewer).status == 200)
            let health = try await api.get("/health")
            #expect(health.status == 200)
            let error = health.json["last_reload_error"] as? [String: Any] ?? [:]
            #expect(error["file"] as? String == "Policies/agents/agents.lua")
            #expect(error["line"] as? Int == 5)
            let listed = try await api.get("/v1/policies", token: fixture.viewer)
            #expect(((listed.json["policy_sets"] as? [[String: Any]])?.first?["reload_error"] as? [String: Any])?["line"] as? Int == 5)

            try fixture.writePolicy(agentsPolicy.replacingOccurrences(of: "version = \"1.0\"", with: "version = \"1.1\""))
            let fixed = try await api.call(.post, "/v1/policies/reload", token: fixture.designer)
            #expect(fixed.status == 200, "\(fixed.text)")
            #expect(fixed.json["swapped"] as? [String] == ["agents"])
            #expect(try await contentHash(api, fixture) != hash)
            let evaluation = try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30", token: fixture.viewer)
            #expect(((evaluation.json["evaluation"] as? [String: Any])?["policy"] as? [String: Any])?["version"] as? String == "1.1")
            #expect(try await api.get("/health").json["last_reload_error"] is NSNull)
        }
    }

    @Test("the watcher picks up an edit by itself, and ignores a broken one")
    func watcher() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer(fixture.configuration(watchInterval: .milliseconds(50))) { api in
            try fixture.writePolicy(agentsPolicy.replacingOccurrences(of: "version = \"1.0\"", with: "version = \"2.0\""))
            #expect(try await eventually { try await version(api, fixture) == "2.0" })

            try fixture.writePolicy(agentsPolicy.replacingOccurrences(of: "version = \"1.0\"", with: "version = 3.0 +"))
            #expect(try await eventually { try await api.get("/health").json["last_reload_error"] is [String: Any] })
            #expect(try await version(api, fixture) == "2.0")
        }
    }

    func contentHash(_ api: API, _ fixture: ServiceFixture) async throws -> String? {
        let sets = try await api.get("/v1/policies", token: fixture.viewer).json["policy_sets"] as? [[String: Any]]
        return sets?.first?["content_hash"] as? String
    }

    func version(_ api: API, _ fixture: ServiceFixture) async throws -> String? {
        let sets = try await api.get("/v1/policies", token: fixture.viewer).json["policy_sets"] as? [[String: Any]]
        return (sets?.first?["policies"] as? [[String: Any]])?.first?["version"] as? String
    }

    /// Polls `condition` for up to 10 s.
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
