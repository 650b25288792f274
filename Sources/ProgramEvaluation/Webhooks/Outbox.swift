import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

/// What happened, as a webhook event type.
public enum WebhookEventType: String, Sendable, Codable, CaseIterable, Comparable {
    case tierAssigned = "tier.assigned", tierUpgraded = "tier.upgraded", tierDemoted = "tier.demoted"
    case reviewOpened = "review.opened", reviewCleared = "review.cleared"
    case gateWarning = "gate.warning", gateLapsed = "gate.lapsed", gateRestored = "gate.restored"
    case alertRaised = "alert.raised", alertEscalated = "alert.escalated", alertResolved = "alert.resolved"
    case taskOpened = "task.opened", taskAcknowledged = "task.acknowledged", taskDone = "task.done"
    case taskDismissed = "task.dismissed", taskClosed = "task.closed"
    case activityIngested = "activity.ingested"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// What happened, in words (the OpenAPI document's summary of the delivery).
    public var meaning: String {
        switch self {
        case .tierAssigned: "A partner got its first tier (tier_event assigned)"
        case .tierUpgraded: "A partner was promoted"
        case .tierDemoted: "A partner was demoted at the end of its tier review"
        case .reviewOpened: "A partner fell below its tier's maintenance criteria: tier review until the deadline"
        case .reviewCleared: "A partner in tier review recovered"
        case .gateWarning: "A compliance credential entered its warning window"
        case .gateLapsed: "A compliance credential lapsed: products and benefits suspended"
        case .gateRestored: "A lapsed compliance credential was renewed"
        case .alertRaised: "An alert was raised (with its menu step, if one applies at once)"
        case .alertEscalated: "An open alert moved to a later step of the menu (previous_step says from where)"
        case .alertResolved: "An open alert resolved"
        case .taskOpened: "A run opened a task for a menu step"
        case .taskAcknowledged: "Someone acknowledged a task"
        case .taskDone: "A task was done, with its outcome"
        case .taskDismissed: "A task was dismissed"
        case .taskClosed: "A run closed a task: its alert resolved (outcome resolved) or moved on (escalated, superseded)"
        case .activityIngested: "A batch of activity was ingested through POST /v1/activity (partner_id set when the batch is about one partner)"
        }
    }

    /// Every pattern ``matching(_:)`` accepts: `*`, each group (`tier.*`) and each type.
    public static var patterns: [String] {
        var groups: [String] = []
        for type in allCases {
            let group = String(type.rawValue.prefix { $0 != "." }) + ".*"
            if !groups.contains(group) { groups.append(group) }
        }
        return ["*"] + groups + allCases.map(\.rawValue)
    }

    /// The types a subscription's `events` entry names: a type, a group (`tier.*`) or `*`; nil when it names none.
    public static func matching(_ pattern: String) -> [WebhookEventType]? {
        if pattern == "*" { return allCases }
        if pattern.hasSuffix(".*") {
            let group = pattern.dropLast(1)
            let types = allCases.filter { $0.rawValue.hasPrefix(group) }
            return types.isEmpty ? nil : types
        }
        return WebhookEventType(rawValue: pattern).map { [$0] }
    }
}

/// One event of the outbox, as it is delivered.
public struct OutboxEvent: Sendable, Equatable {
    /// Its position in the outbox: events are delivered to each subscription in this order.
    public var id: Int64
    public var type: WebhookEventType
    /// The day it is about: a run's as-of day, an ingest's or a task action's day.
    public var day: Day
    public var policySet: String?
    public var partnerID: String?
    public var runID: Int64?
    /// The event's own data (JSON).
    public var data: String

    /// The stable id receivers see (`Webhook-Id`), the same at every attempt and replay.
    public var eventID: String { Self.eventID(id) }

    public static func eventID(_ id: Int64) -> String { "evt_\(id)" }

    /// `evt_123` (or `123`) → 123.
    public static func position(of eventID: String) -> Int64? {
        let digits = eventID.hasPrefix("evt_") ? eventID.dropFirst(4) : Substring(eventID)
        guard let id = Int64(digits), id > 0 else { return nil }
        return id
    }

    /// The request body a subscriber receives (snake_case keys, sorted): the
    /// same bytes at every attempt, so its signature can be checked again.
    public var body: String {
        let buffer = JSONBuffer(capacity: data.utf8.count + 160)
        buffer.object { m in
            m.json("data", data)
            m.string("id", eventID)
            m.day("occurred_on", day)
            m.nullable("partner_id", partnerID, explicit: true)
            m.nullable("policy_set", policySet, explicit: true)
            if let runID { m.integer("run_id", Int(runID)) } else { m.nullable("run_id", nil as String?, explicit: true) }
            m.string("type", type.rawValue)
        }
        return buffer.string
    }
}

