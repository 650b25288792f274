import GRDB

/// Other owners' tables, by named migrations, one implementation per engine:
/// the GRDB migrations SQLite runs and the ``PostgresMigrator``'s PostgreSQL
/// runs, under the same names and in the same order. Both run after the
/// store's own (partners, events).
///
/// ```swift
/// extension LedgerSchema {
///     static func register(in migrations: inout StoreMigrations) {
///         migrations.add(sqlite: register(in:))             // (inout DatabaseMigrator) -> Void
///         migrations.postgresql.registerMigration("ledger-v1") { db in
///             try db.execute("CREATE TABLE evaluation_run (...)", [])
///         }
///     }
/// }
/// let store = try PartnerStore(location: url) { LedgerSchema.register(in: &$0) }
/// ```
public struct StoreMigrations {
    /// Registers the SQLite migrations (after the store's own).
    public private(set) var sqlite: (inout DatabaseMigrator) -> Void = { _ in }
    /// The PostgreSQL migrations (after the store's own).
    public var postgresql = PostgresMigrator()

    public init() {}

    /// Add SQLite migrations, after those added before.
    public mutating func add(sqlite register: @escaping (inout DatabaseMigrator) -> Void) {
        let before = sqlite
        sqlite = { migrator in
            before(&migrator)
            register(&migrator)
        }
    }
}
