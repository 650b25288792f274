import Foundation
import TestSupport
import Testing
@testable import ScoringService

/// The service with a set that declares measures: ingest accepts the custom
/// kinds its measures name (and only those), and live evaluations read the
/// measures.
@Suite("Measures through the service")
struct MeasureServiceTests {
    static let policy = agentsPolicy
        .replacingOccurrences(of: "cadence = \"monthly\", remediation = \"30 days\",", with: """
            cadence = "monthly", remediation = "30 days",
              measures = { ps.measure "lines_3m" { kind = "lines_activated", window = "3 months", aggregate = "sum" } },
            """)
        .replacingOccurrences(of: "ps.tier \"Premier\" { entry = { ps.at_least(\"revenue_1m\", 5000) }",
                              with: "ps.tier \"Premier\" { entry = { ps.at_least(\"lines_3m\", 10) }")

    @Test("ingest accepts a custom kind a served set declares, refuses a misspelt one with a did-you-mean; live evaluations read the measure")
    func customKinds() async throws {
        let fixture = try ServiceFixture()
        try fixture.writePolicy(Self.policy)
        try await fixture.withServer { api in
            let batch = #"{"events":[{"partner_id":"A-2","date":"2025-04-02","kind":"lines_activated","amount":12,"product":"voice"}]}"#
            let stored = try await api.post("/v1/activity", token: fixture.operator, json: batch)
            #expect(stored.status == 201, "\(stored.text)")
            let typo = try await api.post("/v1/activity", token: fixture.operator,
                                          json: #"{"events":[{"partner_id":"A-2","date":"2025-04-03","kind":"lines_activatd"}]}"#)
            expectError(typo, 400, "invalid_event", field: "events[0].kind")
            #expect((typo.error["message"] as? String)?.contains("did you mean 'lines_activated'?") == true, "\(typo.text)")

            let live = try await api.get("/v1/partners/A-2/evaluation?as_of=2025-04-30", token: fixture.viewer)
            #expect(live.status == 200, "\(live.text)")
            let evaluation = live.json["evaluation"] as? [String: Any] ?? [:]
            #expect(evaluation["tier"] as? String == "Premier")
            let criteria = evaluation["criteria"] as? [[String: Any]] ?? []
            #expect(criteria.contains { ($0["label"] as? String) == "lines_3m ≥ 10" && ($0["observed"] as? String) == "12" }, "\(criteria)")
        }
        #expect(try fixture.eventCount() == 9)
    }

    @Test("without a set declaring the kind, ingest refuses it")
    func undeclared() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            let response = try await api.post("/v1/activity", token: fixture.operator,
                                              json: #"{"events":[{"partner_id":"A-2","date":"2025-04-02","kind":"lines_activated"}]}"#)
            expectError(response, 400, "invalid_event", field: "events[0].kind")
            #expect((response.error["message"] as? String)?.contains("unknown event kind 'lines_activated'") == true)
        }
    }
}
