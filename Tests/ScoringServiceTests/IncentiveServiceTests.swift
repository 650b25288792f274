import Foundation
import TestSupport
import Testing
@testable import ScoringService

@Suite("Incentive lines over HTTP")
struct IncentiveServiceTests {
    /// The agents program paying its tiers' commission each month.
    static let policy = agentsPolicy.replacingOccurrences(of: "  interventions = ps.default_interventions,", with: """
          interventions = ps.default_interventions,
          incentives = {
            currency = "USD",
            ps.commission "Monthly commission" { every = "month", basis = { kind = "revenue" }, rate = "commission" },
          },
        """)

    @Test("recorded runs write incentive lines that /v1/incentives and /v1/partners/{id}/incentives list, newest first, in pages")
    func lines() async throws {
        #expect(Self.policy.contains("ps.commission"))
        let fixture = try ServiceFixture()
        try fixture.writePolicy(Self.policy)
        try await fixture.withServer { api in
            for asOf in ["2025-01-31", "2025-02-28", "2025-03-31"] {
                let run = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"\#(asOf)"}"#)
                #expect(run.status == 201, "\(run.json)")
            }
            let dry = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-04-30","dry_run":true}"#)
            #expect(dry.status == 200)

            let all = try await api.get("/v1/incentives?policy_set=agents", token: fixture.viewer)
            #expect(all.status == 200)
            let lines = all.json["lines"] as? [[String: Any]] ?? []
            // A-1: 12% of 6,000 in January, February and March; the dry run wrote nothing.
            #expect(lines.map { $0["period"] as? String } == ["2025-03", "2025-02", "2025-01"])
            #expect(lines.allSatisfy { $0["amount"] as? String == "720.00" && $0["partner_id"] as? String == "A-1" })
            #expect(lines.first?["rate"] as? String == "0.12" && lines.first?["basis"] as? String == "6000")
            #expect(lines.first?["line"] as? String == "commission" && lines.first?["posting"] as? String == "accrual")

            let january = try await api.get("/v1/partners/A-1/incentives?period=2025-01", token: fixture.viewer)
            #expect((january.json["lines"] as? [[String: Any]])?.count == 1)
            let page1 = try await api.get("/v1/partners/A-1/incentives?limit=2", token: fixture.viewer)
            let cursor = try #require(page1.json["next_cursor"] as? String)
            let page2 = try await api.get("/v1/partners/A-1/incentives?limit=2&cursor=\(cursor)", token: fixture.viewer)
            #expect((page2.json["lines"] as? [[String: Any]])?.first?["period"] as? String == "2025-01")
            #expect(page2.json["next_cursor"] == nil)

            expectError(try await api.get("/v1/partners/NOPE/incentives", token: fixture.viewer), 404, "not_found", field: "id")
            expectError(try await api.get("/v1/incentives?cursor=abc", token: fixture.viewer), 400, "invalid_field", field: "cursor")
            #expect(try await api.get("/v1/incentives").status == 401)
        }
    }
}
