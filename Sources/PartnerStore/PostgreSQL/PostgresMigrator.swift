/// Named migrations for a PostgreSQL database, GRDB's DatabaseMigrator's
/// counterpart: each runs once, in the order registered, and is recorded
/// in `schema_migrations` (name, when applied). All pending migrations run
/// in ONE transaction under an advisory lock, so two processes opening a
/// new database at once do not both migrate it, and a failing migration
/// leaves nothing half-made (PostgreSQL's DDL is transactional).
public struct PostgresMigrator: Sendable {
    public typealias Migration = @Sendable (any SQLSession) throws -> Void
    private var migrations: [(name: String, migrate: Migration)] = []

    /// The advisory lock key the migrations hold ("psmigrat" as ASCII).
    static let lockKey: Int64 = 0x7073_6D69_6772_6174

    public init() {}

    /// The migrations' names, in order.
    public var names: [String] { migrations.map(\.name) }

    public mutating func registerMigration(_ name: String, _ migrate: @escaping Migration) {
        precondition(!names.contains(name), "migration \(name) is registered twice")
        migrations.append((name, migrate))
    }

    /// Another migrator's migrations, after these.
    public mutating func append(_ other: PostgresMigrator) {
        for migration in other.migrations { registerMigration(migration.name, migration.migrate) }
    }

    /// Run the migrations not yet applied to `database`.
    public func migrate(_ database: PostgresDatabase) throws {
        try database.write { db in
            try PostgresAdvisoryLock.holdUntilCommit(db, key: Self.lockKey)
            try db.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name text PRIMARY KEY,
                    applied timestamptz NOT NULL DEFAULT now()
                )
                """, [])
            let applied = Set(try db.rows("SELECT name FROM schema_migrations").compactMap { $0.string(0) })
            for migration in migrations where !applied.contains(migration.name) {
                try migration.migrate(db)
                try db.execute("INSERT INTO schema_migrations (name) VALUES (?)", [.text(migration.name)])
            }
        }
    }
}
