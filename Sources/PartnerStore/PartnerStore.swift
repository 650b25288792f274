import Foundation
import GRDB
import PartnerModel

/// The partner data of one deployment: partners and their activity events,
/// in one SQLite database (behind a GRDB ``DatabaseWriter``) or in
/// PostgreSQL (behind a ``PostgresDatabase``) — the same API on either.
///
/// ```swift
/// let store = try PartnerStore(path: "program.sqlite")     // WAL, foreign keys on
/// let shared = try PartnerStore(location: "postgresql://app@db.internal/partnerscore")
/// try store.importFiles(["partners.csv", "events.csv"])     // one transaction
/// let snapshots = try SnapshotCalculator(store: store).snapshots(asOf: Day(parsing: "2026-10-31"))
/// ```
///
/// Other targets add their own tables in the same database by extending the
/// migrations (``init(location:lockWait:extendingMigrations:)``, one
/// implementation per engine in ``StoreMigrations``); theirs run after the
/// store's own.
public final class PartnerStore: Sendable {
    enum Backend: Sendable {
        case sqlite(any DatabaseWriter)
        case postgresql(PostgresDatabase)
    }

    let backend: Backend

    /// The engine holding the store.
    public var engine: SQLEngine {
        switch backend {
        case .sqlite: .sqlite
        case .postgresql: .postgresql
        }
    }

    /// The GRDB database, for this package's SQLite-only paths that have no
    /// engine-neutral form (SQLite's bulk paths: import, rollups, a run's
    /// prepared ledger writes, the benchmark). Everything else reads and
    /// writes through ``database``. A PostgreSQL store has none: check
    /// ``engine`` (or ``postgres``) first.
    package var writer: any DatabaseWriter {
        guard case .sqlite(let writer) = backend else {
            preconditionFailure("PartnerStore.writer is SQLite's; this store is on PostgreSQL (check store.engine first)")
        }
        return writer
    }

    /// The PostgreSQL database, when the store is on PostgreSQL.
    public var postgres: PostgresDatabase? {
        guard case .postgresql(let database) = backend else { return nil }
        return database
    }

    /// The database as the engine-neutral seam (``SQLDatabase``) the tables' owners query through.
    public var database: any SQLDatabase {
        switch backend {
        case .sqlite(let writer): GRDBDatabase(writer)
        case .postgresql(let database): database
        }
    }

    /// Open (creating the schema if needed) the store at `location`: a
    /// `postgresql://` (or `postgres://`) URL, or else a SQLite file path.
    /// `extend` registers other owners' migrations, for both engines.
    public convenience init(location: String, lockWait: TimeInterval = PartnerStore.lockWait,
                            extendingMigrations extend: (inout StoreMigrations) -> Void = { _ in }) throws {
        var migrations = StoreMigrations()
        extend(&migrations)
        if PostgresLocation.isURL(location) {
            try self.init(postgres: PostgresDatabase(url: location), migrations: migrations)
        } else {
            try self.init(path: location, lockWait: lockWait, extendingMigrations: migrations.sqlite)
        }
    }

    /// A store on a PostgreSQL database; runs the store's migrations, then `migrations.postgresql`.
    public init(postgres database: PostgresDatabase, migrations: StoreMigrations = StoreMigrations()) throws {
        backend = .postgresql(database)
        var migrator = PostgresMigrator()
        PostgresSchema.register(in: &migrator)
        migrator.append(migrations.postgresql)
        try migrator.migrate(database)
    }

    /// Open (creating if needed) the store in the file at `path`, in WAL mode,
    /// and migrate it to the current schema. A write waits up to `lockWait`
    /// seconds for another process's write to finish.
    public convenience init(path: String, lockWait: TimeInterval = PartnerStore.lockWait,
                            extendingMigrations extend: (inout DatabaseMigrator) -> Void = { _ in }) throws {
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: PartnerStore.configuration(lockWait: lockWait))
        } catch let error as DatabaseError {
            if let trouble = PartnerStore.trouble(error, databasePath: path) { throw trouble }
            throw PartnerStoreError("cannot open the database \(path): \(error.message ?? error.description)",
                                    hint: "check that the folder exists and is writable")
        }
        try pool.writeWithoutTransaction { db in
            // FULL: a commit syncs the WAL before it returns, so whatever a
            // verb reports written (an import, a run, a 201 with its
            // idempotency key) survives a power loss. GRDB's pool sets
            // NORMAL, which syncs only at checkpoints: an acknowledged write
            // could be lost, and a client told 201 would not send it again.
            // The cost is one sync per commit (docs/performance.md). Set on
            // the pool's one writer connection, after GRDB's own set-up.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A WAL grown by a large transaction is cut back to this size when SQLite restarts it.
            try db.execute(sql: "PRAGMA journal_size_limit = \(PartnerStore.walSizeLimit)")
        }
        try self.init(writer: pool, extendingMigrations: extend)
    }

    /// An empty store in memory (for tests and previews).
    public convenience init(inMemoryExtendingMigrations extend: (inout DatabaseMigrator) -> Void = { _ in }) throws {
        try self.init(writer: DatabaseQueue(configuration: PartnerStore.configuration()), extendingMigrations: extend)
    }

    /// A store on any GRDB writer; migrates it.
    public init(writer: any DatabaseWriter, extendingMigrations extend: (inout DatabaseMigrator) -> Void = { _ in }) throws {
        backend = .sqlite(writer)
        try PartnerStore.migrator(extendedBy: extend).migrate(writer)
    }

    /// The store's migrations ("partners-v1", "events-v1", ...) followed by
    /// those `extend` registers.
    public static func migrator(extendedBy extend: (inout DatabaseMigrator) -> Void = { _ in }) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        Schema.register(in: &migrator)
        extend(&migrator)
        return migrator
    }

    static func configuration(lockWait: TimeInterval = lockWait) -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Several processes share a store (the service, an import, a token
        // command): wait for a writer to finish instead of failing at once.
        configuration.busyMode = .timeout(lockWait)
        configuration.prepareDatabase { db in
            // A new file gets 16 KiB pages (an existing one keeps its own: this
            // does nothing once the file has a page). A bulk import then writes
            // a quarter of the pages, WAL frames and system calls, and b-trees
            // are a level shallower.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA page_size = 16384") }
            try db.execute(sql: "PRAGMA cache_size = -65536")   // 64 MiB page cache
        }
        return configuration
    }
}

