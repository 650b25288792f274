import Foundation
import GRDB
import HTTPTypes
import TestSupport
import PartnerStore
import Testing
@testable import ScoringService

@Suite("Health, metrics and the OpenAPI document")
struct SystemTests {
    @Test("/health says ok, lists the served sets and has no reload error", arguments: TestPostgres.engines)
    func health(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            let health = try await api.get("/health")
            #expect(health.status == 200)
            #expect(health.json["ok"] as? Bool == true)
            #expect(health.json["database"] as? String == "ok")
            #expect((health.json["policy_sets"] as? [[String: Any]])?.first?["name"] as? String == "agents")
            #expect(health.json["last_reload_error"] is NSNull)
        }
    }

    @Test("/health/live answers while the database is away; /health/ready (like /health) says 503 then", arguments: TestPostgres.engines)
    func liveAndReady(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            let live = try await api.get("/health/live")
            #expect(live.status == 200)
            #expect(live.json["ok"] as? Bool == true)
            let ready = try await api.get("/health/ready")
            #expect(ready.status == 200)
            #expect(ready.json["database"] as? String == "ok")
            #expect(ready.text == (try await api.get("/health")).text)

            // The database goes away: the instance is alive but not ready.
            if let database = fixture.database { try database.drop() } else { try #require(fixture.store.writer as? DatabasePool).close() }
            #expect(try await api.get("/health/live").status == 200)
            let away = try await api.get("/health/ready")
            #expect(away.status == 503)
            #expect(away.json["database"] as? String == "unavailable")
            #expect(try await api.get("/health").status == 503)
        }
    }

    @Test("/metrics counts requests by route and status, evaluations, ingested events", arguments: TestPostgres.engines)
    func metrics(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            _ = try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30", token: fixture.viewer)
            _ = try await api.get("/v1/partners/NOPE", token: fixture.viewer)
            _ = try await api.post("/v1/activity", token: fixture.operator,
                                   json: #"{"events":[{"partner_id":"A-2","date":"2025-02-01","kind":"login"}]}"#)
            _ = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-04-30","dry_run":true}"#)
            let text = try await api.get("/metrics", token: fixture.viewer).text
            #expect(text.contains(#"http_requests_total{route="/v1/partners/{id}/evaluation",method="GET",status="200"} 1"#))
            #expect(text.contains(#"http_requests_total{route="/v1/partners/{id}",method="GET",status="404"} 1"#))
            #expect(text.contains(#"http_request_duration_seconds_count{route="/v1/partners/{id}/evaluation",method="GET",status="200"} 1"#))
            #expect(text.contains(#"partnerscore_evaluations_total{kind="live"} 1"#))
            #expect(text.contains(#"partnerscore_evaluations_total{kind="dry_run"} 3"#))
            #expect(text.contains(#"partnerscore_evaluation_duration_seconds_count{kind="live"} 1"#))
            #expect(text.contains("partnerscore_ingested_events_total 1"))
        }
    }

    @Test("the OpenAPI document is served, describes exactly the routes there are, with errors and bearer security", arguments: TestPostgres.engines)
    func openAPI(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            let response = try await api.get("/openapi.json")
            #expect(response.status == 200)
            let document = response.json
            #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
            let paths = document["paths"] as? [String: [String: Any]] ?? [:]
            let operations = Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
            #expect(operations == [
                "GET /health", "GET /health/live", "GET /health/ready", "GET /openapi.json", "GET /metrics",
                "GET /v1/partners", "GET /v1/partners/{id}", "GET /v1/partners/{id}/evaluation",
                "POST /v1/activity", "POST /v1/runs", "GET /v1/decisions", "GET /v1/alerts",
                "GET /v1/incentives", "GET /v1/partners/{id}/incentives",
                "GET /v1/policies", "POST /v1/policies/reload",
                "GET /v1/tasks", "GET /v1/tasks/{id}", "POST /v1/tasks/{id}/ack", "POST /v1/tasks/{id}/done", "POST /v1/tasks/{id}/dismiss",
                "GET /v1/webhooks", "POST /v1/webhooks", "GET /v1/webhooks/{id}", "DELETE /v1/webhooks/{id}", "POST /v1/webhooks/{id}/replay",
            ])
            let schemes = (document["components"] as? [String: Any])?["securitySchemes"] as? [String: [String: String]]
            #expect(schemes?["bearerAuth"]?["scheme"] == "bearer")
            // Every documented operation is routed: none answers 404 or 405 for its own method.
            for operation in operations.sorted() {
                let parts = operation.split(separator: " ")
                let uri = String(parts[1]).replacingOccurrences(of: "{id}", with: "A-1")
                let routed = try await api.call(HTTPRequest.Method(String(parts[0]))!, uri, token: fixture.designer,
                                                json: parts[0] == "POST" ? "{}" : nil)
                #expect(![404, 405].contains(routed.status), "\(operation): \(routed.status) \(routed.text)")
            }
        }
    }
}
