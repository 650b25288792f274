import Crypto
import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

/// A URL that receives the outbox's events, and how far its delivery got.
public struct WebhookSubscription: Sendable, Equatable {
    public var id: Int64
    public var url: String
    /// The HMAC-SHA256 key of its signatures.
    public var secret: String
    /// What it asked for: event types, groups (`tier.*`) or `*`.
    public var events: [String]
    public var created: String
    /// The last event handled (delivered or dead-lettered): the next one delivered comes after it.
    public var position: Int64
    /// Failed attempts at the event after `position`.
    public var attempts: Int
    /// When that event may be tried again (milliseconds since 1970); nil: at once.
    public var nextAttempt: Int64?
    public var lastError: String?
    /// Events delivered so far.
    public var delivered: Int
    public var deadLetters: Int

    /// The event types it receives.
    public var types: [WebhookEventType] {
        Set(events.flatMap { WebhookEventType.matching($0) ?? [] }).sorted()
    }

    /// Whether `type` is one it receives.
    public func receives(_ type: WebhookEventType) -> Bool { types.contains(type) }
}

extension WebhookSubscription {
    /// The subscription as JSON (snake_case keys, sorted; never the secret):
    /// what `webhooks list --format json` and the API show. `pending`: events
    /// still to deliver.
    public func write(to buffer: JSONBuffer, pending: Int) {
        buffer.object { m in
            m.integer("attempts", attempts)
            m.string("created", created)
            m.integer("dead_letters", deadLetters)
            m.integer("delivered", delivered)
            m.strings("events", events)
            m.integer("id", Int(id))
            m.nullable("last_error", lastError, explicit: true)
            m.nullable("next_attempt_at", nextAttempt.map { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double($0) / 1000)) },
                       explicit: true)
            m.integer("pending", pending)
            m.nullable("position", position > 0 ? OutboxEvent.eventID(position) : nil, explicit: true)
            m.string("url", url)
        }
    }
}

/// An event a subscription gave up on after its last attempt.
public struct DeadLetter: Sendable, Equatable {
    public var subscription: Int64
    public var event: Int64
    public var attempts: Int
    public var lastError: String
    public var at: String
}

/// What is wrong with a subscription request: names the field and says what to do.
public struct WebhookFailure: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case notFound, invalid }
    public var kind: Kind
    public var field: String
    public var description: String
}

