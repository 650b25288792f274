import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

/// A decision the ledger recorded, read back exactly as it was written.
public struct RecordedDecision: Sendable {
    /// The run that recorded it.
    public var runID: Int64
    public var evaluation: PartnerEvaluation
}

/// Reading the decision log: what a policy set decided about a partner.
public enum DecisionLog {
    /// The decision the set (by its ledger name) recorded about the partner
    /// as of `asOf`, if a run was recorded that day.
    public static func decision(in store: PartnerStore, policySet: String, partnerID: String, asOf: Day) throws -> RecordedDecision? {
        try store.writer.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT d.runId, d.detail, t.texts, d.asOf, d.previousTier, d.tier, d.previousStanding, d.standing, d.tierEvent,
                       d.healthScore, d.healthBand, d.snapshotHash
                FROM decision d JOIN partner p ON p.number = d.partnerNumber
                LEFT JOIN decision_text t ON t.runId = d.runId AND t.contentHash = d.contentHash
                WHERE p.id = ? AND d.policySet = ? AND d.asOf = ?
                ORDER BY d.id DESC LIMIT 1
                """, arguments: [partnerID, policySet, asOf.daysSinceEpoch]) else { return nil }
            let texts = try (row[2] as String?).map { try DecisionTexts(json: $0) }
            let previousStanding: String = row[6], standing: String = row[7], tierEvent: String = row[8]
            let columns = DecisionColumns(asOf: Day(daysSinceEpoch: row[3]), previousTier: row[4], tier: row[5],
                                          previousStanding: previousStanding, standing: standing, tierEvent: tierEvent,
                                          healthScore: row[9], healthBand: row[10], snapshotHash: row[11])
            let detail: String = row[1]
            let evaluation = try PartnerEvaluation.decode(detail: Data(detail.utf8), texts: texts, columns: columns)
            return RecordedDecision(runID: row[0], evaluation: evaluation)
        }
    }

    /// What the ledger remembers of the partner under the set's name now (nil: never evaluated).
    public static func state(in store: PartnerStore, policySet: String, partnerID: String) throws -> PartnerProgramState? {
        try store.writer.read { db in
            guard let number = try Int64.fetchOne(db, sql: "SELECT number FROM partner WHERE id = ?", arguments: [partnerID])
            else { return nil }
            return try Ledger.states(GRDBSession(db), policySet: policySet, numbers: [number])[number]
        }
    }

    /// The day of the set's latest recorded run, if any.
    public static func lastRun(in store: PartnerStore, policySet: String) throws -> Day? {
        try store.database.read { try Ledger(session: $0, policySet: policySet).lastEvaluation() }
    }
}
