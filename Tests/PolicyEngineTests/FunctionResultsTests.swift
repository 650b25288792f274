import Foundation
import LuaHost
import TestSupport
import Testing
@testable import PolicyEngine

/// A policy whose one function (`score`, a check, `applies_to` or a flag's
/// `when`) is `function(p) <body> end`, defined on line 2 of the file, its
/// body on line 3.
func policyCalling(_ role: String, body: String) -> String {
    let tiers: String, extra: String
    switch role {
    case "check":
        (tiers, extra) = ("ps.tier \"A\" {}, ps.tier \"B\" { entry = { ps.check(\"big deals\", fn) } }", "")
    case "score":
        (tiers, extra) = ("ps.tier \"A\" {}", "health = { components = { ps.component \"engagement\" { weight = 1, score = fn } } },")
    case "applies_to":
        (tiers, extra) = ("ps.tier \"A\" { benefits = { mdf = 1 } }",
                          "gates = { ps.gate \"Agreement\" { credential = \"agreement\", suspends = { benefits = { \"mdf\" } }, applies_to = fn } },")
    default:   // a flag's condition
        (tiers, extra) = ("ps.tier \"A\" {}", "flags = { ps.flag \"Odd\" { when = ps.check(\"odd\", fn) } },")
    }
    return """
        local ps = require "partnerscore"
        local fn = function(p)
          \(body)
        end
        return ps.policy {
          name = "T", version = "1", effective = "2026-01-01", programs = { "agents" }, cadence = "monthly",
          \(extra)
          tiers = { \(tiers) },
        }
        """
}

/// Evaluate one partner under `source`; the Lua error it fails with, if any.
func evaluationError(_ source: String) throws -> (error: PolicyError?, evaluation: PartnerEvaluation?) {
    let folder = try PolicyFolder(files: ["testset/agents.lua": source])
    let evaluator = PartnerEvaluator(policySet: try folder.load())
    do {
        let (evaluation, _) = try evaluator.evaluate(snapshot(partner(), asOf: "2026-02-01", metrics: [.revenue12m: 100]),
                                                     state: PartnerProgramState())
        return (nil, evaluation)
    } catch let PartnerEvaluator.Failure.policyFunction(id, error) {
        #expect(id == "P-1")
        return (error, nil)
    }
}

@Suite("What a policy function returns is checked, never coerced")
struct FunctionResultsTests {
    @Test("score must return a finite number", arguments: [
        ("return 0/0", "nan"), ("return math.huge", "inf"), ("return -math.huge", "-inf"), ("return {}", "a table"),
        ("return nil", "nil"), ("return '0.5'", "the string \"0.5\""), ("return true", "true"), ("local x = 1", "nothing"),
    ])
    func score(body: String, shown: String) throws {
        let (error, _) = try evaluationError(policyCalling("score", body: body))
        #expect(error?.luaError?.kind == .typeMismatch, "\(String(describing: error))")
        #expect(error?.file == "Policies/testset/agents.lua")
        #expect(error?.line == 2, "the line of the function's definition: \(String(describing: error))")
        #expect(error?.message == "health component 'engagement': score must return a finite number first (0 to 1; "
            + "values outside are clamped), got \(shown)")
    }

    @Test("a check, applies_to and a flag's condition must return true or false", arguments: [
        "check", "applies_to", "flag",
    ], [
        ("return 0/0", "nan"), ("return math.huge", "inf"), ("return {}", "a table"), ("return 'yes'", "the string \"yes\""),
        ("return nil", "nil"), ("return 1", "1"), ("return p.missing_metric and true", "nil"),
    ])
    func verdict(role: String, returned: (body: String, shown: String)) throws {
        let (error, _) = try evaluationError(policyCalling(role, body: returned.body))
        #expect(error?.luaError?.kind == .typeMismatch, "\(String(describing: error))")
        #expect(error?.line == 2, "\(String(describing: error))")
        let what = ["check": "ps.check 'big deals'", "applies_to": "gate 'Agreement': applies_to", "flag": "ps.check 'odd'"][role]!
        #expect(error?.message.hasPrefix("\(what) must return true or false first, got \(returned.shown) —") == true,
                "\(String(describing: error))")
    }

    @Test("a check's observed and required values and a score's detail are nil, booleans, strings or finite numbers", arguments: [
        ("check", "return true, {}", "ps.check 'big deals': the observed value (result 2) must be nil, a boolean, a string or a finite number, got a table"),
        ("check", "return false, 1, 0/0", "ps.check 'big deals': the required value (result 3) must be nil, a boolean, a string or a finite number, got nan"),
        ("check", "return true, print", "ps.check 'big deals': the observed value (result 2) must be nil, a boolean, a string or a finite number, got a function"),
        ("score", "return 0.5, {n = 1}", "health component 'engagement': score: the detail (result 2) must be nil, a boolean, a string or a finite number, got a table"),
    ])
    func extras(role: String, body: String, message: String) throws {
        let (error, _) = try evaluationError(policyCalling(role, body: body))
        #expect(error?.luaError?.kind == .typeMismatch)
        #expect(error?.line == 2)
        #expect(error?.message == message)
    }

    @Test("results inside the contract are read as documented; scores outside 0..1 are clamped")
    func accepted() throws {
        let check = try evaluationError(policyCalling("check", body: "return p.revenue_12m > 50, p.revenue_12m .. ' sold', 50"))
        #expect(check.error == nil)
        #expect(check.evaluation?.tier == "B")
        let criterion = check.evaluation?.criteria.first { $0.label == "big deals" }
        #expect(criterion?.observed == "100 sold" && criterion?.passed == true)
        for (body, expected) in [("return 1.5, 'lots'", 1.0), ("return -2", 0.0), ("return 0.25, nil", 0.25), ("return 1", 1.0)] {
            let (error, evaluation) = try evaluationError(policyCalling("score", body: body))
            #expect(error == nil, "\(body): \(String(describing: error))")
            #expect(evaluation?.health.components.first?.score == expected, "\(body)")
        }
        let notApplicable = try evaluationError(policyCalling("applies_to", body: "return false"))
        #expect(notApplicable.evaluation?.gates.first?.status == .notApplicable)
        let applies = try evaluationError(policyCalling("applies_to", body: "return true"))
        #expect(applies.evaluation?.gates.first?.status == .lapsed)
    }

    @Test("error() with a table still names the line that raised it")
    func tableError() throws {
        let (error, _) = try evaluationError(policyCalling("check", body: "error({code = 42})"))
        #expect(error?.luaError?.kind == .runtime)
        #expect(error?.file == "Policies/testset/agents.lua")
        #expect(error?.line == 3, "\(String(describing: error))")
    }
}
