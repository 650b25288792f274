import Foundation
import TestSupport
import Testing
@testable import PolicyToolchain

@Suite("check finds each class of policy mistake, with file and line")
struct PolicyCheckerTests {
    func findings(_ body: String) throws -> [PolicyChecker.Finding] {
        let folder = try PolicyFolder(files: ["s/p.lua": policy(body)])
        return PolicyChecker().check(setDirectory: folder.set("s"), displayPath: "Policies/s")
    }

    @Test("an unknown metric name, with did-you-mean")
    func unknownMetric() throws {
        let f = try findings("""
              tiers = {
                ps.tier "A" {},
                ps.tier "B" { entry = { ps.at_least("logins_30", 4) } },
              },
            """)
        #expect(f.count == 1)
        #expect(f[0].severity == .error)
        #expect(f[0].file == "Policies/s/p.lua")
        #expect(f[0].line == 7)
        #expect(f[0].message.contains("did you mean 'logins_30d'"))
    }

    @Test("a tier no partner can reach by promotion")
    func unreachable() throws {
        let f = try findings("""
              tiers = {
                ps.tier "Base" {},
                ps.tier "Silver" { entry = { ps.at_least("revenue_12m", 50000) } },
                ps.tier "Gold" { entry = { ps.at_least("revenue_12m", 50000) } },
              },
            """)
        let finding = try #require(f.first { $0.message.contains("Silver can never be reached") })
        #expect(finding.line == 7)
        #expect(finding.severity == .warning)
    }

    @Test("contradictory bounds in one tier")
    func contradictory() throws {
        let f = try findings("""
              tiers = {
                ps.tier "Base" {},
                ps.tier "Odd" { entry = { ps.at_least("logins_30d", 10), ps.at_most("logins_30d", 5) } },
              },
            """)
        #expect(f.contains { $0.severity == .error && $0.message.contains("Odd can never be reached") && $0.line == 7 })
    }

    @Test("an impossible threshold")
    func impossible() throws {
        let f = try findings("""
              tiers = {
                ps.tier "Base" {},
                ps.tier "Top" { entry = { ps.at_least("win_rate_12m", 40) } },
              },
            """)
        #expect(f.contains { $0.severity == .error && $0.message.contains("write 0.4 for 40%") && $0.line == 7 })
    }

    @Test("an impossible threshold on a declared count of periods")
    func impossiblePeriods() throws {
        let f = try findings("""
              measures = {
                ps.periods "good_quarters" { kind = "revenue", aggregate = "sum", every = "quarter", last = 4, at_least = 1000 },
              },
              tiers = {
                ps.tier "Base" {},
                ps.tier "Top" { entry = { ps.at_least("good_quarters", 5) } },
              },
            """)
        #expect(f.contains { $0.severity == .error && $0.message.contains("good_quarters counts 4 periods, so it is never ≥ 5") },
                "\(f.map(\.message))")
    }

    @Test("threshold orders that leave partners with no tier, or demote them at once")
    func orders() throws {
        let f = try findings("""
              tiers = {
                ps.tier "Registered" { entry = { ps.at_least("trainings_completed", 1) } },
                ps.tier "Silver" { entry = { ps.at_least("revenue_12m", 10000) }, maintain = { ps.at_least("revenue_12m", 20000) } },
              },
            """)
        #expect(f.contains { $0.message.contains("qualify for no tier") && $0.line == 6 })
        #expect(f.contains { $0.message.contains("enters tier review") && $0.line == 7 })
    }

    @Test("tiers out of order and a non-numeric threshold are load errors with their line")
    func loadErrors() throws {
        let outOfOrder = try findings("""
              tiers = {
                ps.tier "Gold" { entry = { ps.at_least("revenue_12m", 90000) } },
                ps.tier "Silver" { entry = { ps.at_least("revenue_12m", 10000) } },
              },
            """)
        #expect(outOfOrder.first?.message.contains("tiers out of order") == true)
        #expect(outOfOrder.first?.line == 7)
        let nonNumeric = try findings("  tiers = { ps.tier \"A\" { entry = { ps.at_least(\"revenue_12m\", \"high\") } } },")
        #expect(nonNumeric.first?.message.contains("numeric threshold") == true)
    }

    @Test("without a .luacheckrc of its own, a folder is linted against the sandbox's globals",
          .enabled(if: PolicyChecker.executable(named: "luacheck") != nil))
    func luacheckWithoutConfig() throws {
        let folder = try PolicyFolder(files: [
            "s/p.lua": policy("  tiers = { ps.tier \"A\" { entry = { ps.check('x', function(p) return os.time() > 0 end) } } },"),
        ])
        let f = PolicyChecker().check(setDirectory: folder.set("s"), displayPath: "Policies/s")
        #expect(f.contains { $0.message.contains("luacheck") && $0.message.contains("'os'") && $0.line == 5 }, "\(f.map(\.message))")
    }

    @Test("luacheck flags a global write with its line", .enabled(if: PolicyChecker.executable(named: "luacheck") != nil))
    func luacheck() throws {
        let folder = try PolicyFolder(files: [
            "s/p.lua": policy("  tiers = { ps.tier \"A\" { entry = { ps.check('x', function(p) helper = 1 return true end) } } },"),
            ".luacheckrc": try String(contentsOf: repositoryPolicies.appendingPathComponent(".luacheckrc"), encoding: .utf8),
        ])
        let f = PolicyChecker(luacheckConfig: folder.policies.appendingPathComponent(".luacheckrc"))
            .check(setDirectory: folder.set("s"), displayPath: "Policies/s")
        #expect(f.contains { $0.message.contains("luacheck") && $0.message.contains("helper") && $0.line == 5 && $0.file == "Policies/s/p.lua" })
    }

    @Test("the bundled policy sets pass check")
    func bundled() throws {
        for name in ["telecom", "healthcare", "saas"] {
            let f = PolicyChecker(luacheckConfig: repositoryPolicies.appendingPathComponent(".luacheckrc"))
                .check(setDirectory: repositoryPolicies.appendingPathComponent(name), displayPath: "Policies/\(name)")
            #expect(f.isEmpty, "\(name): \(f)")
        }
    }
}
