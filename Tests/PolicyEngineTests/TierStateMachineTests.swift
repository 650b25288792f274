import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

/// Walks each path of the tier state machine over consecutive as-of dates.
@Suite("Tier state machine over consecutive evaluations")
struct TierStateMachineTests {
    let folder: PolicyFolder
    let evaluator: PartnerEvaluator
    let premierAgent = partner(territories: ["US-CA", "US-TX", "US-NY"])
    let agreement = Credential(name: "agreement", granted: day("2025-01-01"), expires: day("2027-12-31"))

    init() throws {
        folder = try PolicyFolder(files: ["testset/agents.lua": agentPolicy])
        evaluator = PartnerEvaluator(policySet: try folder.load())
    }

    func run(_ asOf: String, _ metrics: [Metric: Double], _ state: PartnerProgramState, partner p: Partner? = nil)
        throws -> (PartnerEvaluation, PartnerProgramState)
    {
        try evaluator.evaluate(snapshot(p ?? premierAgent, asOf: asOf, metrics: metrics, credentials: [agreement]), state: state)
    }

    @Test("a new partner gets the highest tier it qualifies for")
    func assigned() throws {
        let (e1, s1) = try run("2025-03-31", [.revenue1m: 500], PartnerProgramState())
        #expect(e1.tierEvent == .assigned)
        #expect(e1.tier == "Authorized")
        #expect(s1.lastTierEvaluation == day("2025-03-31"))
    }

    @Test("an upgrade takes effect at the first due evaluation where entry criteria hold")
    func upgrade() throws {
        let (_, s1) = try run("2025-03-31", [.revenue1m: 500], PartnerProgramState())
        let (e2, s2) = try run("2025-04-30", [.revenue1m: 12000, .revenue3m: 30000], s1)
        #expect(e2.tierEvent == .upgraded)
        #expect(e2.previousTier == "Authorized")
        #expect(e2.tier == "Premier")
        #expect(e2.benefits["commission"] == .number(0.12))
        #expect(s2.tierSince == day("2025-04-30"))
        #expect(s2.firstAdvanced == day("2025-04-30"))
        #expect(e2.criteria.contains { $0.tier == "Premier" && $0.label.hasPrefix("revenue_1m") && $0.passed && $0.observed == "12,000" })
    }

    @Test("when tiers are not due (cadence) nothing changes, even if criteria hold")
    func notDue() throws {
        let (_, s1) = try run("2025-04-01", [.revenue1m: 500], PartnerProgramState())
        let (e2, s2) = try run("2025-04-20", [.revenue1m: 50000, .revenue3m: 90000], s1)
        #expect(e2.tierDue == false)
        #expect(e2.tierEvent == .notDue)
        #expect(e2.tier == "Authorized")
        #expect(s2.lastTierEvaluation == day("2025-04-01"))
        let (e3, _) = try run("2025-05-01", [.revenue1m: 50000, .revenue3m: 90000], s2)
        #expect(e3.tierEvent == .upgraded)
    }

    @Test("below maintenance opens a review with a deadline; recovery clears it")
    func reviewCleared() throws {
        let premier = PartnerProgramState(tier: "Premier", tierSince: day("2025-01-31"), lastTierEvaluation: day("2025-01-31"))
        let (e1, s1) = try run("2025-02-28", [.revenue1m: 2000, .revenue3m: 20000], premier)
        #expect(e1.tierEvent == .reviewOpened)
        #expect(e1.standing == .review)
        #expect(s1.review == TierReview(tier: "Premier", opened: day("2025-02-28"), deadline: day("2025-04-29")))
        #expect(e1.alerts.contains { $0.key == AlertKey(kind: .tierReview, subject: "Premier") })
        let (e2, s2) = try run("2025-03-31", [.revenue1m: 9000, .revenue3m: 26000], s1)
        #expect(e2.tierEvent == .reviewCleared)
        #expect(e2.standing == .good)
        #expect(e2.tier == "Premier")
        #expect(s2.review == nil)
        #expect(e2.resolvedAlerts == [AlertKey(kind: .tierReview, subject: "Premier")])
    }

