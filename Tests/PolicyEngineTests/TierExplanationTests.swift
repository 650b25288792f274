import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

/// What `explain` says about a tier that changed, or was not due.
@Suite("Explanations of promotions and of evaluations when tiers are not due")
struct TierExplanationTests {
    let folder: PolicyFolder
    let evaluator: PartnerEvaluator
    let agent = partner(territories: ["US-CA", "US-TX", "US-NY"])

    init() throws {
        folder = try PolicyFolder(files: ["testset/agents.lua": agentPolicy])
        evaluator = PartnerEvaluator(policySet: try folder.load())
    }

    func text(_ e: PartnerEvaluation, tiersLastDue: Day? = nil) -> String {
        Explanation(evaluation: e, policy: evaluator.policySet.policies[0], tiersLastDue: tiersLastDue).text
    }

    @Test("a partner promoted at this evaluation lists the entry criteria it met")
    func promoted() throws {
        let (_, s1) = try evaluator.evaluate(snapshot(agent, asOf: "2025-03-31", metrics: [.revenue1m: 500]), state: PartnerProgramState())
        let (e, _) = try evaluator.evaluate(snapshot(agent, asOf: "2025-04-30", metrics: [.revenue1m: 12000, .revenue3m: 30000]), state: s1)
        #expect(e.tierEvent == .upgraded)
        let words = text(e)
        #expect(words.contains("Promoted to Premier at this evaluation — its entry criteria, all met:"))
        #expect(words.contains("✓ revenue_1m ≥ 10,000 — has 12,000"))
        #expect(words.contains("✓ authorized territories ≥ 3 — has 3"))
        #expect(!words.contains("no criteria (entry tier)"))
    }

    @Test("the entry tier of a first assignment has no criteria to list")
    func entryTier() throws {
        let (e, _) = try evaluator.evaluate(snapshot(agent, asOf: "2025-03-31", metrics: [.revenue1m: 500]), state: PartnerProgramState())
        #expect(e.tierEvent == .assigned)
        #expect(text(e).contains("Keeping Authorized: no criteria (entry tier)."))
    }

    @Test("when tiers are not due, says when they next are")
    func notDue() throws {
        let (_, s1) = try evaluator.evaluate(snapshot(agent, asOf: "2025-03-10", metrics: [.revenue1m: 500]), state: PartnerProgramState())
        let (e, _) = try evaluator.evaluate(snapshot(agent, asOf: "2025-03-31", metrics: [.revenue1m: 500]), state: s1)
        #expect(e.tierEvent == .notDue)
        #expect(text(e).contains("tiers are next due at the first evaluation on or after 2025-04-01"))
        // Previewed from a state recorded later (tiers last due on May 31): not before June.
        #expect(text(e, tiersLastDue: day("2025-05-31")).contains("on or after 2025-06-01"))
    }

    @Test("each cadence's next due day", arguments: [
        (Cadence.monthly, "2025-03-31", "2025-04-01"), (.monthly, "2025-12-15", "2026-01-01"),
        (.quarterly, "2025-02-10", "2025-04-01"), (.quarterly, "2025-12-31", "2026-01-01"),
        (.semiannual, "2025-06-30", "2025-07-01"), (.semiannual, "2025-07-01", "2026-01-01"),
        (.annual, "2025-01-01", "2026-01-01"), (.rolling, "2025-03-31", "2025-04-01"),
    ])
    func nextDue(cadence: Cadence, after: String, next: String) {
        #expect(cadence.nextDue(after: day(after)) == day(next))
        // The next due day is due, and no day before it in the same period is.
        #expect(cadence.isDue(on: day(next), lastEvaluation: day(after)))
        #expect(!cadence.isDue(on: day(next).adding(days: -1), lastEvaluation: day(after)))
    }
}
