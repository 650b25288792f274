import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

/// The `measures` field of ps.policy: how declarations load, the errors a
/// bad one gets (file:line, field, did-you-mean), and how criteria, health
/// components, flags and policy functions read measures.
@Suite("Declared measures load, are validated like metrics and are read like them")
struct MeasureContractTests {
    func policy(measures: String, tiers: String = "ps.tier \"A\" {}", extra: String = "") -> String {
        """
        local ps = require "partnerscore"
        return ps.policy {
          name = "T", version = "1", effective = "2026-01-01", programs = { "agents" }, cadence = "monthly",
          measures = {
        \(measures)
          },
          tiers = { \(tiers) },
        \(extra)
        }
        """
    }

    func load(_ files: [String: String]) -> Result<PolicySet, PolicyError> {
        do {
            let folder = try PolicyFolder(files: files)
            return .success(try folder.load())
        } catch let error as PolicyError {
            return .failure(error)
        } catch {
            return .failure(PolicyError(.policySet, file: "?", "unexpected \(error)"))
        }
    }

    func error(_ body: String) -> PolicyError? {
        if case .failure(let error) = load(["testset/p.lua": body]) { return error }
        return nil
    }

    static let telecom = """
            ps.measure "revenue_voice_mobile_3m" { kind = "revenue", products = { "voice", "mobile" }, window = "3 months", aggregate = "sum" },
            ps.measure "deals_won_6m" { kind = "deal_won", window = "6 months", aggregate = "count" },
            ps.measure "products_sold_12m" { kind = "revenue", window = "12 months", aggregate = "distinct_products" },
            ps.periods "months_5k_of_last_4" { kind = "revenue", aggregate = "sum", every = "month", last = 4, at_least = 5000 },

        """