/// The `outbox` table: its one owner. Events are written in the same
/// transaction as what they report (a recorded run, an ingest, a task
/// action), so an event exists exactly when its change was committed;
/// `serve` delivers them to the subscriptions (``WebhookSubscriptions``).
///
/// - `outbox` (migration `webhooks-v1`): id (the delivery order), type, day,
///   policy set, partner id, run id and the event's data as JSON.
///
/// Events are recorded only while at least one webhook subscription exists:
/// a program without subscribers pays nothing for them.
///
/// Ids become visible in id order, so a deliverer that reads "after
/// position N" never passes an id that commits later. On SQLite there is
/// one writer. On PostgreSQL every writer takes the order lock
/// (``orderLockKey``) just before it inserts and holds it until its commit:
/// ids are taken under the lock (from the shared identity sequence, which
/// caches none per connection), and the lock is released only once the
/// commit is visible, so a lower id is committed (or rolled back) before a
/// higher one is taken. A recorded run, which may last minutes, stages its
/// events in a temporary table and moves them in one statement at its end
/// (``publishStaged(_:)``), so it holds the lock only for that move and
/// ingest goes on meanwhile.
public enum Outbox {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("webhooks-v1", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: """
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    type TEXT NOT NULL,
                    day INTEGER NOT NULL,
                    policySet TEXT,
                    partnerId TEXT,
                    runId INTEGER,
                    data TEXT NOT NULL
                );
                """)
            try WebhookSubscriptions.createTables(db)
        }
    }

    /// `webhooks-v1` on PostgreSQL (see ``LedgerSchema/postgresql``), with the subscriptions' tables.
    static let postgresql: LedgerSchema.PostgresMigration = ("webhooks-v1", [
        """
        CREATE TABLE outbox (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            type text NOT NULL,
            day integer NOT NULL,
            policySet text COLLATE "C",
            partnerId text COLLATE "C",
            runId bigint,
            data text NOT NULL
        )
        """,
        """
        CREATE TABLE webhook_subscription (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            url text NOT NULL,
            secret text NOT NULL,
            events text NOT NULL,
            created text NOT NULL,
            position bigint NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            nextAttempt bigint,
            lastError text,
            delivered integer NOT NULL DEFAULT 0,
            leaseOwner text,
            leaseUntil bigint
        )
        """,
        """
        CREATE TABLE webhook_dead_letter (
            subscriptionId bigint NOT NULL REFERENCES webhook_subscription(id) ON DELETE CASCADE,
            eventId bigint NOT NULL,
            attempts integer NOT NULL,
            lastError text NOT NULL,
            at text NOT NULL,
            PRIMARY KEY (subscriptionId, eventId)
        )
        """,
    ])

    /// Whether events are recorded now (some subscription exists).
    public static func isRecording(_ session: any SQLSession) throws -> Bool {
        try WebhookSubscriptions.exist(session)
    }

    /// Record one event, if events are recorded. Call it last in the
    /// transaction: on PostgreSQL it holds the order lock until the commit.
    public static func append(_ session: any SQLSession, _ type: WebhookEventType, day: Day, policySet: String?, partnerID: String?,
                              runID: Int64? = nil, data: String) throws {
        guard try isRecording(session) else { return }
        try lockOrder(session)
        try session.execute("INSERT INTO outbox (type, day, policySet, partnerId, runId, data) VALUES (?, ?, ?, ?, ?, ?)",
                            [.text(type.rawValue), .integer(Int64(day.daysSinceEpoch)), SQLValue(policySet, SQLValue.text),
                             SQLValue(partnerID, SQLValue.text), SQLValue(runID, SQLValue.integer), .text(data)])
    }

    /// Events of a recorded run. A run writes hundreds of thousands at its
    /// first evaluation of a program (a tier, an alert and a task for most
    /// partners), so on SQLite they are inserted 64 rows per execution of one
    /// prepared statement whose run-wide values (day, set, run) are bound
    /// once; batched writes (``LedgerWrites``) go through a ``RunStatement``
    /// — on PostgreSQL into the run's staging table (``stagedTable``), which
    /// ``publishStaged(_:)`` moves into `outbox` when the run's transaction
    /// ends (``ProgramRun/onPostgres(_:sets:dryRun:_:)`` calls it; staged rows
    /// are dropped at the commit).
    final class RunWriter {
        static let rowsPerStatement = 64
        private enum Way {
            case prepared(many: StatementBinder, one: StatementBinder)
            case batched(RunStatement, day: Day, policySet: String, runID: Int64)
        }
        private let way: Way
        /// The pending rows: their data back to back in `data`, each ending at `ends[i]`.
        private let data = JSONBuffer(capacity: 64 * 512)
        private var types: [WebhookEventType] = [], partners: [String] = [], ends: [Int] = []

        /// nil when events are not recorded (no subscription).
        init?(_ session: any SQLSession, _ writes: LedgerWrites, day: Day, policySet: String, runID: Int64) throws {
            guard try WebhookSubscriptions.exist(session) else { return nil }
            switch writes {
            case .batched:
                way = .batched(try .insert(session, writes, into: try stage(session), columns: columns), day: day, policySet: policySet,
                               runID: runID)
            case .prepared:
                guard let db = (session as? GRDBSession)?.db else { preconditionFailure("prepared outbox writes are SQLite's") }
                // ?1 day, ?2 set, ?3 run; then each row's type, partner and data.
                let rows = (0..<Self.rowsPerStatement).map { i in "(?\(4 + 3 * i), ?1, ?2, ?\(5 + 3 * i), ?3, ?\(6 + 3 * i))" }
                let many = StatementBinder(try db.makeStatement(sql: "INSERT INTO outbox (type, day, policySet, partnerId, runId, data) VALUES "
                    + rows.joined(separator: ", ")))
                let one = StatementBinder(try db.makeStatement(sql: "INSERT INTO outbox (type, day, policySet, partnerId, runId, data) VALUES (?4, ?1, ?2, ?5, ?3, ?6)"))
                for statement in [many, one] {
                    statement.int32(1, day.daysSinceEpoch)
                    statement.text(2, policySet)
                    statement.int64(3, runID)
                }
                way = .prepared(many: many, one: one)
            }
            types.reserveCapacity(Self.rowsPerStatement)
            partners.reserveCapacity(Self.rowsPerStatement)
            ends.reserveCapacity(Self.rowsPerStatement)
        }

        /// Append an event of `partnerID` whose data `write` writes.
        func append(_ type: WebhookEventType, partnerID: String, _ write: (JSONBuffer) -> Void) throws {
            write(data)
            types.append(type)
            partners.append(partnerID)
            ends.append(data.count)
            if types.count == Self.rowsPerStatement { try flush() }
        }

        /// Insert the pending rows (the run calls it once more at its end).
        func flush() throws {
            if !types.isEmpty { try writePending() }
            if case .batched(let s, _, _, _) = way { try s.flush() }
        }

        private func writePending() throws {
            let full = types.count == Self.rowsPerStatement
            try data.withBytes { bytes in
                var start = 0
                for i in types.indices {
                    let row = UnsafeRawBufferPointer(rebasing: bytes[start..<ends[i]])
                    start = ends[i]
                    switch way {
                    case .batched(let s, let day, let policySet, let runID):
                        s.text(1, types[i].rawValue)
                        s.int32(2, day.daysSinceEpoch)
                        s.text(3, policySet)
                        s.text(4, partners[i])
                        s.int64(5, runID)
                        s.text(6, row)
                        try s.execute("the \(types[i].rawValue) event of partner \(partners[i])")
                    case .prepared(let many, let one):
                        let s = full ? many : one
                        let base = Int32(full ? 3 * i : 0)
                        s.text(4 + base, types[i].rawValue)
                        s.text(5 + base, partners[i])
                        s.text(6 + base, row)
                        if !full { try s.execute("the \(types[i].rawValue) event of partner \(partners[i])") }
                    }
                }
                if full, case .prepared(let many, _) = way {
                    try many.execute("the events of partners \(partners[0]) to \(partners[partners.count - 1])")
                }
            }
            data.removeAll()
            types.removeAll(keepingCapacity: true)
            partners.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
        }
    }

    /// The columns an event is written with (its id is the outbox's to give).
    static let columns = ["type", "day", "policySet", "partnerId", "runId", "data"]

    // MARK: - Order on PostgreSQL

    /// The outbox's order lock (``PostgresAdvisoryLock/key(_:)`` of "outbox").
    static let orderLockKey = PostgresAdvisoryLock.key("outbox")

    /// Where a run's events wait for their ids on PostgreSQL: a temporary
    /// table of the run's transaction (gone at its commit or rollback),
    /// numbered in the order the run writes them.
    static let stagedTable = "pg_temp.outbox_staged"

    /// PostgreSQL: hold the order lock until the transaction ends (SQLite, one writer: nothing).
    private static func lockOrder(_ session: any SQLSession) throws {
        guard session.engine == .postgresql else { return }
        try PostgresAdvisoryLock.holdUntilCommit(session, key: orderLockKey)
    }

    /// The table a run writes its events to: `outbox` on SQLite; on
    /// PostgreSQL the staging table, made for the transaction if it is not yet
    /// (the runs of `evaluate --all-or-nothing` share one), with the outbox's
    /// columns and `seq`, the order they were written in.
    private static func stage(_ session: any SQLSession) throws -> String {
        guard session.engine == .postgresql else { return "outbox" }
        try session.execute("""
            CREATE TEMPORARY TABLE IF NOT EXISTS outbox_staged ON COMMIT DROP
            AS SELECT \(columns.joined(separator: ", ")) FROM outbox WITH NO DATA
            """, [])
        try session.execute("ALTER TABLE \(stagedTable) ADD COLUMN IF NOT EXISTS seq bigint GENERATED ALWAYS AS IDENTITY", [])
        return stagedTable
    }

    /// PostgreSQL, at the end of a recorded run's transaction, just before
    /// its commit: move the events its runs staged into `outbox` in the order
    /// they were written, under the order lock (nothing when none were staged).
    public static func publishStaged(_ session: any SQLSession) throws {
        guard session.engine == .postgresql,
              try session.row("SELECT to_regclass(?) IS NOT NULL", [.text(stagedTable)])?.bool(0) == true else { return }
        try lockOrder(session)
        let names = columns.joined(separator: ", ")
        try session.execute("INSERT INTO outbox (\(names)) SELECT \(names) FROM \(stagedTable) ORDER BY seq", [])
    }

    // MARK: - Reading

    static let eventColumns = "id, type, day, policySet, partnerId, runId, data"

    /// A row of ``eventColumns``.
    static func event(_ row: SQLRow) throws -> OutboxEvent {
        let id = row.int64(0) ?? 0, typeName = row.string(1) ?? ""
        guard let type = WebhookEventType(rawValue: typeName), let day = row.day(2), let data = row.string(6) else {
            throw PartnerStoreError("outbox event \(id) is unreadable (type '\(typeName)')",
                                    hint: "the database was changed outside partnerscore or by an incompatible version")
        }
        return OutboxEvent(id: id, type: type, day: day, policySet: row.string(3), partnerID: row.string(4), runID: row.int64(5),
                           data: data)
    }

    /// `AND type IN (…)` for `types` (nothing when nil or every type), with its arguments.
    private static func typeCondition(_ types: [WebhookEventType]?) -> (sql: String, arguments: [SQLValue]) {
        guard let types, types.count < WebhookEventType.allCases.count else { return ("", []) }
        return (" AND type IN (\(GRDBSession.placeholders(types.count)))", types.map { .text($0.rawValue) })
    }

    /// Up to `limit` events after position `after`, in order, of `types` (nil: every type).
    public static func events(_ session: any SQLSession, after: Int64, types: [WebhookEventType]?, limit: Int) throws -> [OutboxEvent] {
        let condition = typeCondition(types)
        return try session.rows("SELECT \(eventColumns) FROM outbox WHERE id > ?\(condition.sql) ORDER BY id LIMIT \(limit)",
                                [.integer(after)] + condition.arguments).map(event)
    }

    public static func event(_ session: any SQLSession, id: Int64) throws -> OutboxEvent? {
        try session.row("SELECT \(eventColumns) FROM outbox WHERE id = ?", [.integer(id)]).map(event)
    }

    /// The first event about a day on or after `day` (what `replay --since` starts from).
    public static func firstPosition(_ session: any SQLSession, onOrAfter day: Day) throws -> Int64? {
        try session.row("SELECT MIN(id) FROM outbox WHERE day >= ?", [.integer(Int64(day.daysSinceEpoch))])?.int64(0)
    }

    /// The latest event's position (0: none yet).
    public static func lastPosition(_ session: any SQLSession) throws -> Int64 {
        try session.row("SELECT MAX(id) FROM outbox")?.int64(0) ?? 0
    }

    /// How many events after `position` are of `types` (nil: every type).
    static func count(_ session: any SQLSession, after position: Int64, types: [WebhookEventType]?) throws -> Int {
        let condition = typeCondition(types)
        return try session.row("SELECT COUNT(*) FROM outbox WHERE id > ?\(condition.sql)", [.integer(position)] + condition.arguments)?
            .int(0) ?? 0
    }
}
