import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PartnerModel
import PartnerStore
import ProgramEvaluation
import Testing
@testable import ScoringService

func day(_ text: String) -> Day { try! Day(parsing: text) }

/// An agents program: Premier needs 5,000 of revenue in the month, keeps it
/// with 3,000; an agreement credential gates the MDF benefit.
let agentsPolicy = """
    local ps = require "partnerscore"
    return ps.policy {
      name = "Agents", version = "1.0", effective = "2025-01-01", programs = { "agents" },
      cadence = "monthly", remediation = "30 days",
      tiers = {
        ps.tier "Authorized" { benefits = { commission = 0.08 } },
        ps.tier "Premier" { entry = { ps.at_least("revenue_1m", 5000) }, maintain = { ps.at_least("revenue_1m", 3000) },
                            benefits = { commission = 0.12, mdf = 1000 } },
      },
      gates = { ps.gate "Agreement" { credential = "agreement", warn = "30 days", suspends = { benefits = { "mdf" } } } },
      health = { components = { ps.component "revenue" { weight = 1, metric = "revenue_3m", target = 15000 } } },
      interventions = ps.default_interventions,
    }
    """

/// A real service over a temporary SQLite file and a temporary policy
/// folder, with one token per role.
final class ServiceFixture: @unchecked Sendable {
    let root: URL
    let policies: URL
    let store: PartnerStore
    let viewer: String
    let `operator`: String
    let designer: String
    let revoked: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ps-service-\(UUID().uuidString)")
        policies = root.appendingPathComponent("Policies")
        try FileManager.default.createDirectory(at: policies.appendingPathComponent("agents"), withIntermediateDirectories: true)
        try agentsPolicy.write(to: policies.appendingPathComponent("agents/agents.lua"), atomically: true, encoding: .utf8)
        store = try PartnerStore(path: root.appendingPathComponent("program.sqlite").path) { migrator in
            LedgerSchema.register(in: &migrator)
            ServiceSchema.register(in: &migrator)
        }
        let partners = ["A-1", "A-2", "A-3"].map { id in
            Partner(id: id, name: "Agent \(id)", type: .agent, program: "agents", region: "NA", country: "US",
                    territories: ["US-CA"], products: ["voice"], enrolled: day("2025-01-01"), channelAccountManager: "cam")
        }
        try store.upsertPartners(partners + [
            Partner(id: "X-1", name: "Other", type: .reseller, program: "other", region: "NA", country: "US", territories: [],
                    products: [], enrolled: day("2025-01-01"), channelAccountManager: "cam"),
            Partner(id: "L-1", name: "Late", type: .agent, program: "agents", region: "NA", country: "US", territories: [],
                    products: [], enrolled: day("2026-01-01"), channelAccountManager: "cam"),
        ])
        var events: [ActivityEvent] = []
        // A-1 sells 6,000 a month through April, then 1,000.
        for month in 1...6 {
            events.append(ActivityEvent(partnerID: "A-1", date: Day(year: 2025, month: month, day: 15)!,
                                        kind: .revenue(amount: month <= 4 ? 6000 : 1000, currency: "USD", product: "voice")))
        }
        events.append(ActivityEvent(partnerID: "A-1", date: day("2025-01-02"), kind: .credential(kind: "agreement", expires: day("2025-05-31"))))
        events.append(ActivityEvent(partnerID: "A-2", date: day("2025-01-03"), kind: .portalLogin))
        try store.importEvents(events)
        let tokens = TokenStore(store.database)
        viewer = try tokens.create(role: .viewer, name: "viewer").token
        self.operator = try tokens.create(role: .operator, name: "operator").token
        designer = try tokens.create(role: .designer, name: "designer").token
        revoked = try tokens.create(role: .designer, name: "gone").token
        try tokens.revoke("gone")
    }

    deinit { try? FileManager.default.removeItem(at: root) }

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
        try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
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