/// The webhook tables, and everything read or written about them: their one owner.
///
/// - `webhook_subscription` (migration `webhooks-v1`, with the outbox): the
///   URL, the secret, the event types, and the delivery state — the
///   position in the outbox (the last event handled), the failed attempts at
///   the next event and when it may be tried again, the last error, and a
///   lease (`leaseOwner`, `leaseUntil`) that lets one delivering process at a
///   time work on a subscription, so several `serve` processes can share a
///   database and each subscription still receives its events in order.
/// - `webhook_dead_letter`: events a subscription gave up on, with the
///   attempts and the last error.
public enum WebhookSubscriptions {
    static func createTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE webhook_subscription (
                id INTEGER PRIMARY KEY,
                url TEXT NOT NULL,
                secret TEXT NOT NULL,
                events TEXT NOT NULL,
                created TEXT NOT NULL,
                position INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                nextAttempt INTEGER,
                lastError TEXT,
                delivered INTEGER NOT NULL DEFAULT 0,
                leaseOwner TEXT,
                leaseUntil INTEGER
            );
            CREATE TABLE webhook_dead_letter (
                subscriptionId INTEGER NOT NULL REFERENCES webhook_subscription(id) ON DELETE CASCADE,
                eventId INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                lastError TEXT NOT NULL,
                at TEXT NOT NULL,
                PRIMARY KEY (subscriptionId, eventId)
            ) WITHOUT ROWID;
            """)
    }

    static let columns = """
        s.id, s.url, s.secret, s.events, s.created, s.position, s.attempts, s.nextAttempt, s.lastError, s.delivered,
        (SELECT COUNT(*) FROM webhook_dead_letter d WHERE d.subscriptionId = s.id)
        """

    static func subscription(_ row: Row) -> WebhookSubscription {
        let events: String = row[3]
        return WebhookSubscription(id: row[0], url: row[1], secret: row[2], events: events.split(separator: ",").map(String.init),
                                   created: row[4], position: row[5], attempts: row[6], nextAttempt: row[7], lastError: row[8],
                                   delivered: row[9], deadLetters: row[10])
    }

    /// Whether any subscription exists (then the outbox records events).
    static func exist(_ db: Database) throws -> Bool {
        try db.tableExists("webhook_subscription")
            && (try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM webhook_subscription)") ?? false)
    }

    /// Whether any subscription exists, on a database of either engine holding the ledger's tables.
    static func exist(_ session: any SQLSession) throws -> Bool {
        try session.row("SELECT CASE WHEN EXISTS (SELECT 1 FROM webhook_subscription) THEN 1 ELSE 0 END")?.bool(0) ?? false
    }

    public static func all(_ db: Database) throws -> [WebhookSubscription] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM webhook_subscription s ORDER BY s.id").map(subscription)
    }

    public static func subscription(_ db: Database, id: Int64) throws -> WebhookSubscription? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM webhook_subscription s WHERE s.id = ?", arguments: [id]).map(subscription)
    }

    /// Events after the subscription's position that it receives: what is still to deliver.
    public static func pending(_ db: Database, _ subscription: WebhookSubscription) throws -> Int {
        try Outbox.count(db, after: subscription.position, types: subscription.types)
    }

    public static func deadLetters(_ db: Database, subscription: Int64? = nil) throws -> [DeadLetter] {
        var sql = "SELECT subscriptionId, eventId, attempts, lastError, at FROM webhook_dead_letter"
        var arguments: StatementArguments = []
        if let subscription { sql += " WHERE subscriptionId = ?"; arguments = [subscription] }
        return try Row.fetchAll(db, sql: sql + " ORDER BY subscriptionId, eventId", arguments: arguments).map {
            DeadLetter(subscription: $0[0], event: $0[1], attempts: $0[2], lastError: $0[3], at: $0[4])
        }
    }

    // MARK: - Managing subscriptions

    /// A new secret: 32 random bytes, hex, after `whsec_`.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return "whsec_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Subscribe `url` to `events` (types, groups such as `tier.*`, or `*`),
    /// signing with `secret`. It receives the events recorded from now on
    /// (`replay` sends earlier ones).
    public static func add(_ db: Database, url: String, secret: String, events: [String], now: Date) throws -> WebhookSubscription {
        try check(url: url)
        guard secret.count >= 16, secret.count <= 200, secret.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw WebhookFailure(kind: .invalid, field: "secret",
                                 description: "a secret is 16 to 200 visible ASCII characters (leave it out to have one made)")
        }
        let patterns = events.isEmpty ? ["*"] : events
        for (i, pattern) in patterns.enumerated() where WebhookEventType.matching(pattern) == nil {
            let names = WebhookEventType.allCases.map(\.rawValue)
            throw WebhookFailure(kind: .invalid, field: "events[\(i)]", description: "unknown event type '\(pattern)'"
                + Suggestion.didYouMean(pattern, among: names) + " (types: \(names.joined(separator: ", ")); a group such as tier.*; or *)")
        }
        let created = ISO8601DateFormatter().string(from: now)
        try db.execute(sql: "INSERT INTO webhook_subscription (url, secret, events, created, position) VALUES (?, ?, ?, ?, ?)",
                       arguments: [url, secret, patterns.joined(separator: ","), created, try Outbox.lastPosition(db)])
        return try subscription(db, id: db.lastInsertedRowID)!
    }

    /// What a subscription's URL may be (the OpenAPI document states the same
    /// pattern): http or https, a host name or IPv4 address, a port 1...65535,
    /// a path and query of URL characters — no credentials, no #fragment.
    public static let urlPattern = #"""
        ^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?(/([A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*)?(\?([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?$
        """#
    static func check(url: String) throws {
        guard url.count <= 2000, (try? Regex(urlPattern).wholeMatch(in: url)) != nil, let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty, components.fragment == nil,
              components.user == nil, components.password == nil, components.port.map({ (1...65535).contains($0) }) ?? true
        else {
            throw WebhookFailure(kind: .invalid, field: "url",
                                 description: "'\(url)' is not an http or https URL with a host (and no credentials or #fragment), "
                                    + "e.g. https://crm.example.com/hooks/partnerscore")
        }
    }

    /// Stop delivering to a subscription (its dead letters go with it).
    public static func remove(_ db: Database, id: Int64) throws {
        try db.execute(sql: "DELETE FROM webhook_subscription WHERE id = ?", arguments: [id])
        guard db.changesCount > 0 else { throw notFound(id) }
    }

    static func notFound(_ id: Int64) -> WebhookFailure {
        WebhookFailure(kind: .notFound, field: "id", description: "no webhook subscription #\(id) — list them with: partnerscore webhooks list")
    }

    /// Deliver again every event from position `from` on (`from` itself
    /// included) to the subscription (nil: to every one), in order; their
    /// dead letters from there on are cleared. Returns the subscriptions
    /// that will receive them.
    @discardableResult
    public static func replay(_ db: Database, subscription: Int64?, from position: Int64) throws -> [WebhookSubscription] {
        let targets = try subscription.map { id in [try self.subscription(db, id: id) ?? { throw notFound(id) }()] } ?? all(db)
        for target in targets {
            // Clearing the lease makes a delivery in flight notice (its next update finds another position) and start over.
            try db.execute(sql: """
                UPDATE webhook_subscription SET position = ?, attempts = 0, nextAttempt = NULL, lastError = NULL WHERE id = ?
                """, arguments: [max(0, position - 1), target.id])
            try db.execute(sql: "DELETE FROM webhook_dead_letter WHERE subscriptionId = ? AND eventId >= ?", arguments: [target.id, position])
        }
        return try targets.compactMap { try self.subscription(db, id: $0.id) }
    }

    /// Where `replay --since DAY` starts: the first event about that day or a
    /// later one (past the last event when there is none: nothing to send).
    public static func replayStart(_ db: Database, since day: Day) throws -> Int64 {
        try Outbox.firstPosition(db, onOrAfter: day) ?? Outbox.lastPosition(db) + 1
    }

    // MARK: - Delivery (serve), under a lease

    /// Take (or renew) the lease on the subscription for `owner` until `until`
    /// (milliseconds since 1970), unless another owner holds one that has not
    /// expired at `now`. The subscription as it stands, or nil.
    public static func claim(_ db: Database, id: Int64, owner: String, now: Int64, until: Int64) throws -> WebhookSubscription? {
        try db.execute(sql: """
            UPDATE webhook_subscription SET leaseOwner = ?, leaseUntil = ?
            WHERE id = ? AND (leaseOwner IS NULL OR leaseOwner = ? OR leaseUntil <= ?)
            """, arguments: [owner, until, id, owner, now])
        guard db.changesCount > 0 else { return nil }
        return try subscription(db, id: id)
    }

    /// Let the subscription go (another process may take it at once).
    public static func release(_ db: Database, id: Int64, owner: String) throws {
        try db.execute(sql: "UPDATE webhook_subscription SET leaseOwner = NULL, leaseUntil = NULL WHERE id = ? AND leaseOwner = ?",
                       arguments: [id, owner])
    }

    /// Events up to `position` were delivered (`delivered` of them, the
    /// others not for this subscription), renewing the lease. False when the
    /// lease was lost or the position moved meanwhile (a replay): the caller
    /// starts over from what is stored.
    public static func advance(_ db: Database, id: Int64, owner: String, from previous: Int64, to position: Int64, delivered: Int,
                               leaseUntil: Int64) throws -> Bool {
        try db.execute(sql: """
            UPDATE webhook_subscription SET position = ?, attempts = 0, nextAttempt = NULL, lastError = NULL,
                delivered = delivered + ?, leaseUntil = ?
            WHERE id = ? AND leaseOwner = ? AND position = ?
            """, arguments: [position, delivered, leaseUntil, id, owner, previous])
        return db.changesCount > 0
    }

    /// An attempt at the event after `position` failed: remember it, and when to try again.
    public static func failed(_ db: Database, id: Int64, owner: String, position: Int64, attempts: Int, nextAttempt: Int64,
                              error: String, leaseUntil: Int64) throws -> Bool {
        try db.execute(sql: """
            UPDATE webhook_subscription SET attempts = ?, nextAttempt = ?, lastError = ?, leaseUntil = ?
            WHERE id = ? AND leaseOwner = ? AND position = ?
            """, arguments: [attempts, nextAttempt, String(error.prefix(500)), leaseUntil, id, owner, position])
        return db.changesCount > 0
    }

    /// Give up on `event` after its last attempt: a dead letter, and the position moves past it.
    public static func deadLetter(_ db: Database, id: Int64, owner: String, position: Int64, event: Int64, attempts: Int, error: String,
                                  at: Date, leaseUntil: Int64) throws -> Bool {
        try db.execute(sql: """
            UPDATE webhook_subscription SET position = ?, attempts = 0, nextAttempt = NULL, lastError = ?, leaseUntil = ?
            WHERE id = ? AND leaseOwner = ? AND position = ?
            """, arguments: [event, String(error.prefix(500)), leaseUntil, id, owner, position])
        guard db.changesCount > 0 else { return false }
        try db.execute(sql: """
            INSERT INTO webhook_dead_letter (subscriptionId, eventId, attempts, lastError, at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (subscriptionId, eventId) DO UPDATE SET attempts = excluded.attempts, lastError = excluded.lastError, at = excluded.at
            """, arguments: [id, event, attempts, String(error.prefix(500)), ISO8601DateFormatter().string(from: at)])
        return true
    }

    // MARK: - Signatures

    /// `sha256=` and the hex HMAC-SHA256 of `timestamp.body` under `secret`:
    /// the `Webhook-Signature` header a receiver recomputes to check a delivery.
    public static func signature(secret: String, timestamp: Int64, body: String) -> String {
        WebhookSigner(secret: secret).signature(timestamp: timestamp, body: body)
    }
}

/// Signs deliveries with one subscription's secret (the key made once, not per event).
public struct WebhookSigner {
    private let key: SymmetricKey

    public init(secret: String) { key = SymmetricKey(data: Data(secret.utf8)) }

    /// `sha256=` and the hex HMAC-SHA256 of `timestamp.body`.
    public func signature(timestamp: Int64, body: String) -> String {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array(String(timestamp).utf8))
        mac.update(data: [UInt8(ascii: ".")])
        mac.update(data: Array(body.utf8))
        let digits = Array("0123456789abcdef".utf8)
        var text = Array("sha256=".utf8)
        text.reserveCapacity(71)
        for byte in mac.finalize() { text += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
        return String(decoding: text, as: UTF8.self)
    }
}
