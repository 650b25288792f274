import Foundation
import TestSupport
import PartnerStore
import Testing
@testable import ScoringService

@Suite("Decisions and alerts")
struct LedgerTests {
    /// Five monthly runs: A-1 is assigned Premier, reviewed, demoted; its agreement lapses.
    func runLifecycle(_ api: API, _ fixture: ServiceFixture) async throws {
        for asOf in ["2025-01-31", "2025-02-28", "2025-05-31", "2025-06-30", "2025-07-31"] {
            let run = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"\#(asOf)"}"#)
            #expect(run.status == 201)
        }
    }

    @Test("decisions filter by partner, tier event and date range, newest first, in pages", arguments: TestPostgres.engines)
    func decisions(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            try await runLifecycle(api, fixture)
            let all = try await api.get("/v1/decisions?limit=500", token: fixture.viewer)
            let rows = all.json["decisions"] as? [[String: Any]] ?? []
            #expect(rows.count == 15)
            let ids = rows.compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted(by: >))

            let a1 = try await api.get("/v1/decisions?partner=A-1", token: fixture.viewer)
            let events = (a1.json["decisions"] as? [[String: Any]] ?? []).compactMap { $0["tier_event"] as? String }
            #expect(events == ["unchanged", "demoted", "review_opened", "unchanged", "assigned"])

            let demoted = try await api.get("/v1/decisions?tier_event=demoted", token: fixture.viewer)
            let demotedRows = demoted.json["decisions"] as? [[String: Any]] ?? []
            #expect(demotedRows.count == 1)
            #expect(demotedRows.first?["partner_id"] as? String == "A-1")
            #expect(demotedRows.first?["previous_tier"] as? String == "Premier")
            #expect((demotedRows.first?["policy"] as? [String: Any])?["version"] as? String == "1.0")

            let spring = try await api.get("/v1/decisions?from=2025-02-01&to=2025-05-31", token: fixture.viewer)
            let springDays = Set((spring.json["decisions"] as? [[String: Any]] ?? []).compactMap { $0["as_of"] as? String })
            #expect(springDays == ["2025-02-28", "2025-05-31"])

            let page1 = try await api.get("/v1/decisions?limit=10", token: fixture.viewer)
            let cursor = try #require(page1.json["next_cursor"] as? String)
            let page2 = try await api.get("/v1/decisions?limit=10&cursor=\(cursor)", token: fixture.viewer)
            #expect((page2.json["decisions"] as? [[String: Any]])?.count == 5)
            #expect(page2.json["next_cursor"] == nil)

            expectError(try await api.get("/v1/decisions?tier_event=promoted", token: fixture.viewer), 400, "invalid_field", field: "tier_event")
            expectError(try await api.get("/v1/decisions?from=2025-13-01", token: fixture.viewer), 400, "invalid_field", field: "from")
            // `to` before `from` is a valid, empty range, as the schema allows it.
            let backwards = try await api.get("/v1/decisions?from=2025-06-01&to=2025-05-01", token: fixture.viewer)
            #expect(backwards.status == 200 && (backwards.json["decisions"] as? [Any])?.isEmpty == true, "\(backwards.text)")
            expectError(try await api.get("/v1/decisions?cursor=abc", token: fixture.viewer), 400, "invalid_field", field: "cursor")
            expectError(try await api.get("/v1/decisions?to=", token: fixture.viewer), 400, "invalid_field", field: "to")
        }
    }

    @Test("alerts filter by partner, kind and open or resolved", arguments: TestPostgres.engines)
    func alerts(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            try await runLifecycle(api, fixture)
            let lapsed = try await api.get("/v1/alerts?partner=A-1&kind=gate_lapsed", token: fixture.viewer)
            let rows = lapsed.json["alerts"] as? [[String: Any]] ?? []
            #expect(rows.count == 1)
            #expect(rows.first?["first_raised"] as? String == "2025-06-30")
            #expect(rows.first?["status"] as? String == "open")

            let open = try await api.get("/v1/alerts?status=open", token: fixture.viewer)
            let resolved = try await api.get("/v1/alerts?status=resolved", token: fixture.viewer)
            let all = try await api.get("/v1/alerts", token: fixture.viewer)
            let openRows = open.json["alerts"] as? [[String: Any]] ?? []
            let resolvedRows = resolved.json["alerts"] as? [[String: Any]] ?? []
            #expect(openRows.allSatisfy { $0["resolved"] == nil && $0["status"] as? String == "open" })
            #expect(resolvedRows.allSatisfy { $0["resolved"] is String && $0["status"] as? String == "resolved" })
            #expect(openRows.count + resolvedRows.count == (all.json["alerts"] as? [[String: Any]])?.count)
            #expect(!resolvedRows.isEmpty)   // the tier review of A-1 ended with its demotion

            expectError(try await api.get("/v1/alerts?kind=fire", token: fixture.viewer), 400, "invalid_field", field: "kind")
            expectError(try await api.get("/v1/alerts?status=closed", token: fixture.viewer), 400, "invalid_field", field: "status")
            expectError(try await api.get("/v1/alerts?kind=", token: fixture.viewer), 400, "invalid_field", field: "kind")
        }
    }
}
