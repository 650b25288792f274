import GRDB

/// The service's tables, in the partner store's database (migration
/// `service-v1`, registered after the ledger's wherever a store is opened):
///
/// - `api_token`: bearer tokens — only the SHA-256 of each token is kept,
///   with its role, an optional unique name, and when it was revoked.
/// - `idempotency_key`: one row per activity batch sent with an
///   `Idempotency-Key`: the SHA-256 of the request body and the response
///   sent, replayed for a repeat of the same request.
public enum ServiceSchema {
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("service-v1") { db in
            try db.execute(sql: """
                CREATE TABLE api_token (
                    id INTEGER PRIMARY KEY,
                    name TEXT UNIQUE,
                    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'designer')),
                    tokenHash TEXT NOT NULL UNIQUE,
                    created TEXT NOT NULL,
                    revoked TEXT
                );

                CREATE TABLE idempotency_key (
                    key TEXT PRIMARY KEY,
                    requestHash TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    response BLOB NOT NULL,
                    created TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
    }
}
