import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

/// Every table of the contract rejects a field it does not have (with file,
/// line and a "did you mean") and a known field of the wrong type.
@Suite("The contract: unknown fields and wrong types are errors in every table")
struct ContractTests {
    /// A policy using every table of the contract; each line is numbered for the cases below.
    static let template = """
        local ps = require "partnerscore"
        return ps.policy {
          name = "T", version = "1", effective = "2026-01-01", programs = { "p" }, cadence = "monthly",
          tiers = {
            ps.tier "A" { benefits = { mdf = 1 } },
            ps.tier "B" { entry = { ps.at_least("revenue_12m", 5) }, benefits = { mdf = 2 } },
          },
          gates = {
            ps.gate "G" { credential = "C", warn = "30 days", suspends = { benefits = { "mdf" } } },
          },
          health = {
            components = { ps.component "c" { weight = 1, metric = "logins_30d", target = 5 } },
            bands = { green = 70, red = 0 },
          },
          flags = { ps.flag "F" { when = ps.above("deals_outside_territory_30d", 0) } },
          milestones = { first_login = "3 days" },
          interventions = {
            ps.step { after = "0 days", action = "a" },
          },
        }
        """

    struct Case: CustomTestStringConvertible, Sendable {
        var replace: String
        var with: String
        var field: String
        var line: Int
        var says: String
        var testDescription: String { "\(field): \(says)" }
    }

    static let unknownFields: [Case] = [
        Case(replace: "cadence = \"monthly\",", with: "cadence = \"monthly\", descripton = \"x\",",
             field: "descripton", line: 2, says: "did you mean 'description'?"),
        Case(replace: "ps.tier \"A\" { benefits", with: "ps.tier \"A\" { benefit = {}, benefits",
             field: "tiers[1].benefit", line: 5, says: "did you mean 'benefits'?"),
        Case(replace: "warn = \"30 days\",", with: "warning = \"90 days\",",
             field: "gates[1].warning", line: 9, says: "did you mean 'warn'?"),
        Case(replace: "suspends = { benefits = { \"mdf\" } }", with: "suspends = { benefits = { \"mdf\" }, product = { \"x\" } }",
             field: "gates[1].suspends.product", line: 9, says: "did you mean 'products'?"),
        Case(replace: "bands = { green = 70, red = 0 },", with: "band = { green = 70, red = 0 },",
             field: "health.band", line: 2, says: "did you mean 'bands'?"),
        Case(replace: "metric = \"logins_30d\", target = 5", with: "metric = \"logins_30d\", targets = 5",
             field: "health.components[1].targets", line: 12, says: "did you mean 'target'?"),
        Case(replace: "ps.flag \"F\" { when", with: "ps.flag \"F\" { whn = 1, when",
             field: "flags[1].whn", line: 15, says: "did you mean 'when'?"),
        Case(replace: "milestones = { first_login = \"3 days\" },", with: "milestones = { first_logon = \"3 days\" },",
             field: "milestones.first_logon", line: 2, says: "did you mean 'first_login'?"),
        Case(replace: "ps.step { after = \"0 days\", action = \"a\" },", with: "ps.step { after = \"0 days\", action = \"a\", ower = \"CAM\" },",
             field: "interventions[1].ower", line: 18, says: "did you mean 'owner'?"),
        // A plain table has no line of its own: the policy's.
        Case(replace: "ps.step { after = \"0 days\", action = \"a\" },", with: "{ after = \"0 days\", action = \"a\", kind = { \"health_red\" } },",
             field: "interventions[1].kind", line: 2, says: "did you mean 'kinds'?"),
        Case(replace: "cadence = \"monthly\",", with: "cadence = \"monthly\", remediation = { day = 60 },",
             field: "remediation.day", line: 2, says: "did you mean 'days'?"),
        Case(replace: "ps.at_least(\"revenue_12m\", 5)", with: "ps.at_least(\"revenue_12m\", 5, { lable = \"Annual revenue\" })",
             field: "tiers[2].entry[1].options.lable", line: 6, says: "did you mean 'label'?"),
        Case(replace: "milestones = { first_login = \"3 days\" },", with: "milestones = { from = \"effective\" },",
             field: "milestones.from", line: 2, says: "did you mean 'effective_or_enrolment'?"),
        Case(replace: "cadence = \"monthly\",", with: "cadence = \"monthly\", intervention_precedence = { \"gate_lapse:G\" },",
             field: "intervention_precedence[1]", line: 2, says: "did you mean 'gate_lapsed'?"),
        Case(replace: "action = \"a\" }", with: "action = \"a\", gates = { \"GG\" } }",
             field: "interventions[1].gates[1]", line: 18, says: "no gate named 'GG' in this policy — did you mean 'G'?"),
    ]

