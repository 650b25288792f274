import Foundation
import LuaHost
import TestSupport
import Testing
@testable import PolicyEngine

@Suite("Limits: one set of defaults, a policy's own, a run's flags")
struct PolicyLimitsTests {
    /// A policy whose check loops forever, with `limits` as given.
    func loopingPolicy(limits: String?) -> String {
        """
        local ps = require "partnerscore"
        return ps.policy {
          name = "T", version = "1", effective = "2026-01-01", programs = { "agents" }, cadence = "monthly",
          \(limits.map { "limits = \($0)," } ?? "")
          tiers = { ps.tier "A" {}, ps.tier "B" { entry = { ps.check("spin", function(p) while true do end end) } } },
        }
        """
    }

    func evaluationError(_ set: PolicySet) -> LuaError? {
        do {
            _ = try PartnerEvaluator(policySet: set).evaluate(snapshot(partner(), asOf: "2026-02-01"), state: PartnerProgramState())
            return nil
        } catch let PartnerEvaluator.Failure.policyFunction(_, error) {
            return error.luaError
        } catch {
            return nil
        }
    }

    @Test("the defaults are 10M instructions, 64 MiB and 500 ms, for every call")
    func defaults() throws {
        #expect(LuaLimits.default == LuaLimits(instructions: 10_000_000, memoryBytes: 64 << 20, timeout: .milliseconds(500)))
        let set = try PolicyFolder(files: ["testset/agents.lua": loopingPolicy(limits: nil)]).load()
        #expect(set.policies[0].limits == .default)
        #expect(set.lua.defaultLimits == .default)
        // Whichever default limit comes first on a loaded machine.
        let message = evaluationError(set)?.message
        #expect(message == "instruction limit of 10000000 exceeded" || message == "time limit of 500 ms exceeded")
    }

    @Test("a policy's limits apply to its functions, and a run's flags win over them")
    func policyAndRun() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": loopingPolicy(limits: "{ instructions = 20000, memory_mb = 8 }")])
        let own = try folder.load()
        #expect(own.policies[0].limits == LuaLimits(instructions: 20_000, memoryBytes: 8 << 20, timeout: .milliseconds(500)))
        #expect(evaluationError(own)?.message == "instruction limit of 20000 exceeded")

        let run = try PolicySet(directory: folder.set, displayPath: "Policies/testset",
                                limits: LuaLimits.Overrides(instructions: 0, timeout: .milliseconds(50)))
        #expect(run.policies[0].limits == LuaLimits(instructions: 0, memoryBytes: 8 << 20, timeout: .milliseconds(50)))
        let error = evaluationError(run)
        #expect(error?.kind == .timeLimit && error?.message == "time limit of 50 ms exceeded", "\(String(describing: error))")
        // Copies for other workers keep the run's limits.
        #expect(try run.loadCopy().policies[0].limits == run.policies[0].limits)
        // `policy show` prints the limits the functions run under, every one filled in.
        let shown = try JSONSerialization.jsonObject(with: Data(try ResolvedPolicySet(own).json().utf8)) as? [String: Any]
        let policy = (shown?["policies"] as? [[String: Any]])?.first
        #expect(policy?["limits"] as? [String: Int] == ["instructions": 20_000, "memory_mb": 8, "timeout_ms": 500])
    }

    @Test("two policies of one set each run under their own limits")
    func perPolicy() throws {
        let other = loopingPolicy(limits: "{ instructions = 30000 }").replacingOccurrences(of: "\"agents\"", with: "\"others\"")
        let set = try PolicyFolder(files: ["testset/agents.lua": loopingPolicy(limits: "{ instructions = 20000 }"),
                                          "testset/others.lua": other]).load()
        #expect(set.policy(forProgram: "agents")?.limits.instructions == 20_000)
        #expect(set.policy(forProgram: "others")?.limits.instructions == 30_000)
    }

    @Test("limits are validated with file, line and field", arguments: [
        ("{ timeout = 100 }", "limits.timeout", "unknown field 'timeout' — did you mean 'timeout_ms'? (expected instructions, memory_mb or timeout_ms)"),
        ("{ instructions = 0 }", "limits.instructions", "expected a whole number from 1 to 1000000000, got 0 (a run can set any value with --instructions)"),
        ("{ memory_mb = 4096 }", "limits.memory_mb", "expected a whole number from 1 to 1024, got 4096 (a run can set any value with --memory-mb)"),
        ("{ timeout_ms = 2.5 }", "limits.timeout_ms", "expected a whole number from 1 to 10000, got 2.5 (a run can set any value with --timeout-ms)"),
        ("{ timeout_ms = '1s' }", "limits.timeout_ms", "expected a whole number from 1 to 10000, got the string \"1s\" (a run can set any value with --timeout-ms)"),
        ("500", "limits", "expected { instructions = 20000000, memory_mb = 128, timeout_ms = 1000 } (any of them), got number"),
    ])
    func validation(limits: String, field: String, message: String) throws {
        #expect {
            _ = try PolicyFolder(files: ["testset/agents.lua": loopingPolicy(limits: limits)]).load()
        } throws: { error in
            guard let error = error as? PolicyError else { return false }
            return error.kind == .validation && error.file == "Policies/testset/agents.lua" && error.line == 2
                && error.field == field && error.message == message
        }
    }
}
