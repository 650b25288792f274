import Foundation
import GRDB
import PartnerModel
import PolicyEngine

/// A partner that needs attention now, and why, from its latest decision.
public struct AttentionItem: Sendable, Codable, Equatable {
    public var partnerID: String
    public var partnerName: String
    public var program: String
    public var policySet: String
    public var evaluated: Day
    public var tier: String?
    public var standing: String
    public var healthScore: Double
    public var healthBand: String
    /// The most escalated step reached by an open alert (0: none yet).
    public var step: Int
    /// The intervention at that step, with its owner.
    public var intervention: String?
    /// One phrase per open alert or review, most escalated first.
    public var reasons: [String]

    enum CodingKeys: String, CodingKey {
        case partnerID = "partner_id", partnerName = "partner_name", program, policySet = "policy_set", evaluated
        case tier, standing, healthScore = "health_score", healthBand = "health_band", step, intervention, reasons
    }
}

extension ProgramAnalytics {
    /// The partners needing attention most as of `asOf`: those whose latest
    /// decision has an open alert or a tier review, ranked by the most
    /// escalated alert step, then lapsed compliance gates, then a tier review
    /// (nearest demotion deadline first), then the lowest health score, then
    /// partner id.
    public func attention(asOf: Day, limit: Int = 25) throws -> [AttentionItem] {
        try store.writer.read { db in try Self.attention(db, asOf: asOf, limit: limit) }
    }

    static func attention(_ db: Database, asOf: Day, limit: Int) throws -> [AttentionItem] {
        do {
            guard try db.tableExists("decision") else { return [] }
            let texts = try db.tableExists("decision_text")   // since ledger-v2
            let rows = try Row.fetchAll(db, sql: DecisionFacts.latestCTE + """
                , ranked AS (
                    SELECT latest.*,
                           (SELECT MAX(json_extract(a.value, '$.step')) FROM json_each(latest.detail, '$.alerts') a) AS maxStep,
                           (SELECT COUNT(*) FROM json_each(latest.detail, '$.alerts')) AS alertCount,
                           (SELECT COUNT(*) FROM json_each(latest.detail, '$.gates') g
                             WHERE json_extract(g.value, '$.status') = 'lapsed') AS lapsed,
                           json_extract(latest.detail, '$.review.deadline') AS reviewDeadline
                    FROM latest)
                SELECT r.policySet, r.detail, \(texts ? "t.texts" : "NULL"), r.asOf, r.previousTier, r.tier, r.previousStanding,
                       r.standing, r.tierEvent, r.healthScore, r.healthBand, r.snapshotHash
                FROM ranked r JOIN partner p ON p.number = r.partnerNumber
                \(texts ? "LEFT JOIN decision_text t ON t.runId = r.runId AND t.contentHash = r.contentHash" : "")
                WHERE r.alertCount > 0 OR r.standing = 'review'
                ORDER BY COALESCE(r.maxStep, -1) DESC, r.lapsed DESC, r.reviewDeadline IS NULL, r.reviewDeadline,
                         r.healthScore, p.id, r.policySet
                LIMIT :limit
                """, arguments: ["d": asOf.daysSinceEpoch, "limit": limit])
            var policyTexts: [String: DecisionTexts] = [:]   // by their JSON: a run's rows share them
            return try rows.map { row in
                let detail: String = row[1]
                let e: PartnerEvaluation
                do {
                    var texts: DecisionTexts?
                    if let json = row[2] as String? {
                        texts = try policyTexts[json] ?? DecisionTexts(json: json)
                        policyTexts[json] = texts
                    }
                    // The row's columns, which a compact detail leaves out (nil: texts this version does not know).
                    let previousStanding: String = row[6], standing: String = row[7], tierEvent: String = row[8]
                    let columns: DecisionColumns? = DecisionColumns(
                        asOf: Day(daysSinceEpoch: row[3]), previousTier: row[4], tier: row[5], previousStanding: previousStanding,
                        standing: standing, tierEvent: tierEvent, healthScore: row[9], healthBand: row[10], snapshotHash: row[11])
                    e = try PartnerEvaluation.decode(detail: Data(detail.utf8), texts: texts, columns: columns)
                } catch {
                    throw AnalyticsError("a decision of policy set \(row[0] as String) cannot be read: \(error)",
                                         hint: "the decision log was written by an incompatible version; re-run the evaluations")
                }
                return AttentionItem(e, policySet: row[0])
            }
        }
    }
}

extension AttentionItem {
    init(_ e: PartnerEvaluation, policySet: String) {
        let alerts = e.alerts.sorted { ($0.step, $0.daysOpen, $1.key) > ($1.step, $1.daysOpen, $0.key) }
        var reasons: [String] = []
        for alert in alerts {
            var text: String
            let subject = alert.key.subject
            switch alert.key.kind {
            case .milestoneOverdue:
                let name = MilestoneRule.Step(rawValue: subject)?.meaning ?? subject
                let days = e.milestones.first { $0.milestone.rawValue == subject }?.days
                text = "\(name) overdue" + (days.map { " by \(TextFormat.count($0, "day"))" } ?? "")
            case .tierReview:
                text = "below \(subject) maintenance criteria"
                if let review = e.review {
                    text += "; demotion due \(review.deadline) (\(e.asOf.days(until: review.deadline)) days left)"
                }
            case .gateWarning:
                let gate = e.gates.first { $0.gate == subject }
                text = "\(subject) expires" + (gate?.expires.map { " \($0)" } ?? " soon")
                    + (gate?.daysToExpiry.map { " (\(TextFormat.count($0, "day")))" } ?? "")
            case .gateLapsed:
                let gate = e.gates.first { $0.gate == subject }
                let suspended = (gate?.suspendedProducts ?? []) + (gate?.suspendedBenefits ?? [])
                text = "\(subject) lapsed" + (suspended.isEmpty ? "" : "; suspended: " + suspended.joined(separator: ", "))
            case .healthRed:
                text = "health \(AttentionItem.oneDecimal(e.health.score)) (\(e.health.band))"
            case .policyFlag:
                text = "flagged: \(subject)"
            }
            text += ", open \(TextFormat.count(alert.daysOpen, "day"))" + (alert.step > 0 ? ", step \(alert.step)" : "")
            reasons.append(text)
        }
        if e.standing == .review, !e.alerts.contains(where: { $0.key.kind == .tierReview }), let review = e.review {
            reasons.append("tier review of \(review.tier); demotion due \(review.deadline)")
        }
        self.init(partnerID: e.partnerID, partnerName: e.partnerName, program: e.program, policySet: policySet,
                  evaluated: e.asOf, tier: e.tier, standing: e.standing.rawValue, healthScore: e.health.score,
                  healthBand: e.health.band, step: e.intervention?.step ?? alerts.first?.step ?? 0,
                  intervention: e.intervention.map { $0.action + ($0.owner.map { " (\($0))" } ?? "") },
                  reasons: reasons)
    }

    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
