import Foundation
import HTTPTypes
import PartnerModel
import PartnerStore
import PolicyEngine
@testable import ProgramEvaluation
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

    /// One of each domain error the service can answer with.
    static let domainErrors: [any ProblemConvertible] = {
        var unknown = PartnerStoreError("unknown partner 'X'", file: "events", field: "partner_id", hint: "import it first")
        (unknown.index, unknown.isUnknownReference) = (3, true)
        var badDate = PartnerStoreError("no such day '2025-02-30'", file: "events", field: "date", hint: "write dates as YYYY-MM-DD")
        (badDate.index, badDate.code) = (3, "invalid_event")
        var serialization = PartnerStoreError("could not serialize access")
        serialization.sqlState = "40001"
        let policy = PolicyError(.lua, file: "Policies/a/a.lua", line: 7, "boom")
        let errors: [any ProblemConvertible] = [
            unknown, badDate, serialization,
            PartnerEvaluator.Failure.policyFunction(partner: "P1", policy),
            PartnerEvaluator.Failure.noPolicy(partner: "P1", program: "p", set: "s"),
            PartnerEvaluator.Failure.unknownTier(partner: "P1", tier: "Gold", policy: "Agents", file: "a.lua", tiers: ["Silver"]),
            ProgramRun.Failure.notForward(set: "s", asOf: day("2025-01-31"), last: day("2025-02-28")),
            ProgramRun.Failure.unknownPartners(["P9"]), ProgramRun.Failure.policyChanged(set: "s"),
            ProgramRun.Failure.separateHistory(set: "s", path: "Policies/s", others: [(set: "t", last: day("2025-01-31"))]),
            TaskFailure(kind: .notFound, field: "id", description: "no task #9"),
            TaskFailure(kind: .conflict, field: "id", description: "task #1 is done"),
            TaskFailure(kind: .beforeTask, field: "on", description: "before"),
            TaskFailure(kind: .invalid, field: "outcome", description: "bad outcome"),
            WebhookFailure(kind: .notFound, field: "id", description: "no subscription"),
            WebhookFailure(kind: .invalid, field: "url", description: "bad url"),
            ReloadFailure(set: "a", path: "Policies/a", message: "Policies/a/a.lua:7: boom", file: "Policies/a/a.lua", line: 7, at: Date()),
        ]
        return errors
    }()

    @Test("a domain error answers the status of its category with its code, field, index, file, line and hint")
    func domainErrorMapping() throws {
        for error in Self.domainErrors {
            let problem = error.problem
            let answer = APIError(error)
            let expected: Int = switch problem.category {
            case .invalid: 400
            case .notFound: 404
            case .conflict: 409
            case .unprocessable: 422
            case .unavailable: 503
            case .internal: 500
            }
            #expect(answer.status.code == expected, "\(problem)")
            #expect(answer.code == problem.code && answer.message == problem.message && answer.field == problem.field)
            #expect(answer.index == problem.index && answer.file == problem.file && answer.line == problem.line && answer.hint == problem.hint)
            #expect((answer.headers[.retryAfter] != nil) == (problem.category == .unavailable))
        }
        // The ingest refusal: the batch's field path and index, and the hint, in the body.
        let body = try JSONSerialization.jsonObject(with: APIError(Self.domainErrors[1]).body) as? [String: [String: Any]]
        #expect(body?["error"]?["field"] as? String == "events[3].date")
        #expect(body?["error"]?["index"] as? Int == 3)
        #expect(body?["error"]?["hint"] as? String == "write dates as YYYY-MM-DD")
        // An internal problem tells the caller nothing of its detail.
        let hidden = APIError(PartnerStoreError("the ledger's state of partner number 3 cannot be read", hint: "re-run"))
        #expect(hidden.status == .internalServerError && hidden.code == "internal" && !hidden.message.contains("ledger"))
    }

    @Test("the OpenAPI Error schema documents every field of the body and every code a domain error answers")
    func documentedErrors() throws {
        let document = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any]
        let schemas = (document?["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let detail = (((schemas?["Error"] as? [String: Any])?["properties"] as? [String: Any])?["error"] as? [String: Any])
        let properties = try #require(detail?["properties"] as? [String: [String: Any]])
        var full = APIError(.badRequest, code: "invalid_field", "m", field: "f", index: 1, file: "a.lua", line: 2)
        full.hint = "h"
        let body = try JSONSerialization.jsonObject(with: full.body) as? [String: [String: Any]]
        #expect(Set(body?["error"]?.keys.map { $0 } ?? []) == Set(properties.keys))
        let codes = Set((properties["code"]?["description"] as? String ?? "").split(separator: ", ").map(String.init))
        for error in Self.domainErrors where error.problem.category != .internal {
            #expect(codes.contains(error.problem.code), "\(error.problem.code) is not documented")
        }
    }
}
