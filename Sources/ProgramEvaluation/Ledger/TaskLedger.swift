import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

/// Where a task stands. A person moves it from `open` to `acknowledged`
/// and then `done` (with an outcome) or `dismissed`; a recorded run closes
/// it (`closed`) when its alert resolves or escalates past its step.
public enum TaskStatus: String, Sendable, Codable, CaseIterable {
    case open, acknowledged, done, dismissed, closed

    /// Still waiting for someone: open or acknowledged.
    public var isActive: Bool { self == .open || self == .acknowledged }
}

/// How a task ended. The first four are a person's (`tasks done
/// --outcome`); the last three the run's, closing a task it opened.
public enum TaskOutcome: String, Sendable, Codable, CaseIterable {
    case reached, planAgreed = "plan_agreed", declined, noResponse = "no_response"
    /// The alert resolved while the task was open or acknowledged.
    case resolved
    /// The alert moved on to a later step of the menu.
    case escalated
    /// The alert's step changed otherwise (the menu was edited), or no step applies any more.
    case superseded

    /// The outcomes a person gives a task that is done.
    public static let personal: [TaskOutcome] = [.reached, .planAgreed, .declined, .noResponse]

    /// Whether someone reached the partner (for effectiveness: a `declined` partner was reached too).
    public var reachedPartner: Bool { self == .reached || self == .planAgreed || self == .declined }
}

/// One intervention as tracked work: the task a recorded run opened when a
/// step of the menu came to apply to a partner's alert.
public struct InterventionTask: Sendable, Equatable {
    public var id: Int64
    public var policySet: String
    public var partnerID: String
    public var alert: AlertKey
    /// The menu step (1-based) that opened it.
    public var step: Int
    public var action: String
    /// The step's owner (`CAM`, `partner success`...).
    public var owner: String?
    /// The partner's channel account manager for a CAM step, else the step's queue.
    public var assignee: String
    public var status: TaskStatus
    public var outcome: TaskOutcome?
    public var note: String?
    /// The as-of day of the run that opened it.
    public var opened: Day
    public var openedRun: Int64
    public var acknowledged: Day?
    public var closed: Day?

    /// The task as JSON (snake_case keys, sorted): what `tasks list --format
    /// json`, the API and the `task.*` webhook events carry.
    public func write(to buffer: JSONBuffer) {
        buffer.object { m in
            m.day("acknowledged", acknowledged)
            m.string("action", action)
            m.string("alert", alert.description)
            m.string("assignee", assignee)
            m.day("closed", closed)
            m.integer("id", Int(id))
            m.string("note", note)
            m.day("opened", opened)
            m.integer("opened_run", Int(openedRun))
            m.string("outcome", outcome?.rawValue)
            m.string("owner", owner)
            m.string("partner_id", partnerID)
            m.string("policy_set", policySet)
            m.string("status", status.rawValue)
            m.integer("step", step)
        }
    }

    public var json: String {
        let buffer = JSONBuffer(capacity: 512)
        write(to: buffer)
        return buffer.string
    }
}

/// What is wrong with a task action: names the task and says what to do.
public struct TaskFailure: Error, CustomStringConvertible, Sendable {
    /// `beforeTask`: a day before the task was opened (or acknowledged) — the request is well formed, the
    /// stored task rules it out.
    public enum Kind: Sendable { case notFound, conflict, beforeTask, invalid }
    public var kind: Kind
    public var field: String?
    public var description: String
}

extension TaskFailure: ProblemConvertible {
    public var problem: Problem {
        switch kind {
        case .notFound: Problem("not_found", .notFound, message: description, field: field)
        case .conflict: Problem("task_not_active", .conflict, message: description, field: field)
        case .beforeTask: Problem("day_before_task", .conflict, message: description, field: field)
        case .invalid: Problem("invalid_field", .invalid, message: description, field: field ?? "body")
        }
    }
}

