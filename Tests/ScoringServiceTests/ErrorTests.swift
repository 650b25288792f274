import Foundation
import HTTPTypes
import TestSupport
import Testing
@testable import ScoringService

@Suite("Errors are JSON saying what was wrong")
struct ErrorTests {
    @Test("an unknown route is a 404 JSON error; a wrong method on a known path a 405 with Allow")
    func unknownRoutes() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            expectError(try await api.get("/nope"), 404, "not_found")
            expectError(try await api.get("/v1/partners/A-1/history", token: fixture.viewer), 404, "not_found")
            let wrongMethod = try await api.call(.delete, "/v1/partners/A-1", token: fixture.viewer)
            expectError(wrongMethod, 405, "method_not_allowed")
            #expect(wrongMethod.headers[.allow] == "GET")
        }
    }

    @Test("a body over the limit is refused with a 413 JSON error, before and while reading")
    func bodyTooLarge() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer(fixture.configuration(maxBodyBytes: 1024)) { api in
            let event = #"{"partner_id":"A-2","date":"2025-02-01","kind":"login"}"#
            let big = #"{"events":["# + Array(repeating: event, count: 40).joined(separator: ",") + "]}"
            expectError(try await api.post("/v1/activity", token: fixture.operator, json: big), 413, "body_too_large")
            expectError(try await api.post("/v1/runs", token: fixture.operator, json: big), 413, "body_too_large")
            #expect(try fixture.eventCount() == 8)
            // The connection still serves.
            #expect(try await api.get("/health").status == 200)
        }
    }

    @Test("a malformed body names the field")
    func malformed() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            expectError(try await api.post("/v1/runs", token: fixture.operator, json: "{not json"), 400, "invalid_field", field: "body")
            expectError(try await api.post("/v1/runs", token: fixture.operator, json: #"{"as_of":"2025-04-30"}"#),
                        400, "invalid_field", field: "policy_set")
            expectError(try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":7}"#),
                        400, "invalid_field", field: "as_of")
            expectError(try await api.post("/v1/activity", token: fixture.operator, json: "[]"), 400, "invalid_field", field: "body")
            expectError(try await api.post("/v1/activity", token: fixture.operator, json: #"{"events":[]}"#),
                        400, "invalid_field", field: "events")
            // Every body is read strictly, as ingest reads it.
            for body in [#"{"policy_set":"agents","as_of":"2025-04-30",}"#, #"{"policy_set":"agents","policy_set":"x","as_of":"2025-04-30"}"#,
                         "\u{FEFF}" + #"{"policy_set":"agents","as_of":"2025-04-30"}"#] {
                expectError(try await api.post("/v1/runs", token: fixture.operator, json: body), 400, "invalid_field", field: "body")
            }
            expectError(try await api.post("/v1/activity", token: fixture.operator,
                                           json: #"{"events":[{"partner_id":"A-2","date":"2025-02-01","kind":"login",}]}"#),
                        400, "invalid_field", field: "body")
        }
    }
}
