import Foundation
import PartnerModel
import PolicyEngine
import TestSupport
import Testing
@testable import ProgramEvaluation

/// The decision log's detail format (`DecisionDetail`, `DecisionTexts`,
/// `DecisionColumns`) and its state text: what the ledger writes reads back
/// into exactly the evaluation (state) that was written.
@Suite("The decision log's detail and state read back exactly")
struct DecisionDetailTests {
    @Test("a detail in full reads back without texts or columns, text needing escapes included")
    func fullForm() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": agentPolicy])
        let evaluator = PartnerEvaluator(policySet: try folder.load())
        var p = partner(territories: ["US-CA", "US-TX", "US-NY"], products: ["voice"])
        p.name = "Quote \" back\\slash\ttab\nnewline \u{01} ünïcødé – done"
        let s = snapshot(p, asOf: "2025-07-01",
                         metrics: [.revenue1m: 12000.5, .revenue3m: -12.25, .logins30d: 3],
                         credentials: [Credential(name: "agreement", granted: day("2025-01-01"), expires: day("2025-06-30"))],
                         milestones: MilestoneDates(firstLogin: day("2025-01-02")))
        var state = PartnerProgramState(tier: "Premier", tierSince: day("2025-01-31"), lastTierEvaluation: day("2025-05-31"))
        state.openAlerts[AlertKey(kind: .healthRed, subject: "health")] = day("2025-05-31")
        let (e, _) = try evaluator.evaluate(s, state: state)
        #expect(!e.alerts.isEmpty && !e.gates.isEmpty && e.review != nil)
        let decoded = try DecisionDetail.decode(Data(e.json().utf8), texts: nil, columns: nil)
        #expect(decoded == e)
        #expect(decoded.partnerName == p.name)
    }

    @Test("the all-products flag is written only when true, and reads back either way")
    func allProducts() throws {
        let set = try PolicyFolder(files: ["testset/agents.lua": agentPolicy]).load()
        let texts = try #require(DecisionTexts.of(set).values.first)
        let evaluator = PartnerEvaluator(policySet: set)
        for products in [[], ["voice"]] {
            let e = try evaluator.evaluate(snapshot(partner(products: products), asOf: "2025-03-31"), state: PartnerProgramState()).0
            #expect(e.authorizedAllProducts == products.isEmpty)
            let text = compact(e, texts)
            #expect(text.contains("\"authorized_all_products\":true") == products.isEmpty)
            #expect(!text.contains("\"authorized_all_products\":false"))
            #expect(try DecisionDetail.decode(Data(text.utf8), texts: texts, columns: DecisionColumns(e)) == e)
        }
    }

    @Test("an alert held by a pause keeps its day; one without a pause has no key")
    func pausedAlert() throws {
        let set = try PolicyFolder(files: ["testset/agents.lua": agentPolicy]).load()
        let texts = try #require(DecisionTexts.of(set).values.first)
        var e = try #require(try fourMonths(PartnerEvaluator(policySet: set)).first { $0.alerts.contains { $0.step > 0 } })
        #expect(!compact(e, texts).contains("paused_until"))
        let i = try #require(e.alerts.firstIndex { $0.step > 0 })
        e.alerts[i].pausedUntil = day("2025-08-03")
        let text = compact(e, texts)
        #expect(text.contains(#""paused_until":"2025-08-03""#))
        #expect(try DecisionDetail.decode(Data(text.utf8), texts: texts, columns: DecisionColumns(e)) == e)
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
        DecisionDetail.write(e, texts: texts, to: buffer)
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
            #expect(try DecisionDetail.decode(Data(text.utf8), texts: texts, columns: DecisionColumns(e)) == e)
            #expect(text.utf8.count * 10 < e.json().utf8.count * 8, "at least a fifth smaller")
            #expect(!text.contains("revenue_1m ≥") && !text.contains(texts.policy.contentHash))
            // What analytics query in SQL is still in it.
            #expect(text.contains("\"phase\":\"entry\"") && text.contains("\"tier\":\"Premier\""))
            // The full form reads back with or without texts and columns; the compact one needs both.
            #expect(try DecisionDetail.decode(Data(e.json().utf8), texts: texts, columns: DecisionColumns(e)) == e)
            #expect(try DecisionDetail.decode(Data(e.json().utf8), texts: nil, columns: nil) == e)
            #expect(throws: DecodingError.self) { try DecisionDetail.decode(Data(text.utf8), texts: nil, columns: DecisionColumns(e)) }
            #expect(throws: DecodingError.self) { try DecisionDetail.decode(Data(text.utf8), texts: texts, columns: nil) }
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
        #expect(try DecisionDetail.decode(Data(text.utf8), texts: texts, columns: DecisionColumns(e)) == e)

        // The texts survive their own JSON (the ledger stores them so).
        let stored = try DecisionTexts(json: try texts.json())
        #expect(stored == texts)
        #expect(try DecisionDetail.decode(Data(compact(evaluations[0], texts).utf8), texts: stored,
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
            let decoded = try DecisionDetail.decode(Data(text.utf8), texts: texts, columns: DecisionColumns(e))
            #expect(decoded == e)
            #expect(decoded.criteria.map(\.observed) == e.criteria.map(\.observed))
            // Texts stored before they said how: every criterion writes its words, and reads back.
            let full = compact(e, older)
            #expect(try criteria(full).allSatisfy { $0["observed"] is String })
            #expect(try DecisionDetail.decode(Data(full.utf8), texts: older, columns: DecisionColumns(e)) == e)
            // A detail that left words out cannot be read with texts that cannot give them.
            #expect(throws: DecodingError.self) {
                try DecisionDetail.decode(Data(text.utf8), texts: older, columns: DecisionColumns(e))
            }
            // Words that are not the value's are written even where the criterion reads a metric.
            var changed = e
            changed.criteria[0].observed = "about \(changed.criteria[0].observed)"
            let written = compact(changed, texts)
            #expect((try criteria(written)[0]["observed"] as? String) == changed.criteria[0].observed)
            #expect(try DecisionDetail.decode(Data(written.utf8), texts: texts, columns: DecisionColumns(e)) == changed)
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
            #expect(try DecisionDetail.decode(Data(text.utf8), texts: texts, columns: DecisionColumns(e)) == e)
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
            #expect(try DecisionDetail.decode(Data(text.utf8), texts: older, columns: DecisionColumns(e)) == e)
        }
        // A detail that left its tier's benefits out cannot be read with texts that do not know them.
        let omitted = try #require(evaluations.first { try !topLevelKeys(compact($0, texts)).contains("benefits") })
        #expect(throws: DecodingError.self) {
            try DecisionDetail.decode(Data(compact(omitted, texts).utf8), texts: older, columns: DecisionColumns(omitted))
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
            #expect(try DecisionDetail.decode(Data(compact(e, monthly).utf8), texts: monthly, columns: DecisionColumns(e)) == e)
            var other = texts
            other.milestones = nil
            other.benefits = texts.benefits
            #expect(throws: DecodingError.self) {
                try DecisionDetail.decode(Data(compact(e, texts).utf8), texts: other, columns: DecisionColumns(e))
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

