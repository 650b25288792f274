import Foundation
import PartnerModel
import PartnerStore
import TestSupport
import Testing
@testable import ScoringService

@Suite("Partners: list, one partner, live evaluation")
struct PartnersTests {
    @Test("the list pages by cursor and filters by program, tier and standing", arguments: TestPostgres.engines)
    func list(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            let all = try await api.get("/v1/partners", token: fixture.viewer)
            #expect(all.status == 200)
            let ids = (all.json["partners"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == ["A-1", "A-2", "A-3", "L-1", "X-1"])
            #expect(all.json["next_cursor"] == nil)

            var seen: [String] = []
            var uri = "/v1/partners?limit=2"
            while true {
                let page = try await api.get(uri, token: fixture.viewer)
                seen += (page.json["partners"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                guard let cursor = page.json["next_cursor"] as? String else { break }
                uri = "/v1/partners?limit=2&cursor=\(cursor)"
            }
            #expect(seen == ids)

            let other = try await api.get("/v1/partners?program=other", token: fixture.viewer)
            #expect((other.json["partners"] as? [[String: Any]])?.count == 1)

            // After a recorded run: A-1 is Premier in good standing; the others Authorized.
            _ = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-01-31"}"#)
            let premier = try await api.get("/v1/partners?tier=Premier", token: fixture.viewer)
            let premierRows = premier.json["partners"] as? [[String: Any]] ?? []
            #expect(premierRows.map { $0["id"] as? String } == ["A-1"])
            #expect(premierRows.first?["standing"] as? String == "good")
            #expect(premierRows.first?["policy_set"] as? String == "agents")
            #expect(premierRows.first?["last_evaluated"] as? String == "2025-01-31")
            let good = try await api.get("/v1/partners?standing=good", token: fixture.viewer)
            #expect((good.json["partners"] as? [[String: Any]])?.count == 3)

            expectError(try await api.get("/v1/partners?limit=501", token: fixture.viewer), 400, "invalid_field", field: "limit")
            expectError(try await api.get("/v1/partners?limit=zero", token: fixture.viewer), 400, "invalid_field", field: "limit")
            expectError(try await api.get("/v1/partners?standing=great", token: fixture.viewer), 400, "invalid_field", field: "standing")
        }
    }

    @Test("one partner shows tier, standing, review, health, gates, intervention and open alerts from the ledger", arguments: TestPostgres.engines)
    func detail(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            let before = try await api.get("/v1/partners/A-1", token: fixture.viewer)
            #expect(before.status == 200)
            #expect((before.json["partner"] as? [String: Any])?["standing"] == nil)
            #expect(before.json["health"] == nil)

            for asOf in ["2025-01-31", "2025-05-31", "2025-06-30"] {
                let run = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"\#(asOf)"}"#)
                #expect(run.status == 201, "\(run.text)")
            }
            let after = try await api.get("/v1/partners/A-1", token: fixture.viewer)
            let partner = after.json["partner"] as? [String: Any] ?? [:]
            #expect(partner["tier"] as? String == "Authorized")   // demoted at the end of the review
            #expect(partner["standing"] as? String == "good")
            #expect(after.json["territories"] as? [String] == ["US-CA"])
            let health = after.json["health"] as? [String: Any] ?? [:]
            #expect(health["band"] is String)
            let gates = after.json["gates"] as? [[String: Any]] ?? []
            #expect(gates.first?["gate"] as? String == "Agreement")
            #expect(gates.first?["status"] as? String == "lapsed")
            let alerts = after.json["open_alerts"] as? [[String: Any]] ?? []
            #expect(alerts.contains { $0["kind"] as? String == "gate_lapsed" && $0["subject"] as? String == "Agreement" })
            #expect(alerts.allSatisfy { $0["status"] as? String == "open" })
            let decision = after.json["latest_decision"] as? [String: Any] ?? [:]
            #expect(decision["tier_event"] as? String == "demoted")
            #expect(decision["as_of"] as? String == "2025-06-30")

            expectError(try await api.get("/v1/partners/NOPE", token: fixture.viewer), 404, "not_found", field: "id")
        }
    }

    @Test("a live evaluation explains one partner as of a date and writes nothing", arguments: TestPostgres.engines)
    func liveEvaluation(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            let response = try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30", token: fixture.viewer)
            #expect(response.status == 200, "\(response.text)")
            #expect(response.json["policy_set"] as? String == "agents")
            #expect(response.json["as_of"] as? String == "2025-04-30")
            let evaluation = response.json["evaluation"] as? [String: Any] ?? [:]
            #expect(evaluation["partner_id"] as? String == "A-1")
            #expect(evaluation["tier"] as? String == "Premier")
            #expect(evaluation["tier_event"] as? String == "assigned")
            #expect((response.json["explanation"] as? String)?.contains("Partner A-1") == true)
            for table in ["evaluation_run", "decision", "partner_state", "alert"] {
                #expect(try fixture.count(table) == 0, "\(table)")
            }

            // It starts from the state the ledger holds: after a recorded run in January, May opens a review.
            _ = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-01-31"}"#)
            let may = try await api.get("/v1/partners/A-1/evaluation?as_of=2025-05-31&policy_set=agents", token: fixture.viewer)
            #expect((may.json["evaluation"] as? [String: Any])?["tier_event"] as? String == "review_opened")

            expectError(try await api.get("/v1/partners/A-1/evaluation?as_of=2025-02-30", token: fixture.viewer),
                        400, "invalid_field", field: "as_of")
            expectError(try await api.get("/v1/partners/NOPE/evaluation?as_of=2025-04-30", token: fixture.viewer), 404, "not_found")
            expectError(try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30&policy_set=nope", token: fixture.viewer),
                        404, "not_found", field: "policy_set")
            // No evaluation exists for a partner no set governs, or before it enrolled: 404, as for an unknown partner.
            expectError(try await api.get("/v1/partners/X-1/evaluation?as_of=2025-04-30", token: fixture.viewer), 404, "not_governed")
            expectError(try await api.get("/v1/partners/L-1/evaluation?as_of=2025-04-30", token: fixture.viewer),
                        404, "not_enrolled", field: "as_of")
        }
    }

    @Test("a policy function that fails is a 422 naming the policy file and line", arguments: TestPostgres.engines)
    func policyFailure(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        // It fails only for a partner added after start-up (the start-up check evaluates the stored ones).
        try fixture.writePolicy(agentsPolicy.replacingOccurrences(
            of: "ps.tier \"Authorized\" { benefits = { commission = 0.08 } },",
            with: "ps.tier \"Authorized\" { entry = { ps.check('boom', function(p) if p.id == 'N-1' then error('no data for ' .. p.id) end return true end) } },"))
        try await fixture.withServer { api in
            try fixture.store.upsertPartners([Partner(id: "N-1", name: "New", type: .agent, program: "agents", region: "NA", country: "US",
                                                      territories: [], products: [], enrolled: day("2025-01-01"), channelAccountManager: "cam")])
            let response = try await api.get("/v1/partners/N-1/evaluation?as_of=2025-04-30", token: fixture.viewer)
            expectError(response, 422, "policy_error")
            #expect(response.error["file"] as? String == "Policies/agents/agents.lua")
            #expect(response.error["line"] as? Int == 6)
            #expect((response.error["message"] as? String)?.contains("no data for N-1") == true)
            let metrics = try await api.get("/metrics", token: fixture.viewer)
            #expect(metrics.text.contains(#"partnerscore_policy_errors_total{stage="evaluating"} 1"#))
        }
    }
}
