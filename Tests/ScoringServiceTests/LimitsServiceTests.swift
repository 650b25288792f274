import Foundation
import LuaHost
import TestSupport
import Testing
@testable import ScoringService

@Suite("Policy limits hold in the service")
struct LimitsServiceTests {
    /// The agents policy with its entry tier gated by a check whose body is `body`.
    func checking(_ body: String, limits: String? = nil) -> String {
        agentsPolicy.replacingOccurrences(
            of: "ps.tier \"Authorized\" { benefits = { commission = 0.08 } },",
            with: "ps.tier \"Authorized\" { entry = { ps.check('spin', function(p) \(body) end) } },")
            .replacingOccurrences(of: "cadence = \"monthly\",", with: "cadence = \"monthly\",\(limits.map { " limits = \($0)," } ?? "")")
    }

    @Test("a live evaluation whose error object's __tostring loops answers 422 promptly, and the server keeps serving")
    func loopingToString() async throws {
        let fixture = try ServiceFixture()
        try fixture.writePolicy(checking("""
            if p.id == 'A-2' then error(setmetatable({}, {__tostring = function() while true do end end})) end return true
            """))
        try await fixture.withServer { api in
            // More requests than the two workers: none stays stuck.
            for _ in 0..<3 {
                let clock = ContinuousClock()
                let start = clock.now
                let response = try await api.get("/v1/partners/A-2/evaluation?as_of=2025-04-30", token: fixture.viewer)
                expectError(response, 422, "policy_error")
                #expect(response.error["file"] as? String == "Policies/agents/agents.lua")
                #expect(response.error["line"] as? Int == 6)
                // Whichever default limit comes first on a loaded machine.
                let message = response.error["message"] as? String ?? ""
                #expect(message.contains("instruction limit of 10000000 exceeded") || message.contains("time limit of 500 ms exceeded"),
                        "\(response.text)")
                // Not stuck: the limit above fired. The bound only says no request waits for another's
                // loop; it is loose because a loaded machine (parallel CI jobs) slows every request.
                #expect(clock.now - start < .seconds(20))
            }
            let fine = try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30", token: fixture.viewer)
            #expect(fine.status == 200, "\(fine.text)")
            #expect(try await api.get("/health").status == 200)
            let run = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-04-30"}"#)
            expectError(run, 422, "policy_error")
            #expect((run.error["message"] as? String)?.contains("partner A-2") == true)
        }
    }

    @Test("the policy's limits apply to live evaluations, and serve's limits win over them")
    func configuredLimits() async throws {
        let fixture = try ServiceFixture()
        try fixture.writePolicy(checking("local n = 0 for i = 1, 1e6 do n = n + i end return true", limits: "{ instructions = 50000 }"))
        try await fixture.withServer { api in
            let response = try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30", token: fixture.viewer)
            expectError(response, 422, "policy_error")
            #expect((response.error["message"] as? String)?.contains("instruction limit of 50000 exceeded") == true, "\(response.text)")
        }
        var configuration = fixture.configuration()
        configuration.limits = LuaLimits.Overrides(instructions: 20_000_000)
        try await fixture.withServer(configuration) { api in
            let response = try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30", token: fixture.viewer)
            #expect(response.status == 200, "\(response.text)")
        }
    }
}
