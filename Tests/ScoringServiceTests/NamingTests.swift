import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import ScoringService

/// Every key the API writes is snake_case, like `policy_set` and `as_of`.
/// Objects that map data to counts or values (benefits, tiers, bands...) are
/// skipped: their keys are names from the policy, not the API's.
func camelCaseKeys(_ value: Any, path: String = "", dataMaps: Set<String>) -> [String] {
    switch value {
    case let object as [String: Any]:
        return object.flatMap { key, item -> [String] in
            let here = path.isEmpty ? key : "\(path).\(key)"
            let bad = key.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) == nil ? [here] : []
            return bad + (dataMaps.contains(key) ? [] : camelCaseKeys(item, path: here, dataMaps: dataMaps))
        }
    case let array as [Any]:
        return array.enumerated().flatMap { camelCaseKeys($0.element, path: "\(path)[\($0.offset)]", dataMaps: dataMaps) }
    default:
        return []
    }
}

/// The API's maps keyed by data (tier, band, benefit, alert kind names).
let apiDataMaps: Set<String> = ["benefits", "tier_events", "tier_distribution", "health_bands", "alerts_by_step", "alerts_by_kind"]

@Suite("The API's JSON uses snake_case keys throughout")
struct NamingTests {
    @Test("every route's JSON, and the OpenAPI document's schemas, use snake_case")
    func snakeCase() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            let run = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-02-28"}"#)
            #expect(run.status == 201, "\(run.text)")
            let dry = try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-03-31","dry_run":true}"#)
            var bodies = [("POST /v1/runs", run.text), ("POST /v1/runs dry", dry.text)]
            for path in ["/health", "/v1/partners", "/v1/partners/A-1", "/v1/partners/A-1/evaluation?as_of=2025-04-30",
                         "/v1/decisions", "/v1/alerts", "/v1/policies"] {
                let response = try await api.get(path, token: fixture.viewer)
                #expect(response.status == 200, "\(path): \(response.text)")
                bodies.append((path, response.text))
            }
            for (route, body) in bodies {
                let json = try JSONSerialization.jsonObject(with: Data(body.utf8))
                #expect(camelCaseKeys(json, dataMaps: apiDataMaps).isEmpty, "\(route): \(camelCaseKeys(json, dataMaps: apiDataMaps))")
            }
            // The evaluation carries the authorization it decided.
            let evaluation = try await api.get("/v1/partners/A-1/evaluation?as_of=2025-04-30", token: fixture.viewer)
            let e = evaluation.json["evaluation"] as? [String: Any] ?? [:]
            #expect(e["authorized_all_products"] as? Bool == false && e["authorized_products"] as? [String] == ["voice"])
            let detail = try await api.get("/v1/partners/A-1", token: fixture.viewer)
            #expect(detail.json["authorized_products"] as? [String] == ["voice"])
        }
        let document = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any] ?? [:]
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        var properties: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let props = object["properties"] as? [String: Any] { properties += props.keys }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(schemas)
        #expect(!properties.isEmpty)
        #expect(properties.filter { $0.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) == nil }.isEmpty)
    }
}

@Suite("A partner stored in a tier its policy lacks")
struct UnknownTierTests {
    @Test("a live evaluation answers 422 unknown_tier naming partner, tier and the policy's tiers")
    func unknownTier() async throws {
        let fixture = try ServiceFixture()
        _ = try fixture.store.upsertPartners([
            Partner(id: "G-1", name: "Gold Agent", type: .agent, program: "agents", region: "NA", country: "US", territories: ["US-CA"],
                    products: ["voice"], enrolled: day("2025-01-01"), channelAccountManager: "cam", tier: "Gold"),
        ])
        try await fixture.withServer { api in
            let response = try await api.get("/v1/partners/G-1/evaluation?as_of=2025-04-30", token: fixture.viewer)
            expectError(response, 422, "unknown_tier")
            let message = (response.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("partner G-1 holds tier 'Gold'") && message.contains("its tiers: Authorized, Premier"), "\(message)")
        }
    }
}
