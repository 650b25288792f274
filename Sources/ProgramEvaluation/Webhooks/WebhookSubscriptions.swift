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

extension WebhookFailure: ProblemConvertible {
    public var problem: Problem {
        switch kind {
        case .notFound: Problem("not_found", .notFound, message: description, field: field)
        case .invalid: Problem("invalid_field", .invalid, message: description, field: field)
        }
    }
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

    /// A row of ``columns``.
    static func subscription(_ row: SQLRow) throws -> WebhookSubscription {
        let id = row.int64(0) ?? 0
        guard let url = row.string(1), let secret = row.string(2), let events = row.string(3), let created = row.string(4),
              let position = row.int64(5), let attempts = row.int(6), let delivered = row.int(9), let deadLetters = row.int(10) else {
            throw PartnerStoreError("webhook subscription #\(id) is unreadable",
                                    hint: "the database was changed outside partnerscore or by an incompatible version")
        }
        return WebhookSubscription(id: id, url: url, secret: secret, events: events.split(separator: ",").map(String.init),
                                   created: created, position: position, attempts: attempts, nextAttempt: row.int64(7),
                                   lastError: row.string(8), delivered: delivered, deadLetters: deadLetters)
    }

    /// Whether any subscription exists (then the outbox records events), on a database of either engine; false
    /// on one opened without the ledger's migrations.
    static func exist(_ session: any SQLSession) throws -> Bool {
        try session.tableExists("webhook_subscription")
            && (try session.row("SELECT CASE WHEN EXISTS (SELECT 1 FROM webhook_subscription) THEN 1 ELSE 0 END")?.bool(0) ?? false)
    }

    public static func all(_ session: any SQLSession) throws -> [WebhookSubscription] {
        try session.rows("SELECT \(columns) FROM webhook_subscription s ORDER BY s.id").map(subscription)
    }

    public static func subscription(_ session: any SQLSession, id: Int64) throws -> WebhookSubscription? {
        try session.row("SELECT \(columns) FROM webhook_subscription s WHERE s.id = ?", [.integer(id)]).map(subscription)
    }

    /// Events after the subscription's position that it receives: what is still to deliver.
    public static func pending(_ session: any SQLSession, _ subscription: WebhookSubscription) throws -> Int {
        try Outbox.count(session, after: subscription.position, types: subscription.types)
    }

