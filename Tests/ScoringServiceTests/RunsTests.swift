import Foundation
import TestSupport
import PartnerStore
import Testing
@testable import ScoringService

@Suite("Evaluation runs")
struct RunsTests {
    @Test("a dry run returns the summary and writes nothing; a recorded run writes the ledger", arguments: TestPostgres.engines)
    func dryAndRecorded(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            let dry = try await api.post("/v1/runs", token: fixture.operator,
                                         json: #"{"policy_set":"agents","as_of":"2025-02-28","dry_run":true}"#)
            #expect(dry.status == 200, "\(dry.text)")
            let summary = dry.json["summary"] as? [String: Any] ?? [:]
            #expect(summary["partners"] as? Int == 3)
            #expect(summary["dry_run"] as? Bool == true)
            #expect(summary["run_id"] == nil)
            #expect(try fixture.count("decision") == 0)

            let recorded = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-02-28"}"#)
            #expect(recorded.status == 201)
            #expect((recorded.json["summary"] as? [String: Any])?["run_id"] as? Int == 1)
            #expect(try fixture.count("decision") == 3)

            let one = try await api.post("/v1/runs", token: fixture.operator,
                                         json: #"{"policy_set":"agents","as_of":"2025-03-31","partner_ids":["A-2"]}"#)
            #expect((one.json["summary"] as? [String: Any])?["partners"] as? Int == 1)
            #expect(try fixture.count("decision") == 4)
        }
    }

    @Test("refusals: going back in time 409, unknown set and unknown partner 404, bad date and empty ids 400", arguments: TestPostgres.engines)
    func refusals(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            _ = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-03-31"}"#)
            expectError(try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-03-31"}"#),
                        409, "not_forward", field: "as_of")
            expectError(try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"nope","as_of":"2025-04-30"}"#),
                        404, "not_found", field: "policy_set")
            expectError(try await api.post("/v1/runs", token: fixture.operator,
                                           json: #"{"policy_set":"agents","as_of":"2025-04-30","partner_ids":["NOPE"]}"#),
                        404, "unknown_partner", field: "partner_ids")
            expectError(try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"April"}"#),
                        400, "invalid_field", field: "as_of")
            expectError(try await api.post("/v1/runs", token: fixture.operator,
                                           json: #"{"policy_set":"agents","as_of":"2025-04-30","partner_ids":[]}"#),
                        400, "invalid_field", field: "partner_ids")
            #expect(try fixture.count("evaluation_run") == 1)
        }
    }
}