// MARK: - Partners

extension PartnerStore {
    /// All partners, in ascending id order, optionally only those of `programs`.
    public func partners(programs: [String]? = nil) throws -> [Partner] {
        if let postgres {
            return try postgres.read { try PostgresPartners.page($0, programs: programs, partnerIDs: nil).map(\.partner) }
        }
        return try writer.read { db in
            var partners: [Partner] = []
            try PartnerRow.forEach(db, programs: programs, partnerIDs: nil) { partners.append($0.partner) }
            return partners
        }
    }

    /// The partner with this id, if any.
    public func partner(id: String) throws -> Partner? {
        if let postgres {
            return try postgres.read { try PostgresPartners.page($0, programs: nil, partnerIDs: [id]).first?.partner }
        }
        return try writer.read { db in
            var found: Partner?
            try PartnerRow.forEach(db, programs: nil, partnerIDs: [id]) { found = $0.partner }
            return found
        }
    }

    /// The number of partners and events held.
    public func counts() throws -> (partners: Int, events: Int) {
        if let postgres {
            return try postgres.read { db in
                (try db.row("SELECT COUNT(*) FROM partner")?.int(0) ?? 0, try db.row("SELECT COUNT(*) FROM event")?.int(0) ?? 0)
            }
        }
        return try writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM partner") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0)
        }
    }

    /// Insert or update partners by id, in one transaction. A partner whose
    /// `tier` is nil keeps the tier it has in the store.
    @discardableResult
    public func upsertPartners(_ partners: [Partner]) throws -> ImportSummary {
        var seen = Set<String>()
        for partner in partners where !seen.insert(partner.id).inserted {
            throw PartnerStoreError("partner \(partner.id) appears twice in one batch", field: "id",
                                    hint: "send each partner once")
        }
        if let postgres {
            let (added, updated) = try postgres.writeSession { try PostgresImport.upsert($0, partners.map { ($0, true) }) }
            return ImportSummary(partnersAdded: added, partnersUpdated: updated, events: 0)
        }
        return try writer.write { db in
            let writer = try PartnerWriter(db)
            for partner in partners { try writer.upsert(partner, statusGiven: true) }
            return ImportSummary(partnersAdded: writer.added, partnersUpdated: writer.updated, events: 0)
        }
    }

    /// Add events for known partners in one transaction, with the checks a
    /// file import makes (known partner, amounts ≥ 0, names present, a kind
    /// `kinds` accepts). Nothing is written when one event is refused.
    @discardableResult
    public func importEvents(_ events: [ActivityEvent], kinds: EventKinds = .builtIn) throws -> ImportSummary {
        if let postgres { return try postgres.writeSession { try PostgresImport.importEvents($0, events, kinds: kinds) } }
        return try writer.write { db in
            let numbers = try PartnerQueries.numbersByID(GRDBSession(db), ids: events.map(\.partnerID))
            let writer = try EventWriter(db)
            for (index, event) in events.enumerated() {
                let row = try StoredEvent(event, numbers: numbers, kinds: kinds, index: index)
                try writer.insert(row)
            }
            try writer.finish()
            return ImportSummary(partnersAdded: 0, partnersUpdated: 0, events: events.count)
        }
    }
}

/// What an import or upsert changed.
public struct ImportSummary: Sendable, Equatable, CustomStringConvertible {
    public var partnersAdded: Int
    public var partnersUpdated: Int
    public var events: Int

    public init(partnersAdded: Int, partnersUpdated: Int, events: Int) {
        self.partnersAdded = partnersAdded
        self.partnersUpdated = partnersUpdated
        self.events = events
    }

    public var description: String {
        "\(TextFormat.count(partnersAdded, "partner")) added, \(partnersUpdated) updated, \(TextFormat.count(events, "event"))"
    }
}