    @Test("a partner still below at the deadline is demoted; not before")
    func demotion() throws {
        let premier = PartnerProgramState(tier: "Premier", tierSince: day("2025-01-31"), lastTierEvaluation: day("2025-01-31"))
        let low: [Metric: Double] = [.revenue1m: 1000, .revenue3m: 5000]
        let (_, s1) = try run("2025-02-28", low, premier)
        let (e2, s2) = try run("2025-03-31", low, s1)
        #expect(e2.tierEvent == .reviewContinues)
        #expect(e2.tier == "Premier")
        let (e3, s3) = try run("2025-04-30", low, s2)
        #expect(e3.tierEvent == .demoted)
        #expect(e3.previousTier == "Premier")
        #expect(e3.tier == "Authorized")
        #expect(e3.standing == .good)
        #expect(s3.review == nil)
    }

    @Test("an upgrade during a review clears it")
    func upgradeNotBlocked() throws {
        let state = PartnerProgramState(tier: "Authorized", lastTierEvaluation: day("2025-01-31"))
        let (e, s) = try run("2025-02-28", [.revenue1m: 15000, .revenue3m: 40000], state)
        #expect(e.tierEvent == .upgraded)
        #expect(s.review == nil)
    }

    @Test("a stored tier the policy does not have stops the evaluation, naming partner, tier and the policy's tiers")
    func unknownTier() throws {
        let state = PartnerProgramState(tier: "Gold", lastTierEvaluation: day("2025-01-31"))
        do {
            _ = try run("2025-02-28", [.revenue1m: 100], state)
            Issue.record("a partner stored in an unknown tier was evaluated")
        } catch let failure as PartnerEvaluator.Failure {
            let text = failure.description
            #expect(text.contains("partner P-1 holds tier 'Gold'"))
            #expect(text.contains("its tiers: Authorized, Premier"))
            #expect(text.contains("Policies/testset/agents.lua"))
            #expect(text.contains("formerly = { \"Gold\" }"))
        }
        // Never evaluated: the tier imported with the partner is checked the same way.
        var imported = premierAgent
        imported.tier = "Silver"
        #expect(throws: PartnerEvaluator.Failure.self) {
            try run("2025-02-28", [:], .initial(for: imported), partner: imported)
        }
    }

    @Test("a renamed tier keeps its partners, their review too, through `formerly`")
    func renamedTier() throws {
        let renamed = agentPolicy.replacingOccurrences(of: "ps.tier \"Premier\" {", with: "ps.tier \"Premier Plus\" { formerly = { \"Premier\" },")
        let evaluator = PartnerEvaluator(policySet: try PolicyFolder(files: ["testset/agents.lua": renamed]).load())
        let review = TierReview(tier: "Premier", opened: day("2025-02-28"), deadline: day("2025-04-29"))
        let state = PartnerProgramState(tier: "Premier", tierSince: day("2025-01-31"), review: review, lastTierEvaluation: day("2025-02-28"))
        let (e, next) = try evaluator.evaluate(snapshot(premierAgent, asOf: "2025-03-31", metrics: [.revenue3m: 1000],
                                                        credentials: [agreement]), state: state)
        #expect(e.tier == "Premier Plus" && e.previousTier == "Premier")   // the decision shows the rename
        #expect(e.tierEvent == .reviewContinues)
        #expect(next.review?.tier == "Premier Plus")
    }

    @Test("a former tier name may not be a tier's name, or another tier's former name")
    func formerNameCollides() throws {
        let source = agentPolicy.replacingOccurrences(of: "ps.tier \"Premier\" {", with: "ps.tier \"Premier\" { formerly = { \"Authorized\" },")
        #expect(throws: PolicyError.self) { try PolicyFolder(files: ["testset/agents.lua": source]).load() }
    }
}
