import Foundation
import PartnerModel
import Testing
@testable import PartnerStore

/// The PostgreSQL cluster the tests run against: `PARTNERSCORE_TEST_DATABASE_URL`
/// (Scripts/test.sh starts one and sets it). Without it the PostgreSQL tests
/// are skipped — unless `PARTNERSCORE_REQUIRE_POSTGRES=1` (test.sh, CI), which
/// makes them run and fail: a missing PostgreSQL is never a silent skip there.
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["PARTNERSCORE_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let required = ProcessInfo.processInfo.environment["PARTNERSCORE_REQUIRE_POSTGRES"] == "1"
    static var enabled: Bool { url != nil || required }
    static let skipped: Comment = """
        PostgreSQL tests skipped: set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does; by hand: \
        eval "$(Scripts/postgres.sh start)" && PARTNERSCORE_TEST_DATABASE_URL=$PARTNERSCORE_PG_URL swift test)
        """

    /// The engines an engine-parameterised test runs on.
    static var engines: [SQLEngine] { enabled ? [.sqlite, .postgresql] : [.sqlite] }

    /// A new, empty database on the test cluster, dropped when the value is released.
    static func freshDatabase() throws -> TestDatabase {
        guard let url else {
            throw PartnerStoreError("PARTNERSCORE_REQUIRE_POSTGRES=1 but PARTNERSCORE_TEST_DATABASE_URL is not set",
                                    hint: "run Scripts/test.sh, which starts a PostgreSQL cluster for the tests")
        }
        return try TestDatabase(clusterURL: url)
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

/// A store of either engine for a test, and what keeps its database alive.
struct TestStore {
    let store: PartnerStore
    let database: TestDatabase?

    init(_ engine: SQLEngine, extendingMigrations extend: (inout StoreMigrations) -> Void = { _ in }) throws {
        switch engine {
        case .sqlite:
            var migrations = StoreMigrations()
            extend(&migrations)
            store = try PartnerStore(inMemoryExtendingMigrations: migrations.sqlite)
            database = nil
        case .postgresql:
            let database = try TestPostgres.freshDatabase()
            store = try PartnerStore(location: database.url, extendingMigrations: extend)
            self.database = database
        }
    }
}
