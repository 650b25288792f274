import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

/// A menu whose CAM step pauses escalation for 14 days once its task is acknowledged.
let pausingPolicy = """
    local ps = require "partnerscore"
    return ps.policy {
      name = "Agents", version = "1.0", effective = "2025-01-01", programs = { "agents" }, cadence = "monthly",
      tiers = { ps.tier "Authorized" {} },
      health = { components = { ps.component "revenue" { weight = 1, metric = "revenue_3m", target = 30000 } } },
      milestones = { first_login = false, first_training = false, first_deal_registration = false, first_deal_won = false,
                     first_tier_qualification = false, first_tier_advancement = false },
      interventions = {
        ps.step { after = "0 days", action = "Nudge", owner = "automation" },
        ps.step { after = "14 days", action = "CAM call", owner = "CAM", pause = "14 days" },
        ps.step { after = "30 days", action = "Success plan", owner = "partner success", queue = "success-team" },
      },
    }
    """

@Suite("A step's pause: an acknowledged task holds escalation")
struct PauseTests {
    let folder: PolicyFolder
    let evaluator: PartnerEvaluator
    let red = AlertKey(kind: .healthRed, subject: "health")
    /// Red since January 1st: the CAM step (14 days) applies from the 15th, the plan (30 days) from the 31st.
    let state = PartnerProgramState(tier: "Authorized", openAlerts: [AlertKey(kind: .healthRed, subject: "health"): day("2025-01-01")])

    init() throws {
        folder = try PolicyFolder(files: ["testset/agents.lua": pausingPolicy])
        evaluator = PartnerEvaluator(policySet: try folder.load())
    }

    func alert(on asOf: String, _ acknowledged: [AcknowledgedStep]) throws -> AlertResult {
        let (e, _) = try evaluator.evaluate(snapshot(partner(), asOf: asOf), state: state, acknowledged: acknowledged)
        return try #require(e.alerts.first { $0.key == red })
    }

    @Test("acknowledged on the 20th: held at the CAM step until February 3rd, escalated on that day")
    func holdsUntilThePauseEnds() throws {
        let ack = [AcknowledgedStep(alert: red, step: 2, on: day("2025-01-20"))]
        #expect(try alert(on: "2025-01-31", []).step == 3, "without the acknowledgement it escalates on the 31st")
        let held = try alert(on: "2025-01-31", ack)
        #expect(held.step == 2)
        #expect(held.intervention == "CAM call")
        #expect(held.pausedUntil == day("2025-02-03"))
        let lastDay = try alert(on: "2025-02-02", ack)
        #expect(lastDay.step == 2)
        let after = try alert(on: "2025-02-03", ack)
        #expect(after.step == 3)
        #expect(after.pausedUntil == nil)
    }

    @Test("an acknowledgement dated after the evaluation day, of another alert, or of a step without a pause holds nothing")
    func holdsOnlyWhatItShould() throws {
        #expect(try alert(on: "2025-01-31", [AcknowledgedStep(alert: red, step: 2, on: day("2025-02-01"))]).step == 3)
        #expect(try alert(on: "2025-01-31", [AcknowledgedStep(alert: AlertKey(kind: .tierReview, subject: "Authorized"), step: 2,
                                                             on: day("2025-01-20"))]).step == 3)
        #expect(try alert(on: "2025-01-31", [AcknowledgedStep(alert: red, step: 1, on: day("2025-01-02"))]).step == 3)
        // A step not yet reached cannot be held at.
        let early = try alert(on: "2025-01-10", [AcknowledgedStep(alert: red, step: 2, on: day("2025-01-05"))])
        #expect(early.step == 1)
        #expect(early.pausedUntil == nil)
    }

    @Test("the paused alert is in the evaluation's JSON (the decision log's form: DecisionDetailTests), and shows in the explanation")
    func recordedAndExplained() throws {
        let (e, _) = try evaluator.evaluate(snapshot(partner(), asOf: "2025-01-31"), state: state,
                                            acknowledged: [AcknowledgedStep(alert: red, step: 2, on: day("2025-01-20"))])
        let set = try folder.load()
        #expect(e.json().contains(#""paused_until":"2025-02-03""#))
        let text = Explanation(evaluation: e, policy: set.policies[0]).text
        #expect(text.contains("its task is acknowledged, so it escalates no further before 2025-02-03"))
        // Details without a pause keep their bytes: no key at all.
        let (plain, _) = try evaluator.evaluate(snapshot(partner(), asOf: "2025-01-31"), state: state)
        #expect(!plain.json().contains("paused_until"))
    }

    @Test("a step's queue and owner say who its tasks go to")
    func assignees() throws {
        let steps = try folder.load().policies[0].interventions
        #expect(steps[0].assignee(cam: "anna") == "automation")
        #expect(steps[1].assignee(cam: "anna") == "anna")
        #expect(steps[1].assignee(cam: "") == "CAM", "a partner without a cam: the CAM queue")
        #expect(steps[2].assignee(cam: "anna") == "success-team")
        #expect(try folder.load().pausesEscalation)
    }

    @Test("pause and queue are validated like every field", arguments: [
        ("pause = true", "interventions[1].pause", "expected a period"),
        ("pause = \"0 days\"", "interventions[1].pause", "holds nothing"),
        ("pauses = \"14 days\"", "interventions[1].pauses", "did you mean 'pause'"),
        ("queue = 5", "interventions[1].queue", "expected"),
        ("queue = \"  \"", "interventions[1].queue", "empty"),
    ])
    func validation(_ field: String, _ path: String, _ words: String) throws {
        let text = pausingPolicy.replacingOccurrences(of: #"ps.step { after = "0 days", action = "Nudge", owner = "automation" }"#,
                                                      with: #"ps.step { after = "0 days", action = "Nudge", owner = "automation", \#(field) }"#)
        let folder = try PolicyFolder(files: ["testset/agents.lua": text])
        let error = #expect(throws: PolicyError.self) { try folder.load() }
        #expect(error?.field == path, "\(String(describing: error))")
        #expect(error?.description.contains(words) == true, "\(String(describing: error))")
        #expect(error?.line != nil)
    }
}
