import Foundation
import PartnerStore

/// The one owner of `idempotency_key` (``ServiceSchema``): an activity batch
/// sent with an `Idempotency-Key` is stored once, whichever instance of a
/// fleet receives it and however often it is sent.
///
/// Insert first: the ingest's transaction claims the key before it writes
/// anything. A concurrent claim of the same key by another connection waits
/// on the row until the first transaction ends (PostgreSQL's unique index;
/// SQLite has one writer anyway), then sees its committed response — or
/// claims the key itself if the first rolled back. Checking first and
/// inserting last would let two instances both find no key and both store
/// the batch.
enum IdempotencyKeys {
    enum Claim: Equatable {
        /// This transaction holds the key: do the work, then ``complete(_:key:status:response:)``.
        case claimed
        /// The same request was stored before: send its response again.
        case replay(status: Int, response: Data)
        /// The key was used with another request body.
        case reused
    }

    static func claim(_ db: any SQLSession, key: String, requestHash: String, now: Date = Date()) throws -> Claim {
        let inserted = try db.execute("""
            INSERT INTO idempotency_key (key, requestHash, status, response, created) VALUES (?, ?, 0, ?, ?)
            ON CONFLICT (key) DO NOTHING
            """, [.text(key), .text(requestHash), .blob([]), .text(TokenStore.timestamp(now))])
        if inserted == 1 { return .claimed }
        guard let row = try db.row("SELECT requestHash, status, response FROM idempotency_key WHERE key = ?", [.text(key)]) else {
            // Claimed and rolled back between the insert and this read: claim again.
            return try claim(db, key: key, requestHash: requestHash, now: now)
        }
        guard row.string(0) == requestHash else { return .reused }
        return .replay(status: row.int(1) ?? 201, response: Data(row.bytes(2) ?? []))
    }

    /// Record the response sent for a key this transaction claimed.
    static func complete(_ db: any SQLSession, key: String, status: Int, response: Data) throws {
        try db.execute("UPDATE idempotency_key SET status = ?, response = ? WHERE key = ?",
                       [.integer(Int64(status)), .blob([UInt8](response)), .text(key)])
    }
}
