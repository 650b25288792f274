import Foundation
import GRDB
import PartnerModel
import PolicyEngine

/// Reads and writes the engine's tables for one policy set inside one
/// database transaction.
struct Ledger {
    let db: Database
    let policySet: String
    private(set) var runID: Int64?
    /// Open alert rows: partner number → alert key → row id.
    private var openAlertIDs: [Int64: [AlertKey: Int64]] = [:]
    private let encoder: JSONEncoder

    init(db: Database, policySet: String) throws {
        self.db = db
        self.policySet = policySet
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
    }

    func lastEvaluation() throws -> Day? {
        try Int32.fetchOne(db, sql: "SELECT MAX(asOf) FROM evaluation_run WHERE policySet = ?", arguments: [policySet])
            .map(Day.init(daysSinceEpoch:))
    }

    /// Partner id → number for the partners of `programs`.
    func partnerNumbers(programs: [String]) throws -> [String: Int64] {
        var numbers: [String: Int64] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT id, number FROM partner WHERE program IN (\(databaseQuestionMarks(count: programs.count)))",
                                       arguments: StatementArguments(programs))
        while let row = try rows.next() { numbers[row[0]] = row[1] }
        return numbers
    }

    /// Partner id → number for the given ids, among the partners of `programs`.
    func partnerNumbers(ids: [String], programs: [String]) throws -> [String: Int64] {
        var numbers: [String: Int64] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, number FROM partner
            WHERE id IN (\(databaseQuestionMarks(count: ids.count))) AND program IN (\(databaseQuestionMarks(count: programs.count)))
            """, arguments: StatementArguments(ids + programs))
        while let row = try rows.next() { numbers[row[0]] = row[1] }
        return numbers
    }

    /// The remembered state of the set's partners among `numbers`, by
    /// partner number. Read a batch at a time, so a run holds the states of
    /// the partners in flight, not of the whole program.
    static func states(_ db: Database, policySet: String, numbers: [Int64]) throws -> [Int64: PartnerProgramState] {
        var states: [Int64: PartnerProgramState] = [:]
        guard !numbers.isEmpty else { return states }
        states.reserveCapacity(numbers.count)
        let rows = try Row.fetchCursor(db, sql: """
            SELECT partnerNumber, state FROM partner_state
            WHERE policySet = ? AND partnerNumber IN (\(databaseQuestionMarks(count: numbers.count)))
            """, arguments: StatementArguments([policySet] + numbers.map { $0 as DatabaseValueConvertible }))
        while let row = try rows.next() {
            let text: String = row[1]
            guard let state = PartnerProgramState(ledgerText: text) else {
                throw DatabaseError(message: "partner_state of partner number \(row[0] as Int64) in set \(policySet) is unreadable")
            }
            states[row[0]] = state
        }
        return states
    }

    mutating func beginRun(asOf: Day, contentHash: String) throws {
        try db.execute(sql: "INSERT INTO evaluation_run (policySet, asOf, contentHash, partners, summary) VALUES (?, ?, ?, 0, '{}')",
                       arguments: [policySet, asOf.daysSinceEpoch, contentHash])
        runID = db.lastInsertedRowID
    }

    /// Read the open alerts of the partners about to be recorded (a batch at
    /// a time, like their states), replacing the previous batch's.
    mutating func loadOpenAlerts(numbers: [Int64]) throws {
        openAlertIDs.removeAll(keepingCapacity: true)
        guard runID != nil, !numbers.isEmpty else { return }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, partnerNumber, kind, subject FROM alert
            WHERE policySet = ? AND resolved IS NULL AND partnerNumber IN (\(databaseQuestionMarks(count: numbers.count)))
            """, arguments: StatementArguments([policySet] + numbers.map { $0 as DatabaseValueConvertible }))
        while let row = try rows.next() {
            guard let kind = AlertKind(rawValue: row[2]) else { continue }
            openAlertIDs[row[1], default: [:]][AlertKey(kind: kind, subject: row[3])] = row[0]
        }
    }

    /// Where a run's rows go: its id and set. Workers prepare each partner's
    /// rows for it (``prepare(_:state:stateText:detail:partnerNumber:)``).
    struct Target: Sendable {
        let runID: Int64
        let policySet: String

        /// One partner's decision, state and tier-change rows, bound off the
        /// writing thread: turning ~30 Swift values into SQLite arguments
        /// was a tenth of the writer's time.
        func prepare(_ e: PartnerEvaluation, state: PartnerProgramState, stateText: String, detail: String,
                     partnerNumber: Int64) -> PreparedRows {
            let asOf = e.asOf.daysSinceEpoch
            let tierSince = state.tierSince?.daysSinceEpoch
            return PreparedRows(
                state: [policySet, partnerNumber, state.tier, tierSince, e.standing.rawValue, asOf, stateText],
                decision: [runID, partnerNumber, policySet, asOf, e.policy.name, e.policy.version, e.policy.contentHash,
                           e.previousTier, e.tier, e.previousStanding.rawValue, e.standing.rawValue, e.tierEvent.rawValue,
                           e.health.score, e.health.band, e.intervention?.action, e.snapshotHash, detail],
                tierHistory: e.tier == e.previousTier ? nil
                    : [runID, partnerNumber, policySet, asOf, e.previousTier, e.tier, e.tierEvent.rawValue],
                partnerTier: e.tier == e.previousTier ? nil : [e.tier, tierSince, partnerNumber])
        }
    }

    struct PreparedRows: Sendable {
        var state: StatementArguments
        var decision: StatementArguments
        var tierHistory: StatementArguments?
        var partnerTier: StatementArguments?
    }

    /// Record one partner's evaluation from the rows a worker prepared.
    mutating func record(_ e: PartnerEvaluation, rows: PreparedRows, partnerNumber: Int64) throws {
        guard runID != nil else { return }
        let asOf = e.asOf.daysSinceEpoch
        try db.cachedStatement(sql: """
            INSERT INTO partner_state (policySet, partnerNumber, tier, tierSince, standing, lastEvaluated, state)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (policySet, partnerNumber) DO UPDATE SET tier = excluded.tier, tierSince = excluded.tierSince,
                standing = excluded.standing, lastEvaluated = excluded.lastEvaluated, state = excluded.state
            """).execute(arguments: rows.state)
        try db.cachedStatement(sql: """
            INSERT INTO decision (runId, partnerNumber, policySet, asOf, policyName, policyVersion, contentHash, previousTier,
                tier, previousStanding, standing, tierEvent, healthScore, healthBand, intervention, snapshotHash, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: rows.decision)
        if let history = rows.tierHistory {
            try db.cachedStatement(sql: """
                INSERT INTO tier_history (runId, partnerNumber, policySet, asOf, fromTier, toTier, event) VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: history)
        }
        if let partnerTier = rows.partnerTier {
            try db.cachedStatement(sql: "UPDATE partner SET tier = ?, tierSince = ? WHERE number = ?")
                .execute(arguments: partnerTier)
        }
        var open = openAlertIDs[partnerNumber] ?? [:]
        for alert in e.alerts {
            if let id = open[alert.key] {
                try db.cachedStatement(sql: "UPDATE alert SET lastSeen = ?, step = ?, intervention = ? WHERE id = ?")
                    .execute(arguments: [asOf, alert.step, alert.intervention, id])
            } else {
                try db.cachedStatement(sql: """
                    INSERT INTO alert (partnerNumber, policySet, kind, subject, firstRaised, lastSeen, step, intervention)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [partnerNumber, policySet, alert.key.kind.rawValue, alert.key.subject,
                                             alert.firstRaised.daysSinceEpoch, asOf, alert.step, alert.intervention])
                open[alert.key] = db.lastInsertedRowID
            }
        }
        for key in e.resolvedAlerts {
            if let id = open[key] {
                try db.cachedStatement(sql: "UPDATE alert SET resolved = ? WHERE id = ?").execute(arguments: [asOf, id])
                open[key] = nil
            }
        }
        openAlertIDs[partnerNumber] = open
    }

    func finishRun(summary: RunSummary) throws {
        guard let runID else { return }
        let json = String(decoding: try encoder.encode(summary), as: UTF8.self)
        try db.execute(sql: "UPDATE evaluation_run SET partners = ?, summary = ? WHERE id = ?",
                       arguments: [summary.partners, json, runID])
    }
}
