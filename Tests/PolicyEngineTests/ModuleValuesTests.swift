import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

/// `require` hands a policy a read-only view of a module's table; the
/// contract reader must see through it, or whatever a module returns
/// directly (a menu, gates, milestones, tiers) would read as empty.
@Suite("What a module returns reads as the module wrote it")
struct ModuleValuesTests {
    static let policy = """
        local ps = require "partnerscore"
        return ps.policy {
          name = "Agents", version = "1.0", effective = "2025-01-01", programs = { "agents" }, cadence = "monthly",
          tiers = require "tiers",
          health = require "health",
          gates = require "gates",
          milestones = require "miles",
          measures = require "mlist",
          interventions = require "steps",
        }
        """
    static let modules = [
        "lib/tiers.lua": """
            local ps = require "partnerscore"
            return { ps.tier "Authorized" {}, ps.tier "Premier" { entry = { ps.at_least("revenue_3m", 1000) } } }
            """,
        "lib/health.lua": """
            local ps = require "partnerscore"
            return { components = { ps.component "revenue" { weight = 1, metric = "revenue_3m", target = 3000 } } }
            """,
        "lib/gates.lua": """
            local ps = require "partnerscore"
            return { ps.gate "HIPAA" { credential = "HIPAA", suspends = { products = { "ehr" } } } }
            """,
        "lib/miles.lua": #"return { first_login = "30 days", first_deal_won = false }"#,
        "lib/mlist.lua": """
            local ps = require "partnerscore"
            return { ps.measure "wins_6m" { kind = "deal_won", window = "6 months", aggregate = "count" } }
            """,
        "lib/steps.lua": """
            local ps = require "partnerscore"
            return {
              ps.step { after = "0 days", action = "Nudge", owner = "automation" },
              ps.step { after = "14 days", action = "Call", owner = "CAM" },
            }
            """,
    ]

    @Test("tiers, health, gates, milestones, measures and a menu returned by modules")
    func everyPartFromModules() throws {
        var files = Self.modules
        files["testset/agents.lua"] = Self.policy
        let set = try PolicyFolder(files: files).load()
        let policy = try #require(set.policies.first)
        #expect(policy.tiers.map(\.name) == ["Authorized", "Premier"])
        #expect(policy.health.components.map(\.name) == ["revenue"])
        #expect(policy.gates.map(\.name) == ["HIPAA"])
        #expect(policy.interventions.map(\.action) == ["Nudge", "Call"])
        #expect(set.measures.declarations.map(\.name) == ["wins_6m"])
        let login = policy.milestones.first { $0.step == .firstLogin }
        #expect(login?.deadline == Period(days: 30))
        #expect(!policy.milestones.contains { $0.step == .firstDealWon })
    }
}
