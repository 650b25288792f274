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
        try store.database.read { session in
            guard let row = try session.row("""
                SELECT d.runId, d.detail, t.texts, d.asOf, d.previousTier, d.tier, d.previousStanding, d.standing, d.tierEvent,
                       d.healthScore, d.healthBand, d.snapshotHash
                FROM decision d JOIN partner p ON p.number = d.partnerNumber
                LEFT JOIN decision_text t ON t.runId = d.runId AND t.contentHash = d.contentHash
                WHERE p.id = ? AND d.policySet = ? AND d.asOf = ?
                ORDER BY d.id DESC LIMIT 1
                """, [.text(partnerID), .text(policySet), .integer(Int64(asOf.daysSinceEpoch))]) else { return nil }
            guard let runID = row.int64(0), let detail = row.bytes(1), let day = row.int(3), let previousStanding = row.string(6),
                  let standing = row.string(7), let tierEvent = row.string(8), let healthScore = row.double(9),
                  let healthBand = row.string(10), let snapshotHash = row.string(11) else {
                throw DatabaseError(message: "the decision of partner \(partnerID) in set \(policySet) as of \(asOf) is unreadable")
            }
            let texts = try row.string(2).map { try DecisionTexts(json: $0) }
            let columns = DecisionColumns(asOf: Day(daysSinceEpoch: Int32(day)), previousTier: row.string(4), tier: row.string(5),
                                          previousStanding: previousStanding, standing: standing, tierEvent: tierEvent,
                                          healthScore: healthScore, healthBand: healthBand, snapshotHash: snapshotHash)
            let evaluation = try PartnerEvaluation.decode(detail: Data(detail), texts: texts, columns: columns)
            return RecordedDecision(runID: runID, evaluation: evaluation)
        }
    }

    /// What the ledger remembers of the partner under the set's name now (nil: never evaluated).
    public static func state(in store: PartnerStore, policySet: String, partnerID: String) throws -> PartnerProgramState? {
        try store.database.read { session in
            guard let number = try session.row("SELECT number FROM partner WHERE id = ?", [.text(partnerID)])?.int64(0) else { return nil }
            return try Ledger.states(session, policySet: policySet, numbers: [number])[number]
        }
    }

    /// The day of the set's latest recorded run, if any.
    public static func lastRun(in store: PartnerStore, policySet: String) throws -> Day? {
        try store.database.read { try Ledger(session: $0, policySet: policySet).lastEvaluation() }
    }
}
