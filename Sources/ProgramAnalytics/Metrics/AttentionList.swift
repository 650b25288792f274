import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

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
        try store.database.read { try Self.attention($0, asOf: asOf, limit: limit) }
    }

    static func attention(_ session: any SQLSession, asOf: Day, limit: Int) throws -> [AttentionItem] {
        let decisions = try LedgerQueries.attention(session, asOf: asOf, limit: limit)
        return decisions.map { AttentionItem($0.evaluation!, policySet: $0.policySet) }
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
