import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

/// Reads and writes the engine's tables for one policy set inside one
/// database transaction, on either engine: reads in portable SQL through
/// ``SQLSession``, a run's writes through ``RunStatement`` (prepared on
/// SQLite, batched elsewhere: ``LedgerWrites``).
struct Ledger {
    let session: any SQLSession
    let policySet: String
    let writes: LedgerWrites
    private(set) var runID: Int64?
    /// Open alert rows: partner number → alert key → row id and the step recorded.
    private var openAlertIDs: [Int64: [AlertKey: (id: Int64, step: Int)]] = [:]
    /// The run's tasks and events (nil until the run begins; events only while a subscription exists).
    private var tasks: TaskLedger.RunWriter?
    private var events: Outbox.RunWriter?
    /// Each program's intervention menu (what a task's step, owner and queue come from).
    private var menus: [String: [InterventionStep]] = [:]
    private let encoder: JSONEncoder

    init(session: any SQLSession, policySet: String, writes: LedgerWrites? = nil) {
        self.session = session
        self.policySet = policySet
        self.writes = writes ?? .default(for: session)
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
    }

    func lastEvaluation() throws -> Day? {
        try session.row("SELECT MAX(asOf) FROM evaluation_run WHERE policySet = ?", [.text(policySet)])?
            .int(0).map { Day(daysSinceEpoch: Int32($0)) }
    }

    /// Other sets under whose names partners of `programs` have a remembered
    /// state: each with the latest day it evaluated them, by name.
    func otherHistories(programs: [String]) throws -> [(set: String, last: Day)] {
        try session.rows("""
            SELECT s.policySet, MAX(s.lastEvaluated) FROM partner_state s JOIN partner p ON p.number = s.partnerNumber
            WHERE s.policySet <> ? AND p.program IN (\(databaseQuestionMarks(count: programs.count)))
            GROUP BY s.policySet ORDER BY s.policySet
            """, [.text(policySet)] + programs.map(SQLValue.text)).map { ($0.string(0) ?? "", Day(daysSinceEpoch: Int32($0.int(1) ?? 0))) }
    }

    /// Partner id → number for the partners of `programs`.
    func partnerNumbers(programs: [String]) throws -> [String: Int64] {
        var numbers: [String: Int64] = [:]
        try session.forEachRow("SELECT id, number FROM partner WHERE program IN (\(databaseQuestionMarks(count: programs.count)))",
                               programs.map(SQLValue.text)) { row in
            if let id = row.string(0), let number = row.int64(1) { numbers[id] = number }
        }
        return numbers
    }

    /// Partner id → number for the given ids, among the partners of `programs`.
    func partnerNumbers(ids: [String], programs: [String]) throws -> [String: Int64] {
        var numbers: [String: Int64] = [:]
        try session.forEachRow("""
            SELECT id, number FROM partner
            WHERE id IN (\(databaseQuestionMarks(count: ids.count))) AND program IN (\(databaseQuestionMarks(count: programs.count)))
            """, (ids + programs).map(SQLValue.text)) { row in
            if let id = row.string(0), let number = row.int64(1) { numbers[id] = number }
        }
        return numbers
    }

    /// The remembered state of the set's partners among `numbers`, by
    /// partner number. Read a batch at a time, so a run holds the states of
    /// the partners in flight, not of the whole program.
    static func states(_ session: any SQLSession, policySet: String, numbers: [Int64]) throws -> [Int64: PartnerProgramState] {
        var states: [Int64: PartnerProgramState] = [:]
        guard !numbers.isEmpty else { return states }
        states.reserveCapacity(numbers.count)
        try session.forEachRow("""
            SELECT partnerNumber, state FROM partner_state
            WHERE policySet = ? AND partnerNumber IN (\(databaseQuestionMarks(count: numbers.count)))
            """, [.text(policySet)] + numbers.map(SQLValue.integer)) { row in
            guard let number = row.int64(0), let state = row.string(1).flatMap(PartnerProgramState.init(ledgerText:)) else {
                throw DatabaseError(message: "partner_state of partner number \(row.int64(0) ?? 0) in set \(policySet) is unreadable")
            }
            states[number] = state
        }
        return states
    }

