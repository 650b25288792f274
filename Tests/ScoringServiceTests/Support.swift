import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PartnerModel
import PartnerStore
import ProgramEvaluation
import TestSupport
import Testing
@testable import ScoringService

/// A real service over a store of either engine (a temporary SQLite file, or
/// a fresh database on the test cluster) and a temporary policy folder, with
/// one token per role.
final class ServiceFixture: @unchecked Sendable {
    private let folder: TemporaryFolder
    /// Keeps a PostgreSQL store's database until the fixture goes.
    let database: TestDatabase?
    var root: URL { folder.url }
    let policies: URL
    let store: PartnerStore
    let viewer: String
    let `operator`: String
    let designer: String
    let revoked: String

    init(_ engine: SQLEngine = .sqlite) throws {
        folder = try TemporaryFolder()
        policies = folder.url.appendingPathComponent("Policies")
        try FileManager.default.createDirectory(at: policies.appendingPathComponent("agents"), withIntermediateDirectories: true)
        try agentsPolicy.write(to: policies.appendingPathComponent("agents/agents.lua"), atomically: true, encoding: .utf8)
        let test = try TestStore(engine, file: folder.path("program.sqlite")) { migrations in
            LedgerSchema.register(in: &migrations)
            ServiceSchema.register(in: &migrations)
        }
        store = test.store
        database = test.database
        // The agents program, and a partner enrolled later.
        try store.upsertPartners(agentsProgramPartners + [
            Partner(id: "L-1", name: "Late", type: .agent, program: "agents", region: "NA", country: "US", territories: [],
                    products: [], enrolled: day("2026-01-01"), channelAccountManager: "cam"),
        ])
        try store.importEvents(agentsProgramEvents)
        let tokens = TokenStore(store.database)
        viewer = try tokens.create(role: .viewer, name: "viewer").token
        self.operator = try tokens.create(role: .operator, name: "operator").token
        designer = try tokens.create(role: .designer, name: "designer").token
        revoked = try tokens.create(role: .designer, name: "gone").token
        try tokens.revoke("gone")
    }

    func writePolicy(_ text: String, file: String = "agents.lua") throws {
        try text.write(to: policies.appendingPathComponent("agents").appendingPathComponent(file), atomically: true, encoding: .utf8)
    }

    func configuration(publicMetrics: Bool = false, maxBodyBytes: Int = 64 << 10,
                       watchInterval: Duration? = nil, webhooks: WebhookSettings = WebhookSettings()) -> ServiceConfiguration {
        let policies = self.policies
        return ServiceConfiguration(
            host: "127.0.0.1", port: 0,
            policySets: { [PolicySetLocation(directory: policies.appendingPathComponent("agents"), displayPath: "Policies/agents")] },
            publicMetrics: publicMetrics, maxBodyBytes: maxBodyBytes, workers: 2, watchInterval: watchInterval, webhooks: webhooks)
    }

    /// Start the real server on loopback and run `body` against it.
    func withServer<T>(_ configuration: ServiceConfiguration? = nil, store: PartnerStore? = nil,
                       _ body: @escaping @Sendable (API) async throws -> T) async throws -> T {
        var logger = Logger(label: "partnerscore.test")
        logger.logLevel = .critical
        let app = try buildApplication(configuration ?? self.configuration(), store: store ?? self.store, logger: logger)
        return try await app.test(.live) { client in try await body(API(client: client)) }
    }

    func eventCount() throws -> Int { try store.counts().events }

    func count(_ table: String) throws -> Int {
        try store.database.read { session in try session.row("SELECT COUNT(*) FROM \(table)")?.int(0) ?? 0 }
    }
}

/// A response with its body parsed as JSON.
struct APIResponse: Sendable {
    var status: Int
    var headers: HTTPFields
    var text: String

    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:] }
    var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
}

/// Calls the service as a client would.
struct API: Sendable {
    typealias Execute = @Sendable (String, HTTPRequest.Method, HTTPFields, ByteBuffer?) async throws -> (HTTPResponse.Status, HTTPFields, ByteBuffer)
    let execute: Execute
    let port: Int

    /// Through the client `app.test(.live)` gives.
    init(client: any TestClientProtocol) {
        port = client.port ?? 0
        execute = { uri, method, headers, body in
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
            return (response.status, response.headers, response.body)
        }
    }

    /// Through a connection of its own (for concurrent callers).
    init(connection: TestClient, port: Int) {
        self.port = port
        execute = { uri, method, headers, body in
            var headers = headers
            headers[.connection] = "keep-alive"
            let response = try await connection.execute(.init(uri, method: method, authority: "localhost", headers: headers, body: body))
            return (response.status, response.headers, response.body ?? ByteBuffer())
        }
    }

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
              headers extra: HTTPFields = [:]) async throws -> APIResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        let (status, responseHeaders, body) = try await execute(uri, method, headers, json.map { ByteBuffer(string: $0) })
        return APIResponse(status: status.code, headers: responseHeaders, text: String(buffer: body))
    }

    func get(_ uri: String, token: String? = nil) async throws -> APIResponse { try await call(.get, uri, token: token) }

    func post(_ uri: String, token: String?, json: String, headers: HTTPFields = [:]) async throws -> APIResponse {
        try await call(.post, uri, token: token, json: json, headers: headers)
    }
}

/// Assert a JSON error with this status and code (and field, when given).
func expectError(_ response: APIResponse, _ status: Int, _ code: String, field: String? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    #expect(response.error["code"] as? String == code, "\(response.text)", sourceLocation: sourceLocation)
    #expect((response.error["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    if let field { #expect(response.error["field"] as? String == field, "\(response.text)", sourceLocation: sourceLocation) }
}
