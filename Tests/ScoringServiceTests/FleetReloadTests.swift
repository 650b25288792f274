import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PartnerStore
import Testing
@testable import ScoringService

/// The PostgreSQL server the tests use: `PARTNERSCORE_TEST_DATABASE_URL`
/// (Scripts/test.sh starts a throwaway cluster and sets it). Without it the
/// tests that need one are skipped — unless `PARTNERSCORE_REQUIRE_POSTGRES=1`
/// (CI), where its absence is a failure.
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["PARTNERSCORE_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let required = ProcessInfo.processInfo.environment["PARTNERSCORE_REQUIRE_POSTGRES"] == "1"
    static var available: Bool { url != nil || required }

    static func location() throws -> PostgresLocation {
        guard let url else {
            throw PartnerStoreError("PARTNERSCORE_REQUIRE_POSTGRES=1 but PARTNERSCORE_TEST_DATABASE_URL is not set",
                                    hint: "run Scripts/test.sh, which starts a PostgreSQL cluster for the tests")
        }
        return try PostgresLocation(url: url)
    }

    /// A new, empty database on the test cluster, dropped when released.
    static func freshDatabase() throws -> TestDatabase {
        _ = try location()
        return try TestDatabase(clusterURL: url!)
    }
}

/// One test's own database on the test cluster.
final class TestDatabase: @unchecked Sendable {
    let url: String
    private let admin: PostgresDatabase
    private let name: String

    init(clusterURL: String) throws {
        let admin = try PostgresDatabase(url: clusterURL)
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try admin.withConnection { try $0.execute("CREATE DATABASE \(name)", []) }
        var components = URLComponents(string: clusterURL)!
        components.path = "/" + name
        url = components.string!
        self.admin = admin
        self.name = name
    }

    deinit {
        _ = try? admin.withConnection { try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", []) }
    }
}

@Suite("A fleet: instances sharing one PostgreSQL", .enabled(if: TestPostgres.available, "set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does)"))
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