/// The `task` table and everything read or written about it: its one owner.
///
/// - `task` (migration `tasks-v1`): one row per (alert, menu step) a recorded
///   run reached, with the step's action, owner and assignee, the status, a
///   person's outcome and note, and the days it was opened, acknowledged and
///   closed. Ids follow insertion: a run opens tasks in partner id order.
///
/// The run writes through ``RunWriter`` (in its transaction); people act
/// through ``acknowledge(_:id:on:note:)``, ``complete(_:id:outcome:on:note:)``
/// and ``dismiss(_:id:on:note:)``, each writing its `task.*` webhook event in
/// the same transaction; everyone else reads through the named queries here.
public enum TaskLedger {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("tasks-v1", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: """
                CREATE TABLE task (
                    id INTEGER PRIMARY KEY,
                    policySet TEXT NOT NULL,
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    alertId INTEGER NOT NULL REFERENCES alert(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    step INTEGER NOT NULL,
                    action TEXT NOT NULL,
                    owner TEXT,
                    assignee TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'done', 'dismissed', 'closed')),
                    outcome TEXT,
                    note TEXT,
                    opened INTEGER NOT NULL,
                    openedRun INTEGER NOT NULL REFERENCES evaluation_run(id) ON DELETE CASCADE,
                    acknowledged INTEGER,
                    closed INTEGER,
                    UNIQUE (alertId, step)
                );
                CREATE INDEX task_on_partner ON task(partnerNumber, policySet);
                CREATE INDEX task_active_on_assignee ON task(assignee) WHERE status IN ('open', 'acknowledged');
                CREATE INDEX task_acknowledged ON task(policySet, partnerNumber) WHERE status = 'acknowledged';
                """)
        }
    }

    /// `tasks-v1` on PostgreSQL (see ``LedgerSchema/postgresql``).
    static let postgresql: LedgerSchema.PostgresMigration = ("tasks-v1", [
        """
        CREATE TABLE task (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            policySet text COLLATE "C" NOT NULL,
            partnerNumber bigint NOT NULL,
            alertId bigint NOT NULL,
            kind text COLLATE "C" NOT NULL,
            subject text COLLATE "C" NOT NULL,
            step integer NOT NULL,
            action text NOT NULL,
            owner text,
            assignee text COLLATE "C" NOT NULL,
            status text NOT NULL CHECK (status IN ('open', 'acknowledged', 'done', 'dismissed', 'closed')),
            outcome text,
            note text,
            opened integer NOT NULL,
            openedRun bigint NOT NULL,
            acknowledged integer,
            closed integer,
            UNIQUE (alertId, step)
        )
        """,
        "CREATE INDEX task_on_partner ON task(partnerNumber, policySet)",
        "CREATE INDEX task_active_on_assignee ON task(assignee) WHERE status IN ('open', 'acknowledged')",
        "CREATE INDEX task_acknowledged ON task(policySet, partnerNumber) WHERE status = 'acknowledged'",
    ])

    // MARK: - Reading

    static let columns = """
        t.id, t.policySet, p.id, t.kind, t.subject, t.step, t.action, t.owner, t.assignee, t.status, t.outcome, t.note,
        t.opened, t.openedRun, t.acknowledged, t.closed
        """

    /// A row of ``columns`` (engine-neutral: the run reads tasks back on either engine).
    static func task(_ row: SQLRow) throws -> InterventionTask {
        func day(_ i: Int) -> Day? { row.int(i).map { Day(daysSinceEpoch: Int32($0)) } }
        let id = row.int64(0) ?? 0, kindName = row.string(3) ?? "", statusName = row.string(9) ?? ""
        guard let kind = AlertKind(rawValue: kindName), let status = TaskStatus(rawValue: statusName),
              let policySet = row.string(1), let partnerID = row.string(2), let subject = row.string(4), let step = row.int(5),
              let action = row.string(6), let assignee = row.string(8), let opened = day(12), let openedRun = row.int64(13) else {
            throw DatabaseError(message: "task \(id) is unreadable (kind \(kindName), status \(statusName))")
        }
        return InterventionTask(
            id: id, policySet: policySet, partnerID: partnerID, alert: AlertKey(kind: kind, subject: subject), step: step,
            action: action, owner: row.string(7), assignee: assignee, status: status,
            outcome: row.string(10).flatMap(TaskOutcome.init(rawValue:)), note: row.string(11), opened: opened, openedRun: openedRun,
            acknowledged: day(14), closed: day(15))
    }

    /// The tasks a query of ``columns`` returns.
    static func tasks(_ session: any SQLSession, _ sql: String, _ arguments: [SQLValue]) throws -> [InterventionTask] {
        try session.rows(sql, arguments).map(task)
    }

    /// Which tasks `tasks(_:_:)` lists.
    public struct Filter: Sendable {
        public var partnerID: String?
        public var assignee: String?
        public var statuses: [TaskStatus]
        public var policySet: String?
        /// Only tasks with an id below this (pages, newest first).
        public var before: Int64?
        public var limit: Int?

        public init(partnerID: String? = nil, assignee: String? = nil, statuses: [TaskStatus] = [], policySet: String? = nil,
                    before: Int64? = nil, limit: Int? = nil) {
            self.partnerID = partnerID
            self.assignee = assignee
            self.statuses = statuses
            self.policySet = policySet
            self.before = before
            self.limit = limit
        }
    }

    /// The tasks `filter` selects, newest first.
    public static func tasks(_ session: any SQLSession, _ filter: Filter) throws -> [InterventionTask] {
        var conditions: [String] = [], arguments: [SQLValue] = []
        if let partner = filter.partnerID { conditions.append("p.id = ?"); arguments.append(.text(partner)) }
        if let assignee = filter.assignee { conditions.append("t.assignee = ?"); arguments.append(.text(assignee)) }
        if !filter.statuses.isEmpty {
            conditions.append("t.status IN (\(databaseQuestionMarks(count: filter.statuses.count)))")
            arguments += filter.statuses.map { .text($0.rawValue) }
        }
        if let set = filter.policySet { conditions.append("t.policySet = ?"); arguments.append(.text(set)) }
        if let before = filter.before { conditions.append("t.id < ?"); arguments.append(.integer(before)) }
        var sql = "SELECT \(columns) FROM task t JOIN partner p ON p.number = t.partnerNumber"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY t.id DESC"
        if let limit = filter.limit { sql += " LIMIT \(limit)" }
        return try tasks(session, sql, arguments)
    }

    public static func task(_ session: any SQLSession, id: Int64) throws -> InterventionTask? {
        try tasks(session, "SELECT \(columns) FROM task t JOIN partner p ON p.number = t.partnerNumber WHERE t.id = ?", [.integer(id)]).first
    }

    /// The partner's tasks under the set, oldest first (what `explain` shows), read from `store` on either engine.
    public static func tasks(in store: PartnerStore, policySet: String, partnerID: String) throws -> [InterventionTask] {
        try store.database.read { session in
            try session.rows("""
                SELECT \(columns) FROM task t JOIN partner p ON p.number = t.partnerNumber
                WHERE p.id = ? AND t.policySet = ? ORDER BY t.id
                """, [.text(partnerID), .text(policySet)]).map(task)
        }
    }

    /// The acknowledged tasks of the set's partners among `numbers`, by
    /// partner number, as the evaluation takes them: a batch at a time, like
    /// their states. Only acknowledgements dated on or before `asOf` count.
    static func acknowledgedSteps(_ session: any SQLSession, policySet: String, numbers: [Int64],
                                  asOf: Day) throws -> [Int64: [AcknowledgedStep]] {
        var steps: [Int64: [AcknowledgedStep]] = [:]
        guard !numbers.isEmpty else { return steps }
        try session.forEachRow("""
            SELECT partnerNumber, kind, subject, step, acknowledged FROM task
            WHERE policySet = ? AND status = 'acknowledged' AND acknowledged <= ?
              AND partnerNumber IN (\(databaseQuestionMarks(count: numbers.count)))
            ORDER BY id
            """, [.text(policySet), .integer(Int64(asOf.daysSinceEpoch))] + numbers.map(SQLValue.integer)) { row in
            guard let kind = row.string(1).flatMap(AlertKind.init(rawValue:)), let number = row.int64(0), let subject = row.string(2),
                  let step = row.int(3), let acknowledged = row.int(4) else { return }
            steps[number, default: []].append(AcknowledgedStep(alert: AlertKey(kind: kind, subject: subject), step: step,
                                                               on: Day(daysSinceEpoch: Int32(acknowledged))))
        }
        return steps
    }

    /// The partner's acknowledged tasks under the set, as of `asOf` (a live evaluation's input).
    public static func acknowledgedSteps(_ session: any SQLSession, policySet: String, partnerID: String,
                                         asOf: Day) throws -> [AcknowledgedStep] {
        guard let number = try session.row("SELECT number FROM partner WHERE id = ?", [.text(partnerID)])?.int64(0) else { return [] }
        return try acknowledgedSteps(session, policySet: policySet, numbers: [number], asOf: asOf)[number] ?? []
    }

    /// The open or acknowledged task of the partner's open alert `alert` under the set (the latest step's).
    public static func activeTask(_ session: any SQLSession, policySet: String, partnerID: String,
                                  alert: AlertKey) throws -> InterventionTask? {
        try tasks(session, """
            SELECT \(columns) FROM task t JOIN partner p ON p.number = t.partnerNumber
            WHERE p.id = ? AND t.policySet = ? AND t.kind = ? AND t.subject = ? AND t.status IN ('open', 'acknowledged')
            ORDER BY t.id DESC LIMIT 1
            """, [.text(partnerID), .text(policySet), .text(alert.kind.rawValue), .text(alert.subject)]).first
    }

    // MARK: - People's actions

    /// Someone is on it: an open task becomes acknowledged on `on`.
    @discardableResult
    public static func acknowledge(_ session: any SQLSession, id: Int64, on day: Day, note: String?) throws -> InterventionTask {
        var task = try existing(session, id)
        guard task.status == .open else { throw notActive(task, doing: "acknowledged", allowed: "open") }
        try check(day, notBefore: task.opened, "it was opened", task)
        task.status = .acknowledged
        task.acknowledged = day
        if let note { task.note = note }
        try session.execute("UPDATE task SET status = 'acknowledged', acknowledged = ?, note = ? WHERE id = ?",
                            [.integer(Int64(day.daysSinceEpoch)), SQLValue(task.note, SQLValue.text), .integer(id)])
        try Outbox.append(session, .taskAcknowledged, day: day, policySet: task.policySet, partnerID: task.partnerID, data: task.json)
        return task
    }

    /// The intervention happened: an open or acknowledged task is done with `outcome`.
    @discardableResult
    public static func complete(_ session: any SQLSession, id: Int64, outcome: TaskOutcome, on day: Day, note: String?) throws -> InterventionTask {
        guard TaskOutcome.personal.contains(outcome) else {
            throw TaskFailure(kind: .invalid, field: "outcome", description: "'\(outcome.rawValue)' is the run's outcome; a task is done with "
                + TaskOutcome.personal.map(\.rawValue).joined(separator: ", "))
        }
        return try close(session, id: id, status: .done, outcome: outcome, on: day, note: note)
    }

    /// Not worth doing: an open or acknowledged task is dismissed.
    @discardableResult
    public static func dismiss(_ session: any SQLSession, id: Int64, on day: Day, note: String?) throws -> InterventionTask {
        try close(session, id: id, status: .dismissed, outcome: nil, on: day, note: note)
    }

    private static func close(_ session: any SQLSession, id: Int64, status: TaskStatus, outcome: TaskOutcome?, on day: Day,
                              note: String?) throws -> InterventionTask {
        var task = try existing(session, id)
        let verb = status == .done ? "done" : "dismissed"
        guard task.status.isActive else { throw notActive(task, doing: verb, allowed: "open or acknowledged") }
        if let acknowledged = task.acknowledged {
            try check(day, notBefore: acknowledged, "it was acknowledged", task)
        } else {
            try check(day, notBefore: task.opened, "it was opened", task)
        }
        task.status = status
        task.outcome = outcome
        task.closed = day
        if let note { task.note = note }
        try session.execute("UPDATE task SET status = ?, outcome = ?, closed = ?, note = ? WHERE id = ?",
                            [.text(status.rawValue), SQLValue(outcome?.rawValue, SQLValue.text), .integer(Int64(day.daysSinceEpoch)),
                             SQLValue(task.note, SQLValue.text), .integer(id)])
        try Outbox.append(session, status == .done ? .taskDone : .taskDismissed, day: day, policySet: task.policySet,
                          partnerID: task.partnerID, data: task.json)
        return task
    }

    private static func existing(_ session: any SQLSession, _ id: Int64) throws -> InterventionTask {
        guard let task = try task(session, id: id) else {
            throw TaskFailure(kind: .notFound, field: "id", description: "no task #\(id) — list tasks with: partnerscore tasks list")
        }
        return task
    }

    private static func notActive(_ task: InterventionTask, doing verb: String, allowed: String) -> TaskFailure {
        var state = task.status.rawValue
        if let outcome = task.outcome { state += " (\(outcome.rawValue))" }
        if let closed = task.closed { state += " since \(closed)" } else if let day = task.acknowledged { state += " since \(day)" }
        return TaskFailure(kind: .conflict, field: "id",
                           description: "task #\(task.id) of partner \(task.partnerID) is \(state); only an \(allowed) task can be \(verb)")
    }

    private static func check(_ day: Day, notBefore earliest: Day, _ what: String, _ task: InterventionTask) throws {
        guard day >= earliest else {
            throw TaskFailure(kind: .beforeTask, field: "on", description: "task #\(task.id): \(day) is before \(what) (\(earliest)); "
                + "give a day on or after it")
        }
    }

    // MARK: - The run

    /// Opens and closes tasks as a recorded run records each partner's
    /// alerts, in the run's transaction, writing `task.*` events when the
    /// outbox records them.
    struct RunWriter {
        let session: any SQLSession
        let policySet: String
        let runID: Int64
        /// Whether some open alert of the set reached a step before the task
        /// table existed (a database migrated with open alerts): this run then
        /// opens the missing tasks of alerts whose step did not change.
        let backfills: Bool
        private let insert: RunStatement
        /// Batched writes: the task of an alert raised in this run, with a reserved id, in batches sent after the
        /// alerts' (it cannot conflict: its alert is new); nil when prepared.
        private let newAlertInsert: RunStatement?
        private let ids: ReservedIDs?

        /// `alerts`: the run's insert of new alerts, which a batch of tasks is sent after.
        init(_ session: any SQLSession, _ writes: LedgerWrites, policySet: String, runID: Int64, alerts: RunStatement?) throws {
            self.session = session
            self.policySet = policySet
            self.runID = runID
            backfills = try session.row("""
                SELECT CASE WHEN EXISTS (SELECT 1 FROM alert a WHERE a.policySet = ? AND a.resolved IS NULL AND a.step > 0
                               AND NOT EXISTS (SELECT 1 FROM task t WHERE t.alertId = a.id AND t.step = a.step)) THEN 1 ELSE 0 END
                """, [.text(policySet)])?.bool(0) ?? false
            // Batched: with a reserved id (the 12th parameter), so every task of the run is numbered in the run's order.
            let batchedWrites = writes != .prepared
            insert = try .single(session, writes, """
                INSERT INTO task (policySet, partnerNumber, alertId, kind, subject, step, action, owner, assignee, status, opened, openedRun\(
                    batchedWrites ? ", id" : ""))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?\(batchedWrites ? ", ?" : "")) ON CONFLICT (alertId, step) DO NOTHING
                """, parameters: batchedWrites ? 12 : 11)
            if case .batched = writes {
                let batched = try RunStatement.insert(session, writes, into: "task", columns: [
                    "policySet", "partnerNumber", "alertId", "kind", "subject", "step", "action", "owner", "assignee", "opened", "openedRun",
                    "status", "id",
                ])
                batched.after = alerts.map { [$0] } ?? []
                newAlertInsert = batched
                ids = ReservedIDs(session, table: "task")
            } else {
                (newAlertInsert, ids) = (nil, nil)
            }
        }

        /// Whether recording `alert` (at `previousStep` before, nil: raised now) may open a task (``record``'s condition).
        func mayOpen(_ alert: AlertResult, previousStep: Int?, menu: [InterventionStep]) -> Bool {
            alert.step > 0 && (previousStep != alert.step || backfills) && alert.step <= menu.count
        }

        /// Reserve the ids of `count` tasks (``Ledger/reserveIDs(for:)``).
        func reserveIDs(_ count: Int) throws { try ids?.reserve(count) }

        /// Send the tasks a batched run still holds (after the alerts they belong to).
        func flush() throws {
            try newAlertInsert?.flush()
        }

        /// An alert of the partner now at `alert.step` (`previousStep` when it was recorded before, nil when
        /// raised now): close the tasks of other steps, open this step's if it has none.
        func record(alert: AlertResult, alertID: Int64, previousStep: Int?, partnerNumber: Int64, partnerID: String,
                    cam: String?, menu: [InterventionStep], asOf: Day, outbox: Outbox.RunWriter?) throws {
            if previousStep != alert.step, previousStep.map({ $0 > 0 }) == true {
                try closeActive(alertID: alertID, outcome: (previousStep ?? 0) < alert.step ? .escalated : .superseded,
                                asOf: asOf, outbox: outbox)
            }
            guard mayOpen(alert, previousStep: previousStep, menu: menu) else { return }
            let step = menu[alert.step - 1]
            // A new alert's task cannot exist yet: batched with a reserved id when writes are batched.
            let batched = previousStep == nil ? newAlertInsert : nil
            let i = batched ?? insert
            i.text(1, policySet)
            i.int64(2, partnerNumber)
            i.int64(3, alertID)
            i.text(4, alert.key.kind.rawValue)
            i.text(5, alert.key.subject)
            i.int(6, alert.step)
            i.text(7, step.action)
            i.text(8, step.owner)
            let assignee = step.assignee(cam: cam)
            i.text(9, assignee)
            i.int32(10, asOf.daysSinceEpoch)
            i.int64(11, runID)
            let what = "the task of alert \(alert.key) of partner \(partnerID)"
            let id: Int64
            if let batched, let ids {
                batched.text(12, TaskStatus.open.rawValue)
                id = try ids.next()
                batched.int64(13, id)
                try batched.execute(what)
            } else if let ids {
                // The alert's task for this step may exist: one row at once, to learn whether it was inserted.
                let reserved = try ids.next()
                i.int64(12, reserved)
                // nil: the step's task exists (ON CONFLICT DO NOTHING); the next task takes the id.
                guard try i.executeReturningID(what) != nil else { return ids.giveBack(reserved) }
                id = reserved
            } else {
                // nil: the step's task exists (ON CONFLICT DO NOTHING).
                guard let inserted = try i.executeReturningID(what) else { return }
                id = inserted
            }
            guard outbox != nil else { return }
            let task = InterventionTask(id: id, policySet: policySet, partnerID: partnerID, alert: alert.key,
                                        step: alert.step, action: step.action, owner: step.owner, assignee: assignee, status: .open,
                                        outcome: nil, note: nil, opened: asOf, openedRun: runID, acknowledged: nil, closed: nil)
            try outbox?.append(.taskOpened, partnerID: partnerID) { task.write(to: $0) }
        }

        /// The alert resolved: its open and acknowledged tasks close with `resolved`.
        func resolved(alertID: Int64, asOf: Day, outbox: Outbox.RunWriter?) throws {
            try closeActive(alertID: alertID, outcome: .resolved, asOf: asOf, outbox: outbox)
        }

        private func closeActive(alertID: Int64, outcome: TaskOutcome, asOf: Day, outbox: Outbox.RunWriter?) throws {
            let sql = """
                UPDATE task SET status = 'closed', outcome = ?, closed = ? WHERE alertId = ? AND status IN ('open', 'acknowledged')
                RETURNING id
                """
            let ids: [Int64]
            if let db = (session as? GRDBSession)?.db {
                // SQLite: prepared once per run, not once per alert.
                ids = try Int64.fetchAll(try db.cachedStatement(sql: sql), arguments: [outcome.rawValue, asOf.daysSinceEpoch, alertID])
            } else {
                ids = try session.rows(sql, [.text(outcome.rawValue), .integer(Int64(asOf.daysSinceEpoch)), .integer(alertID)])
                    .compactMap { $0.int64(0) }
            }
            guard outbox != nil else { return }
            for id in ids.sorted() {
                guard let task = try session.row("""
                    SELECT \(columns) FROM task t JOIN partner p ON p.number = t.partnerNumber WHERE t.id = ?
                    """, [.integer(id)]).map(TaskLedger.task) else { continue }
                try outbox?.append(.taskClosed, partnerID: task.partnerID) { task.write(to: $0) }
            }
        }
    }

    // MARK: - Facts for the analytics

    /// One task as the program figures read it: with its partner's program and the day its alert resolved.
    public struct Fact: Sendable {
        public var task: InterventionTask
        public var program: String
        /// When its alert resolved (nil: still open).
        public var alertResolved: Day?
    }

    /// Every task opened on or before `asOf`, in id order, with the partner's
    /// program and the day its alert resolved — all from the ledger.
    public static func facts(_ session: any SQLSession, asOf: Day) throws -> [Fact] {
        guard try session.tableExists("task") else { return [] }
        var facts: [Fact] = []
        try session.forEachRow("""
            SELECT \(columns), p.program, a.resolved
            FROM task t JOIN partner p ON p.number = t.partnerNumber JOIN alert a ON a.id = t.alertId
            WHERE t.opened <= ? ORDER BY t.id
            """, [.integer(Int64(asOf.daysSinceEpoch))]) { row in
            facts.append(Fact(task: try task(row), program: row.string(16) ?? "", alertResolved: row.int(17).map { Day(daysSinceEpoch: Int32($0)) }))
        }
        return facts
    }
}
