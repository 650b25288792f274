import Foundation
import PartnerStore
import Testing

/// The PostgreSQL cluster the tests run against: `PARTNERSCORE_TEST_DATABASE_URL`
/// (Scripts/test.sh starts one and sets it). Without it the PostgreSQL tests
/// are skipped — unless `PARTNERSCORE_REQUIRE_POSTGRES=1` (test.sh, CI), which
/// makes them run and fail: a missing PostgreSQL is never a silent skip there.
public enum TestPostgres {
    public static let url = ProcessInfo.processInfo.environment["PARTNERSCORE_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    public static let required = ProcessInfo.processInfo.environment["PARTNERSCORE_REQUIRE_POSTGRES"] == "1"
    public static var enabled: Bool { url != nil || required }
    public static let skipped: Comment = """
        PostgreSQL tests skipped: set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does; by hand: \
        eval "$(Scripts/postgres.sh start)" && PARTNERSCORE_TEST_DATABASE_URL=$PARTNERSCORE_PG_URL swift test)
        """

    /// The engines an engine-parameterised test runs on.
    public static var engines: [SQLEngine] { enabled ? [.sqlite, .postgresql] : [.sqlite] }

    /// The cluster's location (an error naming the missing variable when it is required but not set).
    public static func location() throws -> PostgresLocation {
        guard let url else {
            throw PartnerStoreError("PARTNERSCORE_REQUIRE_POSTGRES=1 but PARTNERSCORE_TEST_DATABASE_URL is not set",
                                    hint: "run Scripts/test.sh, which starts a PostgreSQL cluster for the tests")
        }
        return try PostgresLocation(url: url)
    }

    /// A new, empty database on the test cluster, dropped when the value is released.
    public static func freshDatabase() throws -> TestDatabase {
        _ = try location()
        return try TestDatabase(clusterURL: url!)
    }
}

/// One test's own database on the test cluster.
public final class TestDatabase: @unchecked Sendable {
    public let url: String
    private let admin: PostgresDatabase
    private let name: String

    public init(clusterURL: String) throws {
        let admin = try PostgresDatabase(url: clusterURL)
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try admin.withConnection { try $0.execute("CREATE DATABASE \(name)", []) }
        var components = URLComponents(string: clusterURL)!
        components.path = "/" + name
        url = components.string!
        self.admin = admin
        self.name = name
    }

    /// Drop it now, closing its connections (a database that goes away under a test).
    public func drop() throws {
        try admin.withConnection { try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", []) }
    }

    deinit { try? drop() }
}

/// A store of either engine for a test (SQLite: in memory, or in `file` when
/// given; PostgreSQL: a fresh database), and what keeps its database alive.
public struct TestStore {
    public let store: PartnerStore
    public let database: TestDatabase?

    public init(_ engine: SQLEngine, file: String? = nil,
                extendingMigrations extend: (inout StoreMigrations) -> Void = { _ in }) throws {
        switch engine {
        case .sqlite:
            var migrations = StoreMigrations()
            extend(&migrations)
            store = try file.map { try PartnerStore(path: $0, extendingMigrations: migrations.sqlite) }
                ?? PartnerStore(inMemoryExtendingMigrations: migrations.sqlite)
            database = nil
        case .postgresql:
            let database = try TestPostgres.freshDatabase()
            store = try PartnerStore(location: database.url, extendingMigrations: extend)
            self.database = database
        }
    }
}
