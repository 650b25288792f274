import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

@Suite("Compliance gates, health, milestones and escalating interventions")
struct MonitoringTests {
    let folder: PolicyFolder
    let evaluator: PartnerEvaluator
    let agent = partner(enrolled: "2025-01-01", products: ["voice", "mobile"])

    init() throws {
        folder = try PolicyFolder(files: ["testset/agents.lua": agentPolicy])
        evaluator = PartnerEvaluator(policySet: try folder.load())
    }

    func gate(_ asOf: String, expires: String, previous: PartnerProgramState) throws -> (GateResult, PartnerEvaluation, PartnerProgramState) {
        let credential = Credential(name: "agreement", granted: day("2024-12-01"), expires: day(expires))
        let (e, s) = try evaluator.evaluate(snapshot(agent, asOf: asOf, credentials: [credential]), state: previous)
        return (e.gates[0], e, s)
    }

    @Test("gate: warning ahead of expiry, lapse suspends, renewal restores")
    func gatePaths() throws {
        let start = PartnerProgramState(tier: "Authorized", lastTierEvaluation: day("2025-05-31"))
        let (ok, _, s0) = try gate("2025-05-01", expires: "2025-06-30", previous: start)
        #expect(ok.status == .ok)
        let (warn, e1, s1) = try gate("2025-06-05", expires: "2025-06-30", previous: s0)
        #expect(warn.status == .warning)
        #expect(warn.event == .warned)
        #expect(warn.daysToExpiry == 25)
        #expect(e1.alerts.contains { $0.key.kind == .gateWarning })
        #expect(e1.suspendedProducts.isEmpty)

        let (lapsed, e2, s2) = try gate("2025-07-01", expires: "2025-06-30", previous: s1)
        #expect(lapsed.status == .lapsed)
        #expect(lapsed.event == .tripped)
        #expect(e2.suspendedProducts == ["voice"])
        #expect(e2.authorizedProducts == ["mobile"])
        #expect(e2.suspendedBenefits == ["mdf"])
        #expect(e2.alerts.contains { $0.key == AlertKey(kind: .gateLapsed, subject: "Agent agreement") })
        #expect(e2.resolvedAlerts.contains(AlertKey(kind: .gateWarning, subject: "Agent agreement")))

        let (renewed, e3, _) = try gate("2025-07-15", expires: "2026-07-14", previous: s2)
        #expect(renewed.status == .ok)
        #expect(renewed.event == .restored)
        #expect(e3.suspendedProducts.isEmpty)
        #expect(e3.authorizedProducts == ["voice", "mobile"])
    }

    @Test("the expiry day itself is still valid; the next day is lapsed")
    func expiryBoundary() throws {
        let (onDay, _, _) = try gate("2025-06-30", expires: "2025-06-30", previous: PartnerProgramState())
        #expect(onDay.status == .warning)
        let (after, _, _) = try gate("2025-07-01", expires: "2025-06-30", previous: PartnerProgramState())
        #expect(after.status == .lapsed)
    }

    @Test("health: weighted contributions and the band")
    func health() throws {
        let (e, _) = try evaluator.evaluate(snapshot(agent, asOf: "2025-06-30", metrics: [.revenue3m: 15000, .logins30d: 20]),
                                            state: PartnerProgramState())
        #expect(e.health.components.map(\.contribution) == [37.5, 25.0])
        #expect(e.health.score == 62.5)
        #expect(e.health.band == "yellow")
        let (red, _) = try evaluator.evaluate(snapshot(agent, asOf: "2025-06-30"), state: PartnerProgramState())
        #expect(red.health.band == "red")
        #expect(red.alerts.contains { $0.key.kind == .healthRed })
    }

    @Test("milestones: on time, late, overdue and pending")
    func milestones() throws {
        let dates = MilestoneDates(firstLogin: day("2025-01-02"), firstTraining: day("2025-01-20"))
        let (e, _) = try evaluator.evaluate(snapshot(agent, asOf: "2025-02-15", milestones: dates), state: PartnerProgramState())
        let byStep = Dictionary(uniqueKeysWithValues: e.milestones.map { ($0.milestone, $0) })
        #expect(byStep[.firstLogin]?.status == .metOnTime)
        #expect(byStep[.firstTraining]?.status == .metLate)
        #expect(byStep[.firstTraining]?.days == 12)
        #expect(byStep[.firstDealRegistration]?.status == .overdue)
        #expect(byStep[.firstDealRegistration]?.days == 15)
        #expect(byStep[.firstDealWon]?.status == .pending)
        #expect(byStep[.firstDealWon]?.deadline == day("2025-04-01"))
        #expect(byStep[.firstTierQualification]?.deadline == day("2026-01-01"))
        // Only the current milestone (the first not reached) raises an alert.
        #expect(e.alerts.filter { $0.key.kind == .milestoneOverdue }.map(\.key.subject) == ["first_deal_registration"])
    }

    @Test("interventions escalate while an alert stays open, remembering when it was first raised")
    func escalation() throws {
        var state = PartnerProgramState()
        var steps: [Int] = []
        var actions: [String?] = []
        for asOf in ["2025-02-01", "2025-02-14", "2025-02-16", "2025-03-05", "2025-04-10"] {
            let (e, next) = try evaluator.evaluate(snapshot(agent, asOf: asOf, metrics: [.revenue3m: 30000, .logins30d: 10]),
                                                   state: state)
            let alert = e.alerts.first { $0.key.kind == .milestoneOverdue }
            #expect(alert?.firstRaised == day("2025-02-01"))
            steps.append(alert?.step ?? -1)
            actions.append(e.intervention?.action)
            state = next
        }
        #expect(steps == [1, 1, 2, 3, 4])
        #expect(actions.last == "Executive business review")
        // The milestone is reached: the alert resolves and the next one starts fresh later.
        let reached = MilestoneDates(firstLogin: day("2025-04-10"), firstTraining: day("2025-04-10"),
                                     firstDealRegistration: day("2025-04-10"), firstDealWon: day("2025-04-10"))
        let (e, _) = try evaluator.evaluate(snapshot(agent, asOf: "2025-04-11", metrics: [.revenue3m: 30000, .logins30d: 10],
                                                     milestones: reached), state: state)
        #expect(e.resolvedAlerts.contains(AlertKey(kind: .milestoneOverdue, subject: "first_login")))
    }

