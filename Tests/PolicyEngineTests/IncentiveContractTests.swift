import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

/// The `incentives` field of ps.policy: how rules load, their bases as
/// hidden measures, and the errors a bad rule gets (file:line, field, did-you-mean).
@Suite("Incentive rules load, and bad ones are refused with file, line and field")
struct IncentiveContractTests {
    func policy(_ incentives: String, measures: String = "") -> String {
        """
        local ps = require "partnerscore"
        return ps.policy {
          name = "T", version = "1", effective = "2026-01-01", programs = { "agents" }, cadence = "monthly",
          measures = { \(measures) },
          tiers = {
            ps.tier "Authorized" { benefits = { commission = 0.08, rebate = 0.02, sla = "4h" } },
            ps.tier "Premier" { benefits = { commission = 0.12, rebate = 0.05, mdf = 2500 } },
          },
          incentives = {
        \(incentives)
          },
        }
        """
    }

    func load(_ body: String) -> Result<PolicySet, PolicyError> {
        do {
            return .success(try PolicyFolder(files: ["testset/p.lua": body]).load())
        } catch let error as PolicyError {
            return .failure(error)
        } catch {
            return .failure(PolicyError(.policySet, file: "?", "unexpected \(error)"))
        }
    }

    func error(_ incentives: String, measures: String = "") -> PolicyError? {
        if case .failure(let error) = load(policy(incentives, measures: measures)) { return error }
        return nil
    }

