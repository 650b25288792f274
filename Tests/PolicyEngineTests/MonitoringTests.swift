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

@Suite("The decision log's encodings read back exactly")
struct EncodingTests {
    @Test("hand-written JSON decodes with JSONDecoder to the same evaluation")
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
        let decoded = try JSONDecoder().decode(PartnerEvaluation.self, from: Data(e.json().utf8))
        #expect(decoded == e)
        // The lapsed agreement suspends the MDF benefit.
        #expect(e.json().contains("\"benefits\":{\"commission\":0.12}"))
    }

    @Test("text needing escapes reads back exactly, and matches JSONEncoder byte for byte")
    func jsonEscapes() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": agentPolicy])
        let evaluator = PartnerEvaluator(policySet: try folder.load())
        var p = partner(territories: ["US-CA", "US-TX"], products: ["voice"])
        p.name = "Quote \" back\\slash\ttab\nnewline \u{01} ünïcødé – done"
        let (e, _) = try evaluator.evaluate(snapshot(p, asOf: "2025-07-01", metrics: [.revenue1m: -12.25]),
                                            state: PartnerProgramState())
        let decoded = try JSONDecoder().decode(PartnerEvaluation.self, from: Data(e.json().utf8))
        #expect(decoded == e)
        #expect(decoded.partnerName == p.name)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let name = String(decoding: try encoder.encode([p.name]), as: UTF8.self)
        #expect(e.json().contains("\"partner_name\":\(name.dropFirst().dropLast())"))
    }

    /// An agent with three territories over four months of revenue (up, down, none, up again), its
    /// agreement lapsing in mid-May: tiers won and lost, alerts raised and resolved, a gate tripped.
    func fourMonths(_ evaluator: PartnerEvaluator) throws -> [PartnerEvaluation] {
        var evaluations: [PartnerEvaluation] = []
        var state = PartnerProgramState()
        for (month, revenue) in [("2025-02-01", 12_000.0), ("2025-03-01", 500), ("2025-05-01", 0), ("2025-07-01", 30_000)] {
            let s = snapshot(partner(territories: ["US-CA", "US-TX", "US-NY"]), asOf: month,
                             metrics: [.revenue1m: revenue, .revenue3m: revenue, .dealsWon90d: revenue > 1000 ? 3 : 0, .logins30d: 2],
                             credentials: [Credential(name: "agreement", granted: day("2025-01-01"), expires: day("2025-05-15"))])
            let (e, next) = try evaluator.evaluate(s, state: state)
            evaluations.append(e)
            state = next
        }
        return evaluations
    }

    /// The evaluation's compact detail, referring to `texts`.
    func compact(_ e: PartnerEvaluation, _ texts: DecisionTexts) -> String {
        let buffer = JSONBuffer()
        e.write(to: buffer, texts: texts)
        return buffer.string
    }

    @Test("a compact detail leaves the policy's texts out and reads back with them exactly")
    func compactDetail() throws {
        // The agent program, plus a function criterion (its requirement comes from Lua, not from the policy).
        let source = agentPolicy.replacingOccurrences(of: "entry = { ps.at_least(\"revenue_1m\", 10000), ps.territories_at_least(3) },", with: """
            entry = { ps.at_least("revenue_1m", 10000), ps.territories_at_least(3),
                      ps.check("deal ratio", function(p) return p.deals_won_90d >= 2, p.deals_won_90d, "at least " .. 2 end) },
            """)
        #expect(source != agentPolicy)
        let folder = try PolicyFolder(files: ["testset/agents.lua": source])
        let set = try folder.load()
        let texts = try #require(DecisionTexts.of(set).values.first)
        let evaluations = try fourMonths(PartnerEvaluator(policySet: set))
        #expect(evaluations.contains { !$0.alerts.isEmpty && $0.intervention != nil })
        #expect(evaluations.contains { e in e.criteria.contains { $0.label == "deal ratio" } })

        for e in evaluations {
            let text = compact(e, texts)
            #expect(try PartnerEvaluation.decode(detail: Data(text.utf8), texts: texts, columns: DecisionColumns(e)) == e)
            #expect(text.utf8.count * 10 < e.json().utf8.count * 8, "at least a fifth smaller")
            #expect(!text.contains("revenue_1m ≥") && !text.contains(texts.policy.contentHash))
            // What analytics query in SQL is still in it.
            #expect(text.contains("\"phase\":\"entry\"") && text.contains("\"tier\":\"Premier\""))
            // The full form reads back with or without texts and columns; the compact one needs both.
            #expect(try PartnerEvaluation.decode(detail: Data(e.json().utf8), texts: texts, columns: DecisionColumns(e)) == e)
            #expect(try PartnerEvaluation.decode(detail: Data(e.json().utf8), texts: nil, columns: nil) == e)
            #expect(throws: DecodingError.self) { try PartnerEvaluation.decode(detail: Data(text.utf8), texts: nil, columns: DecisionColumns(e)) }
            #expect(throws: DecodingError.self) { try PartnerEvaluation.decode(detail: Data(text.utf8), texts: texts, columns: nil) }
        }

        // Whatever differs from the texts is written, nil included, and read back as written.
        var e = try #require(evaluations.first { !$0.alerts.isEmpty && $0.intervention != nil && $0.alerts.contains { $0.step > 0 } })
        let declared = try #require(e.criteria.firstIndex { $0.thresholdValue != nil })
        e.criteria[declared].required = "≥ something else"
        e.criteria[declared].thresholdValue = nil
        e.health.components[0].name = "renamed"
        e.health.components[0].weight = 0.123
        let alert = try #require(e.alerts.firstIndex { $0.step > 0 })
        e.alerts[alert].owner = nil
        e.alerts[alert].intervention = "a different action"
        e.intervention?.owner = nil
        e.policy.file = "/elsewhere/agents.lua"
        let text = compact(e, texts)
        #expect(text.contains("\"threshold_value\":null") && text.contains("\"owner\":null") && text.contains("/elsewhere/agents.lua"))
        #expect(try PartnerEvaluation.decode(detail: Data(text.utf8), texts: texts, columns: DecisionColumns(e)) == e)

        // The texts survive their own JSON (the ledger stores them so).
        let stored = try DecisionTexts(json: try texts.json())
        #expect(stored == texts)
        #expect(try PartnerEvaluation.decode(detail: Data(compact(evaluations[0], texts).utf8), texts: stored,
                                             columns: DecisionColumns(evaluations[0])) == evaluations[0])
    }

    @Test("a compact detail leaves out observed words that only repeat the value, unless its texts cannot give them")
    func compactObservations() throws {
        // A function criterion states its own words, which are always written.
        let source = agentPolicy.replacingOccurrences(of: "entry = { ps.at_least(\"revenue_1m\", 10000), ps.territories_at_least(3) },", with: """
            entry = { ps.at_least("revenue_1m", 10000), ps.territories_at_least(3),
                      ps.check("deal ratio", function(p) return p.deals_won_90d >= 2, p.deals_won_90d .. " won", "2 won" end) },
            """)
        let set = try PolicyFolder(files: ["testset/agents.lua": source]).load()
        let texts = try #require(DecisionTexts.of(set).values.first)
        #expect(texts.criteria.map(\.observedAs) == ["revenue_1m", "number", nil, "revenue_3m"])
        var older = texts
        for i in older.criteria.indices { older.criteria[i].observedAs = nil }
        #expect(try DecisionTexts(json: older.json()) == older)

        func criteria(_ json: String) throws -> [[String: Any]] {
            let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            return try #require(object["criteria"] as? [[String: Any]])
        }
        for e in try fourMonths(PartnerEvaluator(policySet: set)) {
            let text = compact(e, texts)
            for (result, written) in zip(e.criteria, try criteria(text)) {
                #expect((written["observed"] as? String) == (result.label == "deal ratio" ? result.observed : nil), "\(result.label)")
            }
            let decoded = try PartnerEvaluation.decode(detail: Data(text.utf8), texts: texts, columns: DecisionColumns(e))
            #expect(decoded == e)
            #expect(decoded.criteria.map(\.observed) == e.criteria.map(\.observed))
            // Texts stored before they said how: every criterion writes its words, and reads back.
            let full = compact(e, older)
            #expect(try criteria(full).allSatisfy { $0["observed"] is String })
            #expect(try PartnerEvaluation.decode(detail: Data(full.utf8), texts: older, columns: DecisionColumns(e)) == e)
            // A detail that left words out cannot be read with texts that cannot give them.
            #expect(throws: DecodingError.self) {
                try PartnerEvaluation.decode(detail: Data(text.utf8), texts: older, columns: DecisionColumns(e))
            }
            // Words that are not the value's are written even where the criterion reads a metric.
            var changed = e
            changed.criteria[0].observed = "about \(changed.criteria[0].observed)"
            let written = compact(changed, texts)
            #expect((try criteria(written)[0]["observed"] as? String) == changed.criteria[0].observed)
            #expect(try PartnerEvaluation.decode(detail: Data(written.utf8), texts: texts, columns: DecisionColumns(e)) == changed)
        }
    }

    @Test("a compact detail leaves out empty lists, its tier's benefits (not those a gate suspended), deadlines its milestone rules give and what its decision row holds")
    func compactOmissions() throws {
        let set = try PolicyFolder(files: ["testset/agents.lua": agentPolicy]).load()
        let texts = try #require(DecisionTexts.of(set).values.first)
        let evaluations = try fourMonths(PartnerEvaluator(policySet: set))
        #expect(evaluations.contains { !$0.suspendedBenefits.isEmpty } && evaluations.contains { $0.tier != nil && $0.suspendedBenefits.isEmpty })
        #expect(evaluations.contains { !$0.resolvedAlerts.isEmpty } && evaluations.contains { $0.resolvedAlerts.isEmpty })

        func topLevelKeys(_ json: String) throws -> Set<String> {
            Set(try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]).keys)
        }
        for e in evaluations {
            let text = compact(e, texts)
            #expect(try PartnerEvaluation.decode(detail: Data(text.utf8), texts: texts, columns: DecisionColumns(e)) == e)
            let lists = [("alerts", e.alerts.isEmpty), ("gates", e.gates.isEmpty), ("resolved_alerts", e.resolvedAlerts.isEmpty),
                         ("suspended_benefits", e.suspendedBenefits.isEmpty), ("suspended_products", e.suspendedProducts.isEmpty)]
            let keys = try topLevelKeys(text)
            for (key, empty) in lists { #expect(keys.contains(key) == !empty, "\(key)") }
            #expect(keys.contains("benefits") == (e.benefits != texts.benefits(ofTier: e.tier)))
            // What the decision's row holds is left out, the health score and band too.
            let rowKeys = ["as_of", "previous_standing", "standing", "tier_event", "snapshot_hash"]
                + (e.tier == nil ? [] : ["tier"]) + (e.previousTier == nil ? [] : ["previous_tier"])
            #expect(keys.isDisjoint(with: rowKeys + ["previous_tier", "tier"]))
            let health = try #require((try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["health"] as? [String: Any])
            #expect(Set(health.keys) == ["components"])
            // In full, nothing is left out.
            #expect(try topLevelKeys(e.json()).isSuperset(of: lists.map(\.0) + ["benefits"] + rowKeys))
        }

        // Texts stored before they held the tiers' benefits and the milestone rules: every detail
        // writes its benefits and deadlines, and reads back.
        var older = texts
        older.benefits = nil
        older.milestones = nil
        #expect(try DecisionTexts(json: older.json()) == older)
        for e in evaluations {
            let text = compact(e, older)
            #expect(try topLevelKeys(text).contains("benefits"))
            #expect(try PartnerEvaluation.decode(detail: Data(text.utf8), texts: older, columns: DecisionColumns(e)) == e)
        }
        // A detail that left its tier's benefits out cannot be read with texts that do not know them.
        let omitted = try #require(evaluations.first { try !topLevelKeys(compact($0, texts)).contains("benefits") })
        #expect(throws: DecodingError.self) {
            try PartnerEvaluation.decode(detail: Data(compact(omitted, texts).utf8), texts: older, columns: DecisionColumns(omitted))
        }

        // Milestone deadlines: the first one is written; the others follow from their rules and the
        // enrollment day it implies (its rule is in days), unless the texts cannot give them.
        func deadlines(_ json: String) throws -> Int {
            let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let milestones = try #require(object["milestones"] as? [[String: Any]])
            return milestones.filter { $0["deadline"] != nil }.count
        }
        var monthly = texts
        monthly.milestones![0].deadline = Period(months: 1)
        for e in evaluations {
            #expect(e.milestones.count == 6)
            #expect(try deadlines(compact(e, texts)) == 1)
            #expect(try deadlines(compact(e, older)) == 6)
            #expect(try deadlines(compact(e, monthly)) == 6)
            #expect(try PartnerEvaluation.decode(detail: Data(compact(e, monthly).utf8), texts: monthly, columns: DecisionColumns(e)) == e)
            var other = texts
            other.milestones = nil
            other.benefits = texts.benefits
            #expect(throws: DecodingError.self) {
                try PartnerEvaluation.decode(detail: Data(compact(e, texts).utf8), texts: other, columns: DecisionColumns(e))
            }
        }
    }

    @Test("the compact state reads back exactly", arguments: [
        PartnerProgramState(),
        PartnerProgramState(tier: "Gold", tierSince: day("2024-03-31"), review: TierReview(tier: "Gold", opened: day("2025-01-31"), deadline: day("2025-03-02")),
                            lastTierEvaluation: day("2025-01-31"), firstQualified: day("2024-03-31"), firstAdvanced: day("2024-06-30"),
                            gates: ["HIPAA attestation": .lapsed, "SOC 2": .ok],
                            openAlerts: [AlertKey(kind: .milestoneOverdue, subject: "first_login"): day("2024-02-01"),
                                         AlertKey(kind: .policyFlag, subject: "Deal: outside: territory"): day("2025-01-31")]),
    ])
    func compact(state: PartnerProgramState) {
        #expect(PartnerProgramState(compact: state.compact) == state)
    }

    @Test("the compact state's layout is fixed (the ledger stores it)")
    func compactLayout() {
        let state = PartnerProgramState(tier: "Gold", tierSince: day("2024-03-31"), lastTierEvaluation: day("2025-01-31"),
                                        gates: ["SOC 2": .ok, "HIPAA attestation": .lapsed],
                                        openAlerts: [AlertKey(kind: .policyFlag, subject: "late"): day("2025-01-31"),
                                                     AlertKey(kind: .milestoneOverdue, subject: "first_login"): day("2024-02-01")])
        let (f, i, p) = ("\u{1E}", "\u{1F}", "\u{1D}")
        let d = { (text: String) in String(day(text).daysSinceEpoch) }
        #expect(state.compact == "v1\(f)Gold\(f)\(d("2024-03-31"))\(f)\(f)\(f)\(f)\(d("2025-01-31"))\(f)\(f)\(f)"
            + "HIPAA attestation\(p)lapsed\(i)SOC 2\(p)ok\(f)"
            + "milestone_overdue:first_login\(p)\(d("2024-02-01"))\(i)policy_flag:late\(p)\(d("2025-01-31"))")
        #expect(PartnerProgramState().compact == "v1" + String(repeating: f, count: 10))
    }
}

@Test("alert kinds sort alphabetically by their names")
func alertKindOrder() {
    #expect(AlertKind.allCases.sorted().map(\.rawValue) == AlertKind.allCases.map(\.rawValue).sorted())
}