/// Details written before keys were snake_case keep reading.
@Suite("Decision details written with camelCase keys (ledger-v2) still read")
struct LegacyDetailTests {
    @Test("full and compact details, and the run's texts, read back the same from camelCase")
    func camelCaseReads() throws {
        let set = try PolicyFolder(files: ["testset/agents.lua": agentPolicy]).load()
        let evaluator = PartnerEvaluator(policySet: set)
        let texts = try #require(DecisionTexts.of(set).values.first)
        let oldTexts = try DecisionTexts(json: LegacyDetails.camelCase(try texts.json()))
        #expect(try texts.json().contains("\"content_hash\"") && oldTexts == texts)
        var state = PartnerProgramState()
        for (asOf, revenue) in [("2025-03-31", 12000.0), ("2025-04-30", 0)] {
            let s = snapshot(partner(territories: ["A", "B", "C"]), asOf: asOf, metrics: [.revenue1m: revenue, .revenue3m: revenue])
            let (e, next) = try evaluator.evaluate(s, state: state)
            state = next
            #expect(try DecisionDetail.decode(Data(LegacyDetails.camelCase(e.json()).utf8), texts: nil, columns: nil) == e)
            let buffer = JSONBuffer()
            DecisionDetail.write(e, texts: texts, to: buffer)
            let old = LegacyDetails.camelCase(buffer.string)
            #expect(old.contains("\"partnerID\"") && !old.contains("partner_id"))
            #expect(try DecisionDetail.decode(Data(old.utf8), texts: oldTexts, columns: DecisionColumns(e)) == e)
        }
        // Before the flag, an empty product list with nothing suspended was "every product".
        let empty = try evaluator.evaluate(snapshot(partner(products: []), asOf: "2025-03-31",
            credentials: [Credential(name: "agreement", granted: day("2025-01-01"), expires: day("2027-01-01"))]),
            state: PartnerProgramState()).0
        #expect(empty.authorizedAllProducts)
        #expect(try DecisionDetail.decode(Data(LegacyDetails.camelCase(empty.json()).utf8), texts: nil, columns: nil).authorizedAllProducts)
    }
}