    @Test("rules load with exact rates per tier; bases are hidden measures that policies, exports and names never show")
    func valid() throws {
        let set = try load(policy("""
            currency = "USD",
            ps.commission "Monthly commission" { every = "month", basis = { kind = "revenue" }, rate = "commission" },
            ps.rebate "Volume rebate" { every = "quarter", basis = "revenue_qtd", rate = { Premier = 0.05 },
                                        accelerators = { { at = 250000, add = 0.01 }, { at = 500000, add = 0.005 } } },
            ps.growth_rebate "Growth" { every = "year", basis = { kind = "revenue", products = { "voice" } }, rate = 0.02 },
            ps.mdf "MDF" { every = "quarter", basis = { kind = "revenue" }, rate = 0.03, cap = "mdf" },
            ps.spiff "K8s SPIFF" { from = "2026-10-01", to = "2026-12-31", products = { "managed-k8s" }, amount = 500 },
            """, measures: #"ps.measure "revenue_qtd" { kind = "revenue", window = "quarter_to_date", aggregate = "sum" },"#)).get()
        let plan = try #require(set.policies[0].incentives)
        #expect(plan.currency == "USD")
        #expect(plan.rules.map(\.line) == [.commission, .rebate, .growthRebate, .mdf, .spiff])
        #expect(plan.rules[0].baseRate(tier: "Premier") == ExactDecimal(text: "0.12"))
        #expect(plan.rules[0].baseRate(tier: nil) == nil)
        #expect(plan.rules[1].baseRate(tier: "Authorized") == nil)
        #expect(plan.rules[1].rate(on: ExactDecimal(600_000), tier: "Premier")?.rate == ExactDecimal(text: "0.065"))
        #expect(plan.rules[3].capAmount(tier: "Authorized") == .zero && plan.rules[3].capAmount(tier: "Premier") == ExactDecimal(2500))
        #expect(plan.rules[1].basis == set.measures.index(of: "revenue_qtd"))
        #expect(plan.rules[2].basisLastYear != nil)
        // Only the declared measure is shown; the hidden bases are computed after it.
        #expect(set.measures.names == ["revenue_qtd"])
        #expect(set.measures.count > 1 && set.measures.shownCount == 1)
        #expect(plan.rules[0].location == "Policies/testset/p.lua:11")
        // policy show prints the rules as the host reads them: rates and caps per tier, benefits resolved.
        let shown = try JSONSerialization.jsonObject(with: Data(try ResolvedPolicySet(set).json().utf8)) as? [String: Any]
        let rules = ((shown?["policies"] as? [[String: Any]])?.first?["incentives"] as? [String: Any])?["rules"] as? [[String: Any]]
        #expect(rules?.first?["rate"] as? [String: String] == ["Authorized": "0.08", "Premier": "0.12"])
        #expect(rules?[3]["cap"] as? [String: String] == ["Premier": "2500"])
        #expect(rules?[4]["promotion"] as? [String: String] == ["from": "2026-10-01", "to": "2026-12-31", "kind": "deal_won", "products": "managed-k8s"])
        #expect((shown?["measures"] as? [Any])?.count == 1)
    }

    @Test("an unknown field of a rule is refused with its line and a did-you-mean")
    func unknownField() {
        let e = error("""
            currency = "USD",
            ps.rebate "R" { every = "quarter", basis = { kind = "revenue" }, rate = 0.02, accelerator = {} },
            """)
        #expect(e?.file == "Policies/testset/p.lua" && e?.line == 11 && e?.field == "incentives[1].accelerator")
        #expect(e?.message.contains("did you mean 'accelerators'?") == true)
    }

    @Test("a rate naming a benefit no tier has, or one some tier gives as text, is refused")
    func rateBenefit() {
        let missing = error("""
            currency = "USD",
            ps.commission "C" { every = "month", basis = { kind = "revenue" }, rate = "comission" },
            """)
        #expect(missing?.field == "incentives[1].rate" && missing?.message.contains("did you mean 'commission'?") == true)
        let text = error("""
            currency = "USD",
            ps.commission "C" { every = "month", basis = { kind = "revenue" }, rate = "sla" },
            """)
        #expect(text?.message.contains("tier 'Authorized' gives benefit 'sla' as 4h") == true)
        let tier = error("""
            currency = "USD",
            ps.commission "C" { every = "month", basis = { kind = "revenue" }, rate = { Premeir = 0.1 } },
            """)
        #expect(tier?.field == "incentives[1].rate.Premeir" && tier?.message.contains("did you mean 'Premier'?") == true)
        let percent = error("""
            currency = "USD",
            ps.commission "C" { every = "month", basis = { kind = "revenue" }, rate = 12 },
            """)
        #expect(percent?.message.contains("a rate from 0 to 1 (0.12 for 12%)") == true)
        // Rates keep at most 10 decimals and amounts 4 (every product exact, every amount within the ledger).
        let fine = error("""
            currency = "USD",
            ps.commission "C" { every = "month", basis = { kind = "revenue" }, rate = 1 / 3 },
            """)
        #expect(fine?.field == "incentives[1].rate" && fine?.message.contains("at most 10 decimal places") == true)
        let huge = error("""
            currency = "USD",
            ps.spiff "S" { from = "2026-10-01", to = "2026-12-31", amount = 1e300 },
            """)
        #expect(huge?.field == "incentives[1].amount")
    }

    @Test("accelerators must go up; a basis measure must be a money sum over the payment period to date")
    func acceleratorsAndBasis() {
        let down = error("""
            currency = "USD",
            ps.rebate "R" { every = "quarter", basis = { kind = "revenue" }, rate = 0.02,
                            accelerators = { { at = 250000, add = 0.01 }, { at = 100000, add = 0.01 } } },
            """)
        #expect(down?.field == "incentives[1].accelerators[2].at" && down?.message.contains("accelerators go up") == true)
        // A rate is at most 1 after its accelerators too.
        let over = error("""
            currency = "USD",
            ps.rebate "R" { every = "quarter", basis = { kind = "revenue" }, rate = 0.5,
                            accelerators = { { at = 1000, add = 0.3 }, { at = 2000, add = 0.3 } } },
            """)
        #expect(over?.field == "incentives[1].accelerators" && over?.message.contains("the rate reaches 1.1") == true,
                "\(String(describing: over))")
        // A benefit named on purpose must be a tier's, or no gate could suspend the rule.
        let benefit = error("""
            currency = "USD",
            ps.commission "C" { every = "month", basis = { kind = "revenue" }, rate = 0.1, benefit = "comission" },
            """)
        #expect(benefit?.field == "incentives[1].benefit" && benefit?.message.contains("did you mean 'commission'?") == true,
                "\(String(describing: benefit))")
        let window = error("""
            currency = "USD",
            ps.rebate "R" { every = "quarter", basis = "revenue_3m_sum", rate = 0.02 },
            """, measures: #"ps.measure "revenue_3m_sum" { kind = "revenue", window = "3 months", aggregate = "sum" },"#)
        #expect(window?.field == "incentives[1].basis" && window?.message.contains("window = \"quarter_to_date\"") == true)
        let unknown = error("""
            currency = "USD",
            ps.commission "C" { every = "month", basis = "revenu_mtd", rate = 0.1 },
            """, measures: #"ps.measure "revenue_mtd" { kind = "revenue", window = "month_to_date", aggregate = "sum" },"#)
        #expect(unknown?.message.contains("did you mean 'revenue_mtd'?") == true)
        let count = error("""
            currency = "USD",
            ps.commission "C" { every = "month", basis = { kind = "deal_won", products = { "x" } }, rate = 0.1, every_ = 1 },
            """)
        #expect(count?.field == "incentives[1].every_")
        let period = error("""
            currency = "USD",
            ps.commission "C" { every = "monthly", basis = { kind = "revenue" }, rate = 0.1 },
            """)
        #expect(period?.field == "incentives[1].every" && period?.message.contains("did you mean 'month'?") == true)
    }

    @Test("the currency, a SPIFF's window and kind, an MDF's cap and rule names are checked")
    func otherFields() {
        #expect(error(#"ps.commission "C" { every = "month", basis = { kind = "revenue" }, rate = 0.1 },"#)?.field == "incentives.currency")
        let spiff = error("""
            currency = "USD",
            ps.spiff "S" { from = "2026-12-31", to = "2026-10-01", amount = 500 },
            """)
        #expect(spiff?.field == "incentives[1].to" && spiff?.message.contains("ends (2026-10-01) before it starts") == true)
        let kind = error("""
            currency = "USD",
            ps.spiff "S" { from = "2026-10-01", to = "2026-12-31", kind = "deal_wonn", amount = 500 },
            """)
        #expect(kind?.message.contains("did you mean 'deal_won'?") == true)
        let cap = error("""
            currency = "USD",
            ps.mdf "M" { every = "quarter", basis = { kind = "revenue" }, rate = 0.03 },
            """)
        #expect(cap?.field == "incentives[1].cap")
        let twice = error("""
            currency = "USD",
            ps.commission "C" { every = "month", basis = { kind = "revenue" }, rate = 0.1 },
            ps.commission "C" { every = "month", basis = { kind = "revenue" }, rate = 0.2 },
            """)
        #expect(twice?.line == 12 && twice?.message.contains("declared twice (first at Policies/testset/p.lua:11)") == true)
        let plain = error("""
            currency = "USD",
            { every = "month" },
            """)
        #expect(plain?.message.contains("got a plain table") == true)
    }
}