    @Test("a valid set of declarations becomes the set's plan, in declaration order, with types")
    func valid() throws {
        let set = try load(["testset/p.lua": policy(measures: Self.telecom + """
                ps.measure "last_deal" { kind = "deal_won", aggregate = "last_date" },
                ps.ratio "voice_share_3m" { "revenue_voice_mobile_3m", "revenue_3m" },
                ps.growth "voice_growth" { "revenue_voice_mobile_3m", "revenue_voice_mobile_3m_ly" },
                ps.measure "revenue_voice_mobile_3m_ly" { kind = "revenue", products = { "voice", "mobile" }, window = "3 months",
                                                          ago = "12 months", aggregate = "sum" },
                ps.measure "csat" { kind = "csat_survey", aggregate = "latest_value", meaning = "the latest survey score" },
            """)]).get()
        #expect(set.measures.names == ["revenue_voice_mobile_3m", "deals_won_6m", "products_sold_12m", "months_5k_of_last_4",
                                       "last_deal", "voice_share_3m", "voice_growth", "revenue_voice_mobile_3m_ly", "csat"])
        #expect(set.measures.types == [.money, .number, .number, .number, .date, .ratio, .ratio, .money, .value])
        #expect(set.measures.customKinds == ["csat_survey"])
        #expect(set.measures.declarations[8].meaning == "the latest survey score")
        #expect(set.measures.declarations[0].line == 5 && set.measures.declarations[0].file == "Policies/testset/p.lua")
    }

    @Test("an unknown kind, with the declaration's line and a did-you-mean")
    func unknownKind() {
        let e = error(policy(measures: """
                ps.measure "won" { kind = "deals_won", window = "6 months", aggregate = "count" },
            """))
        #expect(e?.file == "Policies/testset/p.lua" && e?.line == 5)
        #expect(e?.field == "measures[1].kind")
        #expect(e?.message.contains("did you mean 'deal_won'?") == true)
    }

    @Test("an unknown aggregation, with a did-you-mean")
    func unknownAggregation() {
        let e = error(policy(measures: """
                ps.measure "sold" { kind = "revenue", window = "12 months", aggregate = "distinct_product" },
            """))
        #expect(e?.line == 5 && e?.field == "measures[1].aggregate")
        #expect(e?.message.contains("did you mean 'distinct_products'?") == true)
    }

    @Test("a derived measure naming an undeclared one, with a did-you-mean among measures and metrics")
    func undeclaredOperand() {
        let e = error(policy(measures: Self.telecom + """
                ps.ratio "share" { "revenue_voice_mobile_3", "revenue_3m" },
            """))
        #expect(e?.line == 9)
        #expect(e?.field == "measures.share[1]")
        #expect(e?.message.contains("no measure or metric named 'revenue_voice_mobile_3'") == true)
        #expect(e?.message.contains("did you mean 'revenue_voice_mobile_3m'?") == true)
    }

    @Test("a cycle of derived measures, naming the cycle")
    func cycle() {
        let e = error(policy(measures: """
                ps.difference "a" { "b", "revenue_12m" },
                ps.difference "b" { "a", "revenue_12m" },
            """))
        #expect(e?.line == 5 || e?.line == 6)
        #expect(e?.message.contains("cycle: a → b → a") == true || e?.message.contains("cycle: b → a → b") == true)
    }

    @Test("unknown fields and windows get a did-you-mean; types that do not fit are refused")
    func otherMistakes() {
        let field = error(policy(measures: """
                ps.measure "x" { kind = "revenue", window = "3 months", aggregate = "sum", product = { "voice" } },
            """))
        #expect(field?.field == "measures[1].product" && field?.message.contains("did you mean 'products'?") == true)
        let window = error(policy(measures: """
                ps.measure "x" { kind = "revenue", window = "quarter_to_dat", aggregate = "sum" },
            """))
        #expect(window?.field == "measures[1].window" && window?.message.contains("did you mean 'quarter_to_date'?") == true)
        // A unit a window does not take is named, with the units it does; a long one is echoed as written.
        let unit = error(policy(measures: """
                ps.measure "x" { kind = "revenue", window = "3 monts", aggregate = "sum" },
            """))
        #expect(unit?.message.contains("unknown unit 'monts' — did you mean 'months'?") == true, "\(String(describing: unit))")
        #expect(unit?.message.contains("60 (days)") == false)
        let long = error(policy(measures: """
                ps.measure "x" { kind = "revenue", window = "101 years", aggregate = "sum" },
            """))
        #expect(long?.message.contains("got \"101 years\"") == true, "\(String(describing: long))")
        let noWindow = error(policy(measures: """
                ps.measure "x" { kind = "revenue", aggregate = "sum" },
            """))
        #expect(noWindow?.field == "measures[1].window")
        let mixed = error(policy(measures: """
                ps.measure "money" { kind = "revenue", window = "3 months", aggregate = "sum" },
                ps.measure "deals" { kind = "deal_won", window = "3 months", aggregate = "count" },
                ps.difference "odd" { "money", "deals" },
            """))
        #expect(mixed?.line == 7 && mixed?.message.contains("one type") == true)
        let three = error(policy(measures: """
                ps.measure "a" { kind = "revenue", window = "3 months", aggregate = "sum" },
                ps.ratio "r" { "a", "a", "a" },
            """))
        #expect(three?.message.contains("ps.ratio takes exactly two operands") == true, "\(String(describing: three))")
        let metricName = error(policy(measures: """
                ps.measure "revenue_3m" { kind = "revenue", window = "3 months", aggregate = "sum" },
            """))
        #expect(metricName?.message.contains("catalogue metric") == true)
        let fiscal = error(policy(measures: """
                ps.measure "x" { kind = "revenue", window = "3 months", aggregate = "sum", fiscal_year_start = 4 },
            """))
        #expect(fiscal?.field == "measures[1].fiscal_year_start")
        let month = error(policy(measures: """
                ps.measure "x" { kind = "revenue", window = "year_to_date", aggregate = "sum", fiscal_year_start = "Aprl" },
            """))
        #expect(month?.message.contains("did you mean 'april'?") == true)
        // Windows far beyond any program are refused at load, never left to fail an evaluation.
        for (field, spec) in [("window", "window = \"3000 years\""), ("ago", "window = \"3 months\", ago = { months = 1e300 }"),
                              ("window", "window = \"9223372036854775807 weeks\""), ("last", "every = \"year\", last = 120")] {
            let form = field == "last" ? "ps.periods" : "ps.measure"
            let far = error(policy(measures: "    \(form) \"x\" { kind = \"revenue\", aggregate = \"sum\", \(spec)\(field == "last" ? ", at_least = 1" : "") },"))
            #expect(far?.field?.hasPrefix("measures[1].\(field)") == true, "\(spec): \(String(describing: far))")
        }
    }

    @Test("a criterion, component or flag on a date measure is refused: recency is days_since_last")
    func dateInCriterion() {
        let e = error(policy(measures: """
                ps.measure "last_deal" { kind = "deal_won", aggregate = "last_date" },
            """, tiers: "ps.tier \"A\" {}, ps.tier \"B\" { entry = { ps.at_least(\"last_deal\", 1) } }"))
        #expect(e?.line == 7 && e?.field == "tiers[2].entry[1].metric")
        #expect(e?.message.contains("days_since_last") == true)
        let component = error(policy(measures: """
                ps.measure "last_deal" { kind = "deal_won", aggregate = "last_date" },
            """, extra: "health = { components = { ps.component \"x\" { weight = 1, metric = \"last_deal\", target = 1 } } },"))
        #expect(component?.field == "health.components[1].metric")
    }

    @Test("a criterion names a measure this policy declares, with a did-you-mean among them")
    func criterionNames() {
        let typo = error(policy(measures: Self.telecom, tiers: "ps.tier \"A\" {}, ps.tier \"B\" { entry = { ps.at_least(\"deals_won_6n\", 6) } }"))
        #expect(typo?.message.contains("did you mean 'deals_won_6m'?") == true)
        // Declared by another policy file of the set only.
        guard case .failure(let other) = load([
            "testset/a.lua": policy(measures: Self.telecom),
            "testset/b.lua": policy(measures: "", tiers: "ps.tier \"A\" {}, ps.tier \"B\" { entry = { ps.at_least(\"deals_won_6m\", 6) } }")
                .replacingOccurrences(of: "\"agents\"", with: "\"others\""),
        ]) else { Issue.record("loaded"); return }
        #expect(other.file == "Policies/testset/b.lua")
        #expect(other.message.contains("declared by Policies/testset/a.lua:6, not by this policy") == true)
    }

    @Test("a shared module's measures: one measure when two policies include them; a clash names both places")
    func sharedModule() throws {
        let module = """
            local ps = require "partnerscore"
            return {
              measures = {
                ps.measure "deals_won_6m" { kind = "deal_won", window = "6 months", aggregate = "count" },
              },
            }
            """
        func uses(_ program: String) -> String {
            policy(measures: "    cloud.measures,", tiers: "ps.tier \"A\" {}, ps.tier \"B\" { entry = { ps.at_least(\"deals_won_6m\", 6) } }")
                .replacingOccurrences(of: "\"agents\"", with: "\"\(program)\"")
                .replacingOccurrences(of: "local ps = require \"partnerscore\"", with: "local ps = require \"partnerscore\"\nlocal cloud = require \"cloud\"")
        }
        let set = try load(["lib/cloud.lua": module, "testset/a.lua": uses("a"), "testset/b.lua": uses("b")]).get()
        #expect(set.measures.names == ["deals_won_6m"])
        #expect(set.measures.declarations[0].file == "Policies/lib/cloud.lua" && set.measures.declarations[0].line == 4)
        let clash = policy(measures: "    ps.measure \"deals_won_6m\" { kind = \"deal_won\", window = \"3 months\", aggregate = \"count\" },")
            .replacingOccurrences(of: "\"agents\"", with: "\"c\"")
        guard case .failure(let e) = load(["lib/cloud.lua": module, "testset/a.lua": uses("a"), "testset/c.lua": clash]) else {
            Issue.record("loaded"); return
        }
        #expect(e.file == "Policies/testset/c.lua" && e.line == 5)
        #expect(e.message.contains("declared differently at Policies/lib/cloud.lua:4") == true)
        // A bad measure in a module is reported in the module's file.
        let broken = module.replacingOccurrences(of: "\"count\"", with: "\"countt\"")
        guard case .failure(let m) = load(["lib/cloud.lua": broken, "testset/a.lua": uses("a")]) else { Issue.record("loaded"); return }
        #expect(m.file == "Policies/lib/cloud.lua" && m.line == 4 && m.message.contains("did you mean 'count'?"))
    }

    @Test("criteria, components and flags read measures, recording observed value and threshold; functions see p.<name>")
    func evaluation() throws {
        let set = try load(["testset/p.lua": policy(measures: Self.telecom + """
                ps.measure "last_deal" { kind = "deal_won", aggregate = "last_date" },
                ps.measure "note" { kind = "attribute", names = { "note" }, aggregate = "latest_value" },
            """, tiers: """
            ps.tier "Authorized" {},
              ps.tier "Premier" {
                entry = { ps.at_least("months_5k_of_last_4", 3), ps.at_least("revenue_voice_mobile_3m", 12000) },
                maintain = { ps.at_least("deals_won_6m", 6) },
              },
            """, extra: """
              health = { components = {
                ps.component "breadth" { weight = 1, metric = "products_sold_12m", target = 4 },
                ps.component "fn" { weight = 1, score = function(p) return 1, p.last_deal .. " " .. tostring(p.note) .. " " .. p.products_sold_12m end },
              } },
              flags = { ps.flag "Few deals" { when = ps.below("deals_won_6m", 2) } },
            """)]).get()
        var s = snapshot(partner(program: "agents"), asOf: "2026-10-31")
        s.measures = MeasureValues(values: [12_500.5, 1, 2, 3, Double(day("2026-10-02").daysSinceEpoch), .nan],
                                   texts: [MeasureText(measure: 5, text: "watch")])
        let (e, _) = try PartnerEvaluator(policySet: set).evaluate(s, state: .initial(for: s.partner))
        #expect(e.tier == "Premier")
        let months = try #require(e.criteria.first { $0.label.hasPrefix("months_5k_of_last_4") })
        #expect(months.observed == "3" && months.thresholdValue == 3 && months.passed)
        let revenue = try #require(e.criteria.first { $0.label.hasPrefix("revenue_voice_mobile_3m") })
        #expect(revenue.observed == "12,501" && revenue.required == "≥ 12,000" && revenue.observedValue == 12_500.5)
        #expect(e.health.components[0].observed == "2" && e.health.components[0].score == 0.5 && e.health.components[0].target == "4")
        #expect(e.health.components[1].observed == "2026-10-02 watch 2")
        #expect(e.alerts.map(\.key.description).contains("policy_flag:Few deals"))
        // Without the set's measures the snapshot cannot be evaluated (a caller's mistake, said plainly).
        #expect(throws: PartnerEvaluator.Failure.self) {
            try PartnerEvaluator(policySet: set).evaluate(snapshot(partner(program: "agents"), asOf: "2026-10-31"), state: PartnerProgramState())
        }
    }
}
