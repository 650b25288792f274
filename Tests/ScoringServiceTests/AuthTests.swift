import Foundation
import HTTPTypes
import Testing
@testable import ScoringService

@Suite("Authentication and roles")
struct AuthTests {
    @Test("only /health and /openapi.json answer without a token")
    func publicEndpoints() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            #expect(try await api.get("/health").status == 200)
            #expect(try await api.get("/openapi.json").status == 200)
            for uri in ["/metrics", "/v1/partners", "/v1/partners/A-1", "/v1/partners/A-1/evaluation?as_of=2025-04-30",
                        "/v1/decisions", "/v1/alerts", "/v1/policies"] {
                let response = try await api.get(uri)
                expectError(response, 401, "unauthorized")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            expectError(try await api.post("/v1/activity", token: nil, json: "{}"), 401, "unauthorized")
            expectError(try await api.post("/v1/runs", token: nil, json: "{}"), 401, "unauthorized")
            expectError(try await api.call(.post, "/v1/policies/reload"), 401, "unauthorized")
        }
    }

    @Test("an unknown, malformed or revoked token is refused with 401")
    func badTokens() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            expectError(try await api.get("/v1/partners", token: "ps_not-a-token"), 401, "invalid_token")
            expectError(try await api.get("/v1/partners", token: fixture.revoked), 401, "invalid_token")
            let basic = try await api.call(.get, "/v1/partners", headers: [.authorization: "Basic dXNlcjpwYXNz"])
            expectError(basic, 401, "unauthorized", field: "Authorization")
            #expect(try await api.get("/v1/partners", token: fixture.viewer).status == 200)
        }
    }

    @Test("a role below the endpoint's is refused with 403 naming both roles")
    func roles() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            let ingest = #"{"events":[{"partner_id":"A-2","date":"2025-02-01","kind":"login"}]}"#
            let viewerIngest = try await api.post("/v1/activity", token: fixture.viewer, json: ingest)
            expectError(viewerIngest, 403, "forbidden")
            #expect((viewerIngest.error["message"] as? String)?.contains("'operator'") == true)
            let run = #"{"policy_set":"agents","as_of":"2025-04-30","dry_run":true}"#
            expectError(try await api.post("/v1/runs", token: fixture.viewer, json: run), 403, "forbidden")
            expectError(try await api.call(.post, "/v1/policies/reload", token: fixture.operator), 403, "forbidden")
            // Higher roles include the lower ones.
            #expect(try await api.post("/v1/activity", token: fixture.designer, json: ingest).status == 201)
            #expect(try await api.post("/v1/runs", token: fixture.operator, json: run).status == 200)
            #expect(try await api.call(.post, "/v1/policies/reload", token: fixture.designer).status == 200)
            #expect(try fixture.eventCount() == 9)
        }
    }

    @Test("/metrics needs a token unless --public-metrics")
    func publicMetrics() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer(fixture.configuration(publicMetrics: true)) { api in
            let metrics = try await api.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
        }
    }

    @Test("the token store keeps only hashes and lists, revokes by name or id")
    func tokenStore() throws {
        let fixture = try ServiceFixture()
        let tokens = TokenStore(fixture.store.database)
        let issued = try tokens.create(role: .operator, name: "crm")
        let stored = try fixture.store.writer.read { db in try String.fetchAll(db, sql: "SELECT tokenHash FROM api_token") }
        #expect(!stored.contains(issued.token))
        #expect(stored.contains(TokenStore.hash(issued.token)))
        #expect(throws: TokenStore.Failure.nameTaken("crm")) { try tokens.create(role: .viewer, name: "crm") }
        #expect(try tokens.revoke(String(issued.record.id)).revoked != nil)
        #expect(throws: TokenStore.Failure.notFound("nobody")) { try tokens.revoke("nobody") }
        #expect(try tokens.list().map(\.name) == ["viewer", "operator", "designer", "gone", "crm"])
    }
}