    @Test("evaluation is deterministic: same input, byte-identical output")
    func determinism() throws {
        let s = snapshot(agent, asOf: "2025-06-30", metrics: [.revenue1m: 12000, .revenue3m: 15000, .logins30d: 3],
                         credentials: [Credential(name: "agreement", granted: day("2025-01-01"), expires: day("2025-07-15"))])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let first = try encoder.encode(try evaluator.evaluate(s, state: PartnerProgramState()).0)
        let other = PartnerEvaluator(policySet: try folder.load())
        let second = try encoder.encode(try other.evaluate(s, state: PartnerProgramState()).0)
        #expect(first == second)
    }
}

@Suite("explain puts a decision in words")
struct ExplanationTests {
    @Test("current tier, next tier gap, health, milestones, gates and the intervention are all there")
    func text() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": agentPolicy])
        let set = try folder.load()
        let evaluator = PartnerEvaluator(policySet: set)
        let agent = partner(territories: ["US-CA", "US-TX"])
        let s = snapshot(agent, asOf: "2025-06-30", metrics: [.revenue1m: 7200, .revenue3m: 15000, .logins30d: 3],
                         credentials: [Credential(name: "agreement", granted: day("2025-01-01"), expires: day("2025-07-15"))])
        let (e, _) = try evaluator.evaluate(s, state: PartnerProgramState(tier: "Authorized", lastTierEvaluation: day("2025-05-31")))
        let text = Explanation(evaluation: e, policy: set.policy(forProgram: "agents")!).text
        #expect(text.contains("Tier: Authorized — in good standing"))
        #expect(text.contains("Next tier: Premier — missing 2 of 2 criteria:"))
        #expect(text.contains("✗ revenue_1m ≥ 10,000 — has 7,200 (needs 2,800 more)"))
        #expect(text.contains("✗ authorized territories ≥ 3 — has 2 (needs 1 more)"))
        #expect(text.contains("Health: 45 of 100 — yellow"))
        #expect(text.contains("EXPIRES in 15 days"))
        #expect(text.contains("Chosen intervention:"))
        #expect(text.contains("OVERDUE"))
    }
}

/// The hand-written `json()` says what the `Encodable` conformance says (the
/// service encodes evaluations with it); the decision log's reading them back
/// is pinned in ProgramEvaluationTests (`DecisionDetailTests`).
@Suite("An evaluation's JSON is what its Encodable conformance writes")
struct EncodingTests {
    /// The JSON text parsed into Foundation objects, for comparing content regardless of formatting.
    func object(_ json: some Sequence<UInt8>) throws -> NSDictionary {
        try #require(JSONSerialization.jsonObject(with: Data(json)) as? NSDictionary)
    }

    func encoded(_ e: PartnerEvaluation) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(e)
    }

    @Test("hand-written JSON has the content JSONEncoder gives the evaluation")
    func jsonRoundTrip() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": agentPolicy])
        let evaluator = PartnerEvaluator(policySet: try folder.load())
        let s = snapshot(partner(territories: ["US-CA", "US-TX", "US-NY"], products: ["voice"]), asOf: "2025-07-01",
                         metrics: [.revenue1m: 12000.5, .revenue3m: 15000, .logins30d: 3],
                         credentials: [Credential(name: "agreement", granted: day("2025-01-01"), expires: day("2025-06-30"))],
                         milestones: MilestoneDates(firstLogin: day("2025-01-02")))
        var state = PartnerProgramState(tier: "Premier", tierSince: day("2025-01-31"), lastTierEvaluation: day("2025-05-31"))
        state.openAlerts[AlertKey(kind: .healthRed, subject: "health")] = day("2025-05-31")
        let (e, _) = try evaluator.evaluate(s, state: state)
        #expect(!e.alerts.isEmpty && !e.gates.isEmpty && e.review != nil)
        #expect(try object(e.json().utf8) == object(encoded(e)))
        // The lapsed agreement suspends the MDF benefit.
        #expect(e.json().contains("\"benefits\":{\"commission\":0.12}"))
    }

    @Test("text needing escapes parses back to the same text, and matches JSONEncoder byte for byte")
    func jsonEscapes() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": agentPolicy])
        let evaluator = PartnerEvaluator(policySet: try folder.load())
        var p = partner(territories: ["US-CA", "US-TX"], products: ["voice"])
        p.name = "Quote \" back\\slash\ttab\nnewline \u{01} ünïcødé – done"
        let (e, _) = try evaluator.evaluate(snapshot(p, asOf: "2025-07-01", metrics: [.revenue1m: -12.25]),
                                            state: PartnerProgramState())
        #expect(try object(e.json().utf8) == object(encoded(e)))
        #expect(try object(e.json().utf8)["partner_name"] as? String == p.name)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let name = String(decoding: try encoder.encode([p.name]), as: UTF8.self)
        #expect(e.json().contains("\"partner_name\":\(name.dropFirst().dropLast())"))
    }
}

@Test("alert kinds sort alphabetically by their names")
func alertKindOrder() {
    #expect(AlertKind.allCases.sorted().map(\.rawValue) == AlertKind.allCases.map(\.rawValue).sorted())
}