    static let wrongTypes: [Case] = [
        Case(replace: "warn = \"30 days\"", with: "warn = true", field: "gates[1].warn", line: 9, says: "got boolean"),
        Case(replace: "action = \"a\" }", with: "action = \"a\", owner = 5 }", field: "interventions[1].owner", line: 18, says: "got number"),
        Case(replace: "action = \"a\" }", with: "action = \"a\", kinds = \"health_red\" }", field: "interventions[1].kinds", line: 18,
             says: "got string \"health_red\""),
        Case(replace: "target = 5 }", with: "target = 5, floor = \"none\" }", field: "health.components[1].floor", line: 12, says: "got string"),
        Case(replace: "ps.tier \"A\" {", with: "ps.tier \"A\" { description = 5,", field: "tiers[1].description", line: 5, says: "got number"),
        Case(replace: "credential = \"C\",", with: "credential = \"C\", applies_to = \"ehr-cloud\",", field: "gates[1].applies_to", line: 9,
             says: "got string \"ehr-cloud\""),
        Case(replace: "first_login = \"3 days\"", with: "first_login = true", field: "milestones.first_login", line: 2, says: "got boolean"),
        Case(replace: "green = 70,", with: "green = \"70\",", field: "health.bands.green", line: 2, says: "minimum score"),
        Case(replace: "ps.at_least(\"revenue_12m\", 5)", with: "ps.check(5, function() return true end)",
             field: "tiers[2].entry[1].label", line: 6, says: "got number"),
        Case(replace: "ps.at_least(\"revenue_12m\", 5)", with: "ps.at_least(\"revenue_12m\", 5, \"Annual revenue\")",
             field: "tiers[2].entry[1].options", line: 6, says: "got string"),
        Case(replace: "warn = \"30 days\"", with: "warn = \"9999999 years\"", field: "gates[1].warn", line: 9, says: "at most 100 years"),
        Case(replace: "action = \"a\" }", with: "action = \"a\", after = { months = 2000 } }", field: "interventions[1].after", line: 18,
             says: "at most 100 years"),
        Case(replace: "credential = \"C\",", with: "credential = \"C\", certification = \"X\",", field: "gates[1].certification", line: 9,
             says: "not both"),
        Case(replace: "metric = \"logins_30d\", target = 5", with: "score = function() return 1 end, target = 5",
             field: "health.components[1].target", line: 12, says: "not both"),
        Case(replace: "ps.tier \"A\" { benefits = { mdf = 1 } },", with: "ps.gate \"A\" { benefits = { mdf = 1 } },",
             field: "tiers[1]", line: 5, says: "expected ps.tier \"Name\" { ... }, got a gate"),
    ]

    func error(_ source: String) -> PolicyError? {
        do {
            _ = try PolicyFolder(files: ["testset/p.lua": source]).load()
            return nil
        } catch let error as PolicyError {
            return error
        } catch {
            return PolicyError(.policySet, file: "?", "unexpected \(error)")
        }
    }

    @Test("the template itself loads")
    func templateLoads() {
        #expect(error(Self.template) == nil)
    }

    @Test("an unknown field is an error naming file, line and field, with a suggestion", arguments: unknownFields)
    func unknownField(_ c: Case) throws {
        #expect(Self.template.contains(c.replace))
        let found = try #require(error(Self.template.replacingOccurrences(of: c.replace, with: c.with)))
        #expect(found.file == "Policies/testset/p.lua")
        #expect(found.field == c.field)
        #expect(found.line == c.line)
        #expect(found.message.contains(c.says), "\(found)")
    }

    @Test("a known field of the wrong type is an error, never ignored", arguments: wrongTypes)
    func wrongType(_ c: Case) throws {
        #expect(Self.template.contains(c.replace))
        let found = try #require(error(Self.template.replacingOccurrences(of: c.replace, with: c.with)))
        #expect(found.field == c.field)
        #expect(found.line == c.line)
        #expect(found.message.contains(c.says), "\(found)")
    }

    @Test("a gate's warning period reaches the evaluation (it used to be lost as `warning`)")
    func warnIsRead() throws {
        let set = try PolicyFolder(files: ["testset/p.lua": Self.template.replacingOccurrences(of: "warn = \"30 days\"", with: "warn = \"90 days\"")]).load()
        #expect(set.policies[0].gates[0].warning == Period(days: 90))
    }

    @Test("a criterion's label replaces the metric's name; ratios read as percentages on both sides")
    func labels() throws {
        let source = Self.template.replacingOccurrences(of: "ps.at_least(\"revenue_12m\", 5)", with: """
            ps.at_least("revenue_12m", 50000, { label = "Annual revenue" }), ps.at_least("revenue_growth", 0.1),
            ps.certified("Security Expert", { label = "Security Expert on staff" })
            """)
        let policy = try PolicyFolder(files: ["testset/p.lua": source]).load().policies[0]
        #expect(policy.tiers[1].entry.map(\.label) == ["Annual revenue ≥ 50,000", "revenue_growth ≥ 10.0%", "Security Expert on staff"])
        #expect(policy.tiers[1].entry.map(\.requirement) == ["≥ 50,000", "≥ 10.0%", "valid"])
    }

