import Foundation
import Hummingbird
import PartnerStore

/// The endpoints outside `/v1`: `/health`, `/health/live`, `/health/ready`
/// and `/openapi.json` (no token), `/metrics` (a token unless `serve --public-metrics`).
///
/// Liveness and readiness are separate so an orchestrator restarts an
/// instance only when the process itself is stuck (`live`), and merely stops
/// routing to it while its database is away or no set is served (`ready`).
struct SystemController: Sendable {
    let store: PartnerStore
    let registry: PolicyRegistry
    let metrics: ServiceMetrics

    struct Health: ResponseEncodable {
        struct SetInfo: Encodable {
            var name: String
            var contentHash: String
            var loadedAt: String
            enum CodingKeys: String, CodingKey { case name, contentHash = "content_hash", loadedAt = "loaded_at" }
        }

        var ok: Bool
        var database: String
        var policySets: [SetInfo]
        var lastReloadError: PoliciesController.ReloadError?

        enum CodingKeys: String, CodingKey {
            case ok, database
            case policySets = "policy_sets", lastReloadError = "last_reload_error"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ok, forKey: .ok)
            try container.encode(database, forKey: .database)
            try container.encode(policySets, forKey: .policySets)
            try container.encode(lastReloadError, forKey: .lastReloadError)   // null when none
        }
    }

    struct Liveness: ResponseEncodable {
        var ok = true
    }

    /// 200 whenever the process answers HTTP: touches neither the database nor the policies.
    @Sendable func live(_ request: Request, context: ServiceContext) async throws -> Liveness {
        Liveness()
    }

    /// Readiness (`/health/ready`, and `/health` as before): 200 while the
    /// database answers and sets are served; 503 otherwise.
    @Sendable func health(_ request: Request, context: ServiceContext) async throws -> EditedResponse<Health> {
        var database = "ok"
        do {
            _ = try await store.database.readAsync { db in try db.row("SELECT 1") != nil }
        } catch {
            context.logger.error("health check: database unavailable", metadata: ["error": "\(error)"])
            database = "unavailable"
        }
        let sets = registry.sets.map {
            Health.SetInfo(name: $0.name, contentHash: $0.contentHash, loadedAt: TokenStore.timestamp($0.loadedAt))
        }
        let ok = database == "ok" && !sets.isEmpty
        let health = Health(ok: ok, database: database, policySets: sets,
                            lastReloadError: registry.lastFailure.map(PoliciesController.ReloadError.init))
        return EditedResponse(status: ok ? .ok : .serviceUnavailable, response: health)
    }

    @Sendable func prometheus(_ request: Request, context: ServiceContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }

    @Sendable func openAPI(_ request: Request, context: ServiceContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }
}
