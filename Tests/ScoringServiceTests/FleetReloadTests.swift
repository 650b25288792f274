import Foundation
import TestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import PartnerStore
import Testing
@testable import ScoringService

@Suite("A fleet: instances sharing one PostgreSQL", .enabled(if: TestPostgres.enabled, "set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does)"))
struct FleetReloadTests {
    @Test("a reload through one instance changes what another serves within 2 s (LISTEN/NOTIFY); the other watches nothing")
    func reloadReachesTheOthers() async throws {
        let fixture = try ServiceFixture()
        var configuration = fixture.configuration(watchInterval: nil)
        configuration.reloadChannel = try TestPostgres.location().configuration
        var logger = Logger(label: "partnerscore.test")
        logger.logLevel = .critical
        let a = try buildApplication(configuration, store: fixture.store, logger: logger)
        let b = try buildApplication(configuration, store: fixture.store, logger: logger)
        try await a.test(.live) { clientA in
            try await b.test(.live) { clientB in
                let apiA = API(client: clientA), apiB = API(client: clientB)
                let before = try await contentHash(apiB, fixture)
                // B's listener starts with the application; give it a moment to be listening.
                try await Task.sleep(for: .milliseconds(500))
                try fixture.writePolicy(agentsPolicy.replacingOccurrences(of: "version = \"1.0\"", with: "version = \"2.0\""))
                let reload = try await apiA.post("/v1/policies/reload", token: fixture.designer, json: "{}")
                #expect(reload.status == 200)
                let after = try await contentHash(apiA, fixture)
                #expect(after != before)
                let start = ContinuousClock.now
                while try await contentHash(apiB, fixture) != after, ContinuousClock.now - start < .seconds(2) {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(try await contentHash(apiB, fixture) == after, "B still serves the old version 2 s after A's reload")
            }
        }
    }

    func contentHash(_ api: API, _ fixture: ServiceFixture) async throws -> String? {
        let sets = try await api.get("/v1/policies", token: fixture.viewer).json["policy_sets"] as? [[String: Any]]
        return sets?.first?["content_hash"] as? String
    }
}
