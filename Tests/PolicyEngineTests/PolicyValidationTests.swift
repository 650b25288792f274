import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

@Suite("Loading a policy validates its shape and names file, line and field")
struct PolicyValidationTests {
    func load(_ body: String) -> PolicyError? {
        do {
            let folder = try PolicyFolder(files: ["testset/p.lua": body])
            _ = try folder.load()
            return nil
        } catch let error as PolicyError {
            return error
        } catch {
            return PolicyError(.policySet, file: "?", "unexpected \(error)")
        }
    }

    func policy(_ fields: String) -> String {
        """
        local ps = require "partnerscore"
        return ps.policy {
          name = "T", version = "1", effective = "2026-01-01", programs = { "p" }, cadence = "monthly",
        \(fields)
        }
        """
    }

    @Test("no tiers")
    func noTiers() {
        let error = load(policy("  tiers = {},"))
        #expect(error?.field == "tiers")
        #expect(error?.file == "Policies/testset/p.lua")
        #expect(error?.line == 2)
    }

    @Test("an unknown metric name, with a suggestion and the criterion's line")
    func unknownMetric() {
        let error = load(policy("""
              tiers = {
                ps.tier "A" {},
                ps.tier "B" { entry = { ps.at_least("revenue_12mo", 5) } },
              },
            """))
        #expect(error?.field == "tiers[2].entry[1].metric")
        #expect(error?.line == 6)
        #expect(error?.message.contains("did you mean 'revenue_12m'") == true)
    }

    @Test("a non-numeric threshold")
    func nonNumeric() {
        let error = load(policy("  tiers = { ps.tier \"A\" { entry = { ps.at_least(\"revenue_12m\", \"lots\") } } },"))
        #expect(error?.field == "tiers[1].entry[1].value")
        #expect(error?.message.contains("numeric threshold") == true)
    }

    @Test("tiers out of order")
    func outOfOrder() {
        let error = load(policy("""
              tiers = {
                ps.tier "Gold" { entry = { ps.at_least("revenue_12m", 500000) } },
                ps.tier "Silver" { entry = { ps.at_least("revenue_12m", 100000) } },
              },
            """))
        #expect(error?.message.contains("tiers out of order") == true)
        #expect(error?.line == 6)
    }

    @Test("an unknown cadence")
    func cadence() {
        let body = policy("  tiers = { ps.tier \"A\" {} },").replacingOccurrences(of: "\"monthly\"", with: "\"fortnightly\"")
        let error = load(body)
        #expect(error?.field == "cadence")
        #expect(error?.message.contains("fortnightly") == true)
    }

    @Test("traffic-light bands out of order are refused: a band's number is its minimum score")
    func bandsOutOfOrder() {
        let body = policy("""
              tiers = { ps.tier "A" {} },
              health = {
                components = { ps.component "r" { weight = 1, metric = "revenue_3m", target = 100 } },
                bands = { green = 30, yellow = 70, red = 0 },
              },
            """)
        let error = load(body)
        #expect(error?.field == "health.bands.green", "\(String(describing: error))")
        #expect(error?.message.contains("green starts at 30, not above yellow (70)") == true, "\(String(describing: error))")
        // Other names are the designer's to order.
        #expect(load(policy("""
              tiers = { ps.tier "A" {} },
              health = {
                components = { ps.component "r" { weight = 1, metric = "revenue_3m", target = 100 } },
                bands = { thriving = 30, fading = 70, lost = 0 },
              },
            """)) == nil)
    }

    @Test("a gate's empty applies_to is refused: leaving it out is how a gate covers every partner")
    func emptyAppliesTo() {
        let error = load(policy("""
              tiers = { ps.tier "A" { benefits = { mdf = 1 } } },
              gates = { ps.gate "HIPAA" { credential = "HIPAA", applies_to = {}, suspends = { benefits = { "mdf" } } } },
            """))
        #expect(error?.field == "gates[1].applies_to" && error?.message.contains("leave applies_to out") == true,
                "\(String(describing: error))")
    }

    @Test("a required field left out says it is missing")
    func missingRequired() {
        let body = policy("  tiers = { ps.tier \"A\" {} },").replacingOccurrences(of: "cadence = \"monthly\",", with: "")
        let error = load(body)
        #expect(error?.field == "cadence")
        #expect(error?.message.contains("missing: every policy needs one") == true, "\(String(describing: error))")
    }

    @Test("a file that does not return a policy")
    func notAPolicy() {
        #expect(load("return { helper = true }")?.message.contains("must return ps.policy") == true)
    }

    @Test("a Lua error while loading is reported with file and line")
    func luaError() {
        let error = load("local ps = require 'partnerscore'\nlocal x = nil + 1")
        #expect(error?.kind == .lua)
        #expect(error?.file == "Policies/testset/p.lua")
        #expect(error?.line == 2)
    }

    @Test("a gate suspending an unknown benefit")
    func gateBenefit() {
        let error = load(policy("""
              tiers = { ps.tier "A" { benefits = { mdf = 1 } } },
              gates = { ps.gate "G" { credential = "X", suspends = { benefits = { "nope" } } } },
            """))
        #expect(error?.field == "gates[1].suspends.benefits")
    }

    @Test("a valid policy loads with its defaults")
    func valid() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": agentPolicy])
        let set = try folder.load()
        #expect(set.policies.count == 1)
        #expect(set.policy(forProgram: "agents")?.milestones.count == 6)
        #expect(set.policy(forProgram: "agents")?.remediation == Period(days: 60))
        #expect(set.contentHash.count == 64)
    }
}

@Suite("A policy function that fails stops the evaluation with file and line")
struct PolicyFunctionErrorTests {
    @Test("a runtime error in a custom check names the file, line and partner")
    func runtimeError() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": """
            local ps = require "partnerscore"
            return ps.policy {
              name = "T", version = "1", effective = "2026-01-01", programs = { "agents" }, cadence = "monthly",
              tiers = { ps.tier "A" { entry = { ps.check("broken", function(p)
                return p.revenue_12m > nothing_here
              end) } } },
            }
            """])
        let evaluator = PartnerEvaluator(policySet: try folder.load())
        #expect {
            _ = try evaluator.evaluate(snapshot(partner(), asOf: "2026-02-01"), state: PartnerProgramState())
        } throws: { error in
            guard case .policyFunction(let id, let policyError) = error as? PartnerEvaluator.Failure else { return false }
            return id == "P-1" && policyError.file == "Policies/testset/agents.lua" && policyError.line == 5
        }
    }

    @Test("custom checks see the snapshot and report observed and required values")
    func customCheck() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": """
            local ps = require "partnerscore"
            return ps.policy {
              name = "T", version = "1", effective = "2026-01-01", programs = { "agents" }, cadence = "monthly",
              tiers = { ps.tier "A" {}, ps.tier "B" { entry = { ps.check("covers 2 states", function(p)
                return #p.territories >= 2, #p.territories, 2
              end) } } },
            }
            """])
        let evaluator = PartnerEvaluator(policySet: try folder.load())
        let (e, _) = try evaluator.evaluate(snapshot(partner(territories: ["US-CA", "US-NV"]), asOf: "2026-02-01"),
                                            state: PartnerProgramState())
        #expect(e.tier == "B")
        #expect(e.criteria.first { $0.label == "covers 2 states" }?.observed == "2")
    }
}