    /// Start a run: its row, and the texts its decisions refer to, by policy content hash.
    mutating func beginRun(asOf: Day, contentHash: String, texts: [String: DecisionTexts], menus: [String: [InterventionStep]]) throws {
        guard let id = try session.row("""
            INSERT INTO evaluation_run (policySet, asOf, contentHash, partners, summary) VALUES (?, ?, ?, 0, '{}') RETURNING id
            """, [.text(policySet), .integer(Int64(asOf.daysSinceEpoch)), .text(contentHash)])?.int64(0) else {
            throw DatabaseError(message: "the run of policy set \(policySet) was not recorded (no id returned)")
        }
        runID = id
        for (hash, text) in texts.sorted(by: { $0.key < $1.key }) {
            try session.execute("INSERT INTO decision_text (runId, contentHash, texts) VALUES (?, ?, ?)",
                                [.integer(id), .text(hash), .text(try text.json())])
        }
        statements = try Statements(session, writes)
        self.menus = menus
        tasks = try TaskLedger.RunWriter(session, writes, policySet: policySet, runID: id, alerts: statements?.alertRaised)
        events = try Outbox.RunWriter(session, writes, day: asOf, policySet: policySet, runID: id)
    }

    /// Read the open alerts of the partners about to be recorded (a batch at
    /// a time, like their states), replacing the previous batch's.
    mutating func loadOpenAlerts(numbers: [Int64]) throws {
        openAlertIDs.removeAll(keepingCapacity: true)
        guard runID != nil, !numbers.isEmpty else { return }
        var open = openAlertIDs
        try session.forEachRow("""
            SELECT id, partnerNumber, kind, subject, step FROM alert
            WHERE policySet = ? AND resolved IS NULL AND partnerNumber IN (\(databaseQuestionMarks(count: numbers.count)))
            """, [.text(policySet)] + numbers.map(SQLValue.integer)) { row in
            guard let kind = row.string(2).flatMap(AlertKind.init(rawValue:)), let id = row.int64(0), let number = row.int64(1),
                  let subject = row.string(3), let step = row.int(4) else { return }
            open[number, default: [:]][AlertKey(kind: kind, subject: subject)] = (id, step)
        }
        openAlertIDs = open
    }

    /// Batched writes: reserve the ids the batch's new alerts and its tasks
    /// will take (what ``record(_:rows:partnerNumber:cam:)`` may insert), one
    /// round trip each for the whole batch. After ``loadOpenAlerts(numbers:)``.
    func reserveIDs(for batch: [(evaluation: PartnerEvaluation, partnerNumber: Int64)]) throws {
        guard let alertIDs = statements?.alertIDs else { return }
        var alerts = 0, tasks = 0
        for (e, number) in batch {
            var open = (openAlertIDs[number] ?? [:]).mapValues(\.step)
            let menu = menus[e.program] ?? []
            for alert in e.alerts {
                let previousStep = open[alert.key]
                if previousStep == nil { alerts += 1 }
                open[alert.key] = alert.step
                if self.tasks?.mayOpen(alert, previousStep: previousStep, menu: menu) == true { tasks += 1 }
            }
        }
        try alertIDs.reserve(alerts)
        try self.tasks?.reserveIDs(tasks)
    }

    /// What a worker prepares for the ledger, off the writing thread: the
    /// decision's JSON as UTF-8 bytes (stored as text without ever becoming
    /// a Swift String to validate) and the state's compact text.
    struct PreparedRows: Sendable {
        var detail: [UInt8]
        var stateText: String
        var tierSince: Day?
        /// The incentive ledger's postings (``IncentiveLedger``), and the currency they are in.
        var incentives: [IncentiveLedger.Row] = []
        var currency = ""

        /// `json` is the worker's buffer, reused from partner to partner;
        /// `texts`, those of the run for the evaluation's policy, which the
        /// detail refers to instead of repeating.
        init(_ e: PartnerEvaluation, state: PartnerProgramState, json: JSONBuffer, texts: DecisionTexts?) {
            json.removeAll()
            DecisionDetail.write(e, texts: texts, to: json)
            detail = json.withBytes { Array($0) }
            stateText = state.compact
            tierSince = state.tierSince
        }
    }