    @Test("a step that names what alerts are about is checked against the policy's gates, flags and milestones")
    func routesValidated() {
        let route = { (fields: String) in
            Self.template.replacingOccurrences(of: "action = \"a\" }", with: "action = \"a\", \(fields) }")
        }
        #expect(error(route("gates = { \"G\" }, flags = { \"F\" }, milestones = { \"first_login\" }")) == nil)
        #expect(error(route("milestones = { \"first_logn\" }"))?.message.contains("no milestone named 'first_logn' in this policy — did you mean 'first_login'") == true)
        let off = route("milestones = { \"first_training\" }").replacingOccurrences(of: "first_login = \"3 days\"", with: "first_training = false")
        #expect(error(off)?.message.contains("no milestone named 'first_training'") == true)
        #expect(error(route("flags = { \"FF\" }"))?.message.contains("did you mean 'F'") == true)
        #expect(error(route("gates = { \"G\" }, kinds = { \"health_red\" }"))?.message.contains("answers no alert") == true)
        // The menu escalates along each path an alert takes: a route may follow later steps that answer other alerts.
        let menu = { (steps: String) in
            Self.template.replacingOccurrences(of: "ps.step { after = \"0 days\", action = \"a\" },", with: steps)
        }
        #expect(error(menu("ps.step { after = \"60 days\", action = \"a\" }, ps.step { gates = { \"G\" }, action = \"b\" },")) == nil)
        let unordered = error(menu("ps.step { after = \"60 days\", action = \"a\" }, ps.step { action = \"b\" },"))
        #expect(unordered?.field == "interventions[2].after" && unordered?.message.contains("must escalate") == true)
        let routes = error(menu("ps.step { after = \"9 days\", gates = { \"G\" }, action = \"a\" }, ps.step { action = \"b\" },\n"
            + "ps.step { gates = { \"G\" }, flags = { \"F\" }, action = \"c\" },"))
        #expect(routes?.field == "interventions[3].after" && routes?.message.contains("answers the same alerts") == true)

        let precedence = { (entries: String) in
            Self.template.replacingOccurrences(of: "cadence = \"monthly\",", with: "cadence = \"monthly\", intervention_precedence = { \(entries) },")
        }
        #expect(error(precedence("\"gate_lapsed:G\", \"tier_review:B\", \"health_red\", \"policy_flag:F\"")) == nil)
        #expect(error(precedence("\"gate_lapsed:H\""))?.message.contains("no gate_lapsed alert is about 'H'") == true)
        #expect(error(precedence("\"health_red\", \"health_red\""))?.message.contains("listed twice") == true)
    }
}

@Suite("explain's words: labels, percentages, counts")
struct ExplanationWordsTests {
    @Test("a labelled ratio criterion reads as percentages on both sides, with what is missing; one day is '1 day'")
    func words() throws {
        let source = agentPolicy.replacingOccurrences(of: "entry = { ps.at_least(\"revenue_1m\", 10000), ps.territories_at_least(3) },", with: """
            entry = { ps.at_least("revenue_growth", 0.1, { label = "Annual growth" }), ps.at_least("revenue_1m", 10000),
                      ps.territories_at_least(3) },
            """)
        let set = try PolicyFolder(files: ["testset/agents.lua": source]).load()
        let agent = partner(territories: ["US-CA", "US-TX", "US-NY"])
        var state = PartnerProgramState(tier: "Authorized", lastTierEvaluation: day("2025-05-31"))
        state.openAlerts = [AlertKey(kind: .healthRed, subject: "health"): day("2025-06-29")]
        let s = snapshot(agent, asOf: "2025-06-30", metrics: [.revenueGrowth: 0.05, .revenue1m: 12000, .logins30d: 1],
                         credentials: [Credential(name: "agreement", granted: day("2025-01-01"), expires: day("2025-07-01"))])
        let (e, _) = try PartnerEvaluator(policySet: set).evaluate(s, state: state)
        let text = Explanation(evaluation: e, policy: set.policies[0]).text
        #expect(text.contains("Next tier: Premier — missing 1 of 3 criteria:"), "\(text)")
        #expect(text.contains("✗ Annual growth ≥ 10.0% — has 5.0% (needs 5.0% more)"), "\(text)")
        #expect(text.contains("open 1 day (since 2025-06-29)"), "\(text)")
        #expect(text.contains("EXPIRES in 1 day (2025-07-01)"), "\(text)")
    }

    @Test("counts agree with their nouns")
    func counts() {
        #expect(TextFormat.count(1, "day") == "1 day")
        #expect(TextFormat.count(0, "partner") == "0 partners")
        #expect(TextFormat.count(3, "criterion", plural: "criteria") == "3 criteria")
        #expect(TextFormat.count(1, "criterion", plural: "criteria") == "1 criterion")
        #expect(Period(days: 1).description == "1 day" && Period(days: 1, months: 1).description == "1 month 1 day")
    }
}
