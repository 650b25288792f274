import GRDB
import PartnerModel

/// The store's tables, made by named migrations. Later features (tier
/// history, decisions, alerts) add theirs with their own migrations through
/// ``PartnerStore/migrator(extendedBy:)``.
///
/// - `partner`: one row per partner; `number` is an integer key for events to
///   reference (cheap joins), `id` the partner's own unique text id. Lists
///   (`territories`, `products`) are JSON arrays of strings; days are
///   integers (days since 1970-01-01, ``Day/daysSinceEpoch``).
/// - `event`: every activity kind in one table, `kind` being its import name
///   (`revenue`, `deal_registered`, ..., listed in `event_kind`). Columns a
///   kind does not use are NULL:
///
///   | kind | amount | currency | product | territory | name | value | expires |
///   |---|---|---|---|---|---|---|---|
///   | revenue | ✓ | ✓ | ✓ | | | | |
///   | deal_registered | ✓ | | ✓ | ✓ | | | |
///   | deal_won, deal_lost | ✓ | | | | | | |
///   | certification | | | | | certification | | optional |
///   | training | | | | | module | | |
///   | login | | | | | | | |
///   | credential | | | | | credential kind | | optional |
///   | attribute | | | | | attribute | number or text | |
enum Schema {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("partners-v1") { db in
            let types = PartnerType.allCases.map { "'\($0.rawValue)'" }.joined(separator: ",")
            let statuses = PartnerStatus.allCases.map { "'\($0.rawValue)'" }.joined(separator: ",")
            try db.execute(sql: """
                CREATE TABLE partner (
                    number INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    type TEXT NOT NULL CHECK (type IN (\(types))),
                    program TEXT NOT NULL,
                    region TEXT NOT NULL,
                    country TEXT NOT NULL,
                    territories TEXT NOT NULL DEFAULT '[]',
                    products TEXT NOT NULL DEFAULT '[]',
                    enrolled INTEGER NOT NULL,
                    channelAccountManager TEXT NOT NULL,
                    tier TEXT,
                    tierSince INTEGER,
                    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN (\(statuses)))
                );
                CREATE INDEX partner_on_program ON partner(program);
                """)
        }
        migrator.registerMigration("events-v1") { db in
            // The kinds as a table rather than CHECK (kind IN (...)): SQLite builds
            // the IN list anew for every inserted row, which halves import speed.
            try db.execute(sql: "CREATE TABLE event_kind (name TEXT PRIMARY KEY) WITHOUT ROWID")
            for name in ActivityEvent.Kind.names {
                try db.execute(sql: "INSERT INTO event_kind (name) VALUES (?)", arguments: [name])
            }
            try db.execute(sql: """
                CREATE TABLE event (
                    id INTEGER PRIMARY KEY,
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    day INTEGER NOT NULL,
                    kind TEXT NOT NULL REFERENCES event_kind(name),
                    amount REAL CHECK (amount >= 0),
                    currency TEXT,
                    product TEXT,
                    territory TEXT,
                    name TEXT,
                    value,
                    expires INTEGER
                );
                -- One partner's events in date order: snapshots of chosen partners,
                -- milestone look-ups and the foreign key.
                CREATE INDEX event_on_partner_day ON event(partnerNumber, day);
                """)
        }
        Rollups.register(in: &migrator)
    }
}