    /// The run's statements (``RunStatement``): on SQLite bound value by
    /// value through its C API — for rows this small, GRDB's arguments cost
    /// more than the inserts.
    private struct Statements {
        let state, decision, tierHistory, partnerTier, alertSeen, alertRaised, alertResolved: RunStatement
        let incentives: IncentiveLedger.Writer

        init(_ session: any SQLSession, _ writes: LedgerWrites) throws {
            state = try .insert(session, writes, into: "partner_state",
                                columns: ["policySet", "partnerNumber", "tier", "tierSince", "standing", "lastEvaluated", "state"],
                                tail: """
                                    ON CONFLICT (policySet, partnerNumber) DO UPDATE SET tier = excluded.tier, tierSince = excluded.tierSince,
                                        standing = excluded.standing, lastEvaluated = excluded.lastEvaluated, state = excluded.state
                                    """)
            decision = try .insert(session, writes, into: "decision", columns: [
                "runId", "partnerNumber", "policySet", "asOf", "policyName", "policyVersion", "contentHash", "previousTier",
                "tier", "previousStanding", "standing", "tierEvent", "healthScore", "healthBand", "intervention", "snapshotHash", "detail",
            ])
            tierHistory = try .insert(session, writes, into: "tier_history",
                                      columns: ["runId", "partnerNumber", "policySet", "asOf", "fromTier", "toTier", "event"])
            partnerTier = try .update(session, writes, "partner", set: [("tier", "text"), ("tierSince", "integer")], key: "number")
            alertSeen = try .update(session, writes, "alert", set: [("lastSeen", "integer"), ("step", "integer"), ("intervention", "text")],
                                    key: "id")
            let alertColumns = ["partnerNumber", "policySet", "kind", "subject", "firstRaised", "lastSeen", "step", "intervention"]
            if case .batched = writes {
                // The new alert's id comes from a reserved block (bound last), so the insert batches too.
                alertRaised = try .insert(session, writes, into: "alert", columns: alertColumns + ["id"])
                alertIDs = ReservedIDs(session, table: "alert")
            } else {
                alertRaised = try .single(session, writes, """
                    INSERT INTO alert (\(alertColumns.joined(separator: ", "))) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, parameters: 8)
                alertIDs = nil
            }
            alertResolved = try .update(session, writes, "alert", set: [("resolved", "integer")], key: "id")
            alertSeen.after = [alertRaised]
            alertResolved.after = [alertRaised]
            incentives = try IncentiveLedger.Writer(session, writes)
        }

        /// Where a batched run's new alert ids come from (nil: prepared, SQLite numbers each row as it is inserted).
        let alertIDs: ReservedIDs?

        /// Send what batched statements still hold.
        func flush() throws {
            for statement in [state, decision, tierHistory, partnerTier, alertRaised, alertSeen, alertResolved] { try statement.flush() }
            try incentives.insert.flush()
        }
    }
    private var statements: Statements?

    /// Record one partner's evaluation, with the rows a worker prepared;
    /// `cam` is the partner's channel account manager (who its CAM tasks go to).
    mutating func record(_ e: PartnerEvaluation, rows: PreparedRows, partnerNumber: Int64, cam: String?) throws {
        guard let runID, let s = statements else { return }
        let asOf = e.asOf.daysSinceEpoch
        let tierSince = rows.tierSince?.daysSinceEpoch
        let partner = e.partnerID

        s.state.text(1, policySet)
        s.state.int64(2, partnerNumber)
        s.state.text(3, e.tier)
        s.state.int32(4, tierSince)
        s.state.text(5, e.standing.rawValue)
        s.state.int32(6, asOf)
        s.state.text(7, rows.stateText)
        try s.state.execute("the state of partner \(partner)")

        let d = s.decision
        d.int64(1, runID)
        d.int64(2, partnerNumber)
        d.text(3, policySet)
        d.int32(4, asOf)
        d.text(5, e.policy.name)
        d.text(6, e.policy.version)
        d.text(7, e.policy.contentHash)
        d.text(8, e.previousTier)
        d.text(9, e.tier)
        d.text(10, e.previousStanding.rawValue)
        d.text(11, e.standing.rawValue)
        d.text(12, e.tierEvent.rawValue)
        d.double(13, e.health.score)
        d.text(14, e.health.band)
        d.text(15, e.intervention?.action)
        e.snapshotHash.withHex { d.text(16, $0) }
        rows.detail.withUnsafeBytes { d.text(17, $0) }
        try d.execute("the decision of partner \(partner)")

        if e.tier != e.previousTier {
            let h = s.tierHistory
            h.int64(1, runID)
            h.int64(2, partnerNumber)
            h.text(3, policySet)
            h.int32(4, asOf)
            h.text(5, e.previousTier)
            h.text(6, e.tier)
            h.text(7, e.tierEvent.rawValue)
            try h.execute("the tier change of partner \(partner)")
            s.partnerTier.text(1, e.tier)
            s.partnerTier.int32(2, tierSince)
            s.partnerTier.int64(3, partnerNumber)
            try s.partnerTier.execute("the tier of partner \(partner)")
        }
        try events?.record(e)
        let menu = menus[e.program] ?? []
        var open = openAlertIDs[partnerNumber] ?? [:]
        for alert in e.alerts {
            let id: Int64, previousStep: Int?
            if let row = open[alert.key] {
                (id, previousStep) = (row.id, row.step)
                let u = s.alertSeen
                u.int32(1, asOf)
                u.int(2, alert.step)
                u.text(3, alert.intervention)
                u.int64(4, id)
                try u.execute("alert \(alert.key) of partner \(partner)")
                if alert.step > row.step { try events?.alertEscalated(e, alert, from: row.step) }
            } else {
                let r = s.alertRaised
                r.int64(1, partnerNumber)
                r.text(2, policySet)
                r.text(3, alert.key.kind.rawValue)
                r.text(4, alert.key.subject)
                r.int32(5, alert.firstRaised.daysSinceEpoch)
                r.int32(6, asOf)
                r.int(7, alert.step)
                r.text(8, alert.intervention)
                let raised: Int64
                if let ids = s.alertIDs {
                    raised = try ids.next()
                    r.int64(9, raised)
                    try r.execute("alert \(alert.key) of partner \(partner)")
                } else {
                    guard let inserted = try r.executeReturningID("alert \(alert.key) of partner \(partner)") else {
                        throw DatabaseError(message: "alert \(alert.key) of partner \(partner) was not recorded (no id returned)")
                    }
                    raised = inserted
                }
                (id, previousStep) = (raised, nil)
                open[alert.key] = (id, alert.step)
                try events?.alertRaised(e, alert)
            }
            try tasks?.record(alert: alert, alertID: id, previousStep: previousStep, partnerNumber: partnerNumber, partnerID: partner,
                              cam: cam, menu: menu, asOf: e.asOf, outbox: events)
        }
        for key in e.resolvedAlerts {
            if let row = open[key] {
                s.alertResolved.int32(1, asOf)
                s.alertResolved.int64(2, row.id)
                try s.alertResolved.execute("alert \(key) of partner \(partner)")
                open[key] = nil
                try tasks?.resolved(alertID: row.id, asOf: e.asOf, outbox: events)
                try events?.alertResolved(e, key)
            }
        }
        openAlertIDs[partnerNumber] = open
        if !rows.incentives.isEmpty {
            try s.incentives.write(rows.incentives, runID: runID, policySet: policySet, partnerNumber: partnerNumber, partnerID: partner,
                                   program: e.program, asOf: e.asOf, currency: rows.currency)
        }
    }

    func finishRun(summary: RunSummary) throws {
        guard let runID else { return }
        try statements?.flush()
        try tasks?.flush()
        try events?.flush()
        let json = String(decoding: try encoder.encode(summary), as: UTF8.self)
        try session.execute("UPDATE evaluation_run SET partners = ?, summary = ? WHERE id = ?",
                            [.integer(Int64(summary.partners)), .text(json), .integer(runID)])
    }
}