    public static func deadLetters(_ session: any SQLSession, subscription: Int64? = nil) throws -> [DeadLetter] {
        var sql = "SELECT subscriptionId, eventId, attempts, lastError, at FROM webhook_dead_letter"
        var arguments: [SQLValue] = []
        if let subscription { sql += " WHERE subscriptionId = ?"; arguments = [.integer(subscription)] }
        return try session.rows(sql + " ORDER BY subscriptionId, eventId", arguments).map { row in
            guard let subscription = row.int64(0), let event = row.int64(1), let attempts = row.int(2), let error = row.string(3),
                  let at = row.string(4) else {
                throw PartnerStoreError("a dead letter of webhook subscription #\(row.int64(0) ?? 0) is unreadable",
                                        hint: "the database was changed outside partnerscore or by an incompatible version")
            }
            return DeadLetter(subscription: subscription, event: event, attempts: attempts, lastError: error, at: at)
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
    public static func add(_ session: any SQLSession, url: String, secret: String, events: [String], now: Date) throws -> WebhookSubscription {
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
        let inserted = try session.row("""
            INSERT INTO webhook_subscription (url, secret, events, created, position) VALUES (?, ?, ?, ?, ?) RETURNING id
            """, [.text(url), .text(secret), .text(patterns.joined(separator: ",")), .text(created), .integer(try Outbox.lastPosition(session))])
        guard let id = inserted?.int64(0), let added = try subscription(session, id: id) else {
            throw PartnerStoreError("the new webhook subscription for \(url) was not stored", hint: "try again")
        }
        return added
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
    public static func remove(_ session: any SQLSession, id: Int64) throws {
        guard try session.execute("DELETE FROM webhook_subscription WHERE id = ?", [.integer(id)]) > 0 else { throw notFound(id) }
    }

    static func notFound(_ id: Int64) -> WebhookFailure {
        WebhookFailure(kind: .notFound, field: "id", description: "no webhook subscription #\(id) — list them with: partnerscore webhooks list")
    }

    /// Deliver again every event from position `from` on (`from` itself
    /// included) to the subscription (nil: to every one), in order; their
    /// dead letters from there on are cleared. Returns the subscriptions
    /// that will receive them.
    @discardableResult
    public static func replay(_ session: any SQLSession, subscription: Int64?, from position: Int64) throws -> [WebhookSubscription] {
        let targets = try subscription.map { id in [try self.subscription(session, id: id) ?? { throw notFound(id) }()] } ?? all(session)
        for target in targets {
            // Clearing the lease makes a delivery in flight notice (its next update finds another position) and start over.
            try session.execute("""
                UPDATE webhook_subscription SET position = ?, attempts = 0, nextAttempt = NULL, lastError = NULL WHERE id = ?
                """, [.integer(max(0, position - 1)), .integer(target.id)])
            try session.execute("DELETE FROM webhook_dead_letter WHERE subscriptionId = ? AND eventId >= ?",
                                [.integer(target.id), .integer(position)])
        }
        return try targets.compactMap { try self.subscription(session, id: $0.id) }
    }

    /// Where `replay --since DAY` starts: the first event about that day or a
    /// later one (past the last event when there is none: nothing to send).
    public static func replayStart(_ session: any SQLSession, since day: Day) throws -> Int64 {
        try Outbox.firstPosition(session, onOrAfter: day) ?? Outbox.lastPosition(session) + 1
    }

    // MARK: - Delivery (serve), under a lease

    /// Take (or renew) the lease on the subscription for `owner` until `until`
    /// (milliseconds since 1970), unless another owner holds one that has not
    /// expired at `now`. The subscription as it stands, or nil.
    public static func claim(_ session: any SQLSession, id: Int64, owner: String, now: Int64, until: Int64) throws -> WebhookSubscription? {
        let claimed = try session.execute("""
            UPDATE webhook_subscription SET leaseOwner = ?, leaseUntil = ?
            WHERE id = ? AND (leaseOwner IS NULL OR leaseOwner = ? OR leaseUntil <= ?)
            """, [.text(owner), .integer(until), .integer(id), .text(owner), .integer(now)])
        guard claimed > 0 else { return nil }
        return try subscription(session, id: id)
    }

    /// Let the subscription go (another process may take it at once).
    public static func release(_ session: any SQLSession, id: Int64, owner: String) throws {
        try session.execute("UPDATE webhook_subscription SET leaseOwner = NULL, leaseUntil = NULL WHERE id = ? AND leaseOwner = ?",
                            [.integer(id), .text(owner)])
    }

    /// Events up to `position` were delivered (`delivered` of them, the
    /// others not for this subscription), renewing the lease. False when the
    /// lease was lost or the position moved meanwhile (a replay): the caller
    /// starts over from what is stored.
    public static func advance(_ session: any SQLSession, id: Int64, owner: String, from previous: Int64, to position: Int64,
                               delivered: Int, leaseUntil: Int64) throws -> Bool {
        try session.execute("""
            UPDATE webhook_subscription SET position = ?, attempts = 0, nextAttempt = NULL, lastError = NULL,
                delivered = delivered + ?, leaseUntil = ?
            WHERE id = ? AND leaseOwner = ? AND position = ?
            """, [.integer(position), SQLValue(delivered), .integer(leaseUntil), .integer(id), .text(owner), .integer(previous)]) > 0
    }

    /// An attempt at the event after `position` failed: remember it, and when to try again.
    public static func failed(_ session: any SQLSession, id: Int64, owner: String, position: Int64, attempts: Int, nextAttempt: Int64,
                              error: String, leaseUntil: Int64) throws -> Bool {
        try session.execute("""
            UPDATE webhook_subscription SET attempts = ?, nextAttempt = ?, lastError = ?, leaseUntil = ?
            WHERE id = ? AND leaseOwner = ? AND position = ?
            """, [SQLValue(attempts), .integer(nextAttempt), .text(String(error.prefix(500))), .integer(leaseUntil), .integer(id),
                  .text(owner), .integer(position)]) > 0
    }

    /// Give up on `event` after its last attempt: a dead letter, and the position moves past it.
    public static func deadLetter(_ session: any SQLSession, id: Int64, owner: String, position: Int64, event: Int64, attempts: Int, error: String,
                                  at: Date, leaseUntil: Int64) throws -> Bool {
        let moved = try session.execute("""
            UPDATE webhook_subscription SET position = ?, attempts = 0, nextAttempt = NULL, lastError = ?, leaseUntil = ?
            WHERE id = ? AND leaseOwner = ? AND position = ?
            """, [.integer(event), .text(String(error.prefix(500))), .integer(leaseUntil), .integer(id), .text(owner), .integer(position)])
        guard moved > 0 else { return false }
        try session.execute("""
            INSERT INTO webhook_dead_letter (subscriptionId, eventId, attempts, lastError, at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (subscriptionId, eventId) DO UPDATE SET attempts = excluded.attempts, lastError = excluded.lastError, at = excluded.at
            """, [.integer(id), .integer(event), SQLValue(attempts), .text(String(error.prefix(500))),
                  .text(ISO8601DateFormatter().string(from: at))])
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
