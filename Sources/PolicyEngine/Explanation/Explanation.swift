import PartnerModel

/// A partner's evaluation in words a program designer understands: each
/// criterion of the current and the next tier with observed against
/// required values, what is still missing for the next tier, the health
/// contributions, milestones, gates and the chosen intervention.
public struct Explanation {
    public let evaluation: PartnerEvaluation
    public let policy: Policy
    /// When tiers were last due before this evaluation, if known and later
    /// than its day (a preview from a state recorded after it): tiers are due
    /// again only after that.
    public var tiersLastDue: Day?

    public init(evaluation: PartnerEvaluation, policy: Policy, tiersLastDue: Day? = nil) {
        self.evaluation = evaluation
        self.policy = policy
        self.tiersLastDue = tiersLastDue
    }

    public var text: String {
        let e = evaluation
        var out: [String] = []
        out.append("Partner \(e.partnerID) — \(e.partnerName) (\(e.program)), as of \(e.asOf)")
        out.append("Policy: \(e.policy.name) \(e.policy.version) (\(e.policy.file), content \(e.policy.contentHash.prefix(12)))")
        out.append("")
        out.append(contentsOf: tierSection())
        out.append("")
        out.append(contentsOf: healthSection())
        out.append("")
        out.append(contentsOf: milestoneSection())
        if !e.gates.isEmpty {
            out.append("")
            out.append(contentsOf: gateSection())
        }
        out.append("")
        out.append(contentsOf: alertSection())
        if let incentives = policy.incentives {
            out.append("")
            out.append(contentsOf: incentiveSection(incentives))
        }
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: - Incentives

    /// What each rule pays for the period holding the day, why, and what the next threshold or tier would pay.
    private func incentiveSection(_ plan: IncentivePlan) -> [String] {
        var out = ["Incentives (\(plan.currency)), this period so far:"]
        for e in evaluation.incentives {
            let rule = plan.rules[e.rule]
            out.append("  \(e.name) (\(e.line.rawValue), \(rule.basisMeaning)): \(IncentiveWords.money(e.amount))")
            out.append(contentsOf: IncentiveWords.why(e).map { "    " + $0 })
            out.append(contentsOf: IncentiveWords.next(e, rule: rule, tiers: policy.tiers).map { "    next: " + $0 })
        }
        if evaluation.incentives.isEmpty { out.append("  (not computed for this decision)") }
        return out
    }

    // MARK: - Tier

    private func tierSection() -> [String] {
        let e = evaluation
        var out: [String] = []
        let standing: String
        switch e.standing {
        case .good: standing = "in good standing"
        case .review: standing = "IN TIER REVIEW until \(e.review!.deadline) (opened \(e.review!.opened))"
        case .none: standing = "no tier"
        }
        out.append("Tier: \(e.tier ?? "none") — \(standing)")
        out.append("  This evaluation: \(eventSentence())")
        if !e.benefits.isEmpty {
            let benefits = e.benefits.keys.sorted().map { "\($0) \(e.benefits[$0]!)" }.joined(separator: ", ")
            out.append("  Benefits: \(benefits)")
        }
        if !e.suspendedBenefits.isEmpty {
            out.append("  Suspended by compliance: \(e.suspendedBenefits.joined(separator: ", "))")
        }
        out.append("  Products: \(Self.products(e))")

        if let tier = e.tier, let (index, definition) = policy.tier(named: tier) {
            let phase: CriterionResult.Phase = definition.maintain == nil ? .entry : .maintain
            let rows = e.criteria.filter { $0.tier == tier && $0.phase == phase }
            // Criteria are those of the tier held before the tier changed: a partner
            // promoted now shows the entry criteria it met, one demoted now the tier it fell to.
            let entryRows = e.criteria.filter { $0.tier == tier && $0.phase == .entry }
            out.append("")
            if (e.tierEvent == .upgraded || e.tierEvent == .assigned), !entryRows.isEmpty {
                out.append("Promoted to \(tier) at this evaluation — its entry criteria, all met:")
                out.append(contentsOf: entryRows.map(line))
                if definition.maintain != nil { out.append("  (its maintenance criteria apply from the next due evaluation)") }
            } else if rows.isEmpty, !definition.maintenanceCriteria.isEmpty {
                out.append("Keeping \(tier): its maintenance criteria " + (e.tierEvent == .demoted
                    ? "held at this evaluation (the highest lower tier they hold for)." : "are checked at the next due evaluation."))
            } else if rows.isEmpty {
                out.append("Keeping \(tier): no criteria (entry tier).")
            } else {
                out.append("Keeping \(tier) (\(phase == .maintain ? "maintenance" : "entry") criteria):")
                out.append(contentsOf: rows.map(line))
            }
            out.append("")
            if index + 1 < policy.tiers.count {
                out.append(contentsOf: nextTier(policy.tiers[index + 1].name))
            } else {
                out.append("Next tier: none — \(tier) is the highest tier.")
            }
        } else if let first = policy.tiers.first {
            out.append("")
            out.append(contentsOf: nextTier(first.name))
        }
        return out
    }

    private func nextTier(_ name: String) -> [String] {
        let rows = evaluation.criteria.filter { $0.tier == name && $0.phase == .entry }
        let missing = rows.filter { !$0.passed }
        var out = ["Next tier: \(name) — " + (missing.isEmpty ? "all entry criteria are met" + (evaluation.tierDue ? "" : " (takes effect at the next due evaluation)")
                                                               : "missing \(missing.count) of \(TextFormat.count(rows.count, "criterion", plural: "criteria")):")]
        out.append(contentsOf: rows.map(line))
        return out
    }

    private func line(_ row: CriterionResult) -> String {
        var text = "  \(row.passed ? "✓" : "✗") \(row.label) — has \(row.observed)"
        if !row.passed, let observed = row.observedValue, let threshold = row.thresholdValue, threshold > observed {
            // Written the way the criterion's metric is: money in whole units, ratios as percentages.
            var gap = Format.number(threshold - observed)
            if let metric = policy.metric(of: row) { gap = Format.metric(threshold - observed, metric) }
            text += " (needs \(gap) more)"
        } else if !row.passed, row.observedValue == nil, row.required != "valid" {
            text += " (needs \(row.required))"
        }
        if let line = row.line { text += "   [\(row.file):\(line)]" }
        return text
    }

    private func eventSentence() -> String {
        let e = evaluation
        switch e.tierEvent {
        case .notDue: return "tiers were not due (\(policy.cadence.rawValue) cadence; last tier evaluation earlier this period) — no tier change; "
            + "tiers are next due at the first evaluation on or after \(policy.cadence.nextDue(after: max(e.asOf, tiersLastDue ?? e.asOf)))"
        case .unchanged: return "tiers were due (\(policy.cadence.rawValue)); \(e.tier.map { "kept \($0)" } ?? "qualifies for no tier")"
        case .assigned: return "assigned \(e.tier ?? "none") (first tier evaluation)"
        case .upgraded: return "UPGRADED from \(e.previousTier ?? "none") to \(e.tier ?? "none"), effective immediately"
        case .reviewOpened: return "below \(e.tier ?? "")'s maintenance criteria — tier review opened, recover by \(e.review?.deadline.description ?? "?")"
        case .reviewContinues: return "still below maintenance criteria — review continues until \(e.review?.deadline.description ?? "?")"
        case .reviewCleared: return "back above maintenance criteria — review cleared"
        case .demoted: return "DEMOTED from \(e.previousTier ?? "none") to \(e.tier ?? "no tier") (still below at the end of the remediation period)"
        }
    }

    /// What the partner may sell: its products, or every product when its list is empty, less the suspended ones.
    static func products(_ e: PartnerEvaluation) -> String {
        let suspended = e.suspendedProducts.isEmpty ? "" : " (suspended by compliance: \(e.suspendedProducts.joined(separator: ", ")))"
        if e.authorizedAllProducts {
            return e.suspendedProducts.isEmpty ? "every product (no product list)"
                : "every product except \(e.suspendedProducts.joined(separator: ", ")) (suspended by compliance)"
        }
        return (e.authorizedProducts.isEmpty ? "none" : e.authorizedProducts.joined(separator: ", ")) + suspended
    }

    // MARK: - Health

    private func healthSection() -> [String] {
        let h = evaluation.health
        guard !h.components.isEmpty else { return ["Health: no health model in this policy"] }
        var out = ["Health: \(Format.number(h.score)) of 100 — \(h.band)"]
        let width = h.components.map(\.name.count).max() ?? 0
        let total = h.components.reduce(0) { $0 + $1.weight }
        for c in h.components {
            let name = c.name.padding(toLength: width, withPad: " ", startingAt: 0)
            out.append("  \(name)  weight \(Format.percent(c.weight / total).padding(toLength: 6, withPad: " ", startingAt: 0))"
                + " score \(String(format: "%.2f", c.score))  contributes \(String(format: "%5.1f", c.contribution))"
                + "  (\(c.observed) against \(c.target))")
        }
        return out
    }

    // MARK: - Milestones

    private func milestoneSection() -> [String] {
        let from = switch policy.milestoneStart {
        case .enrolment: "enrolment"
        case .effectiveOrEnrolment: "the later of enrolment and the policy's effective date, \(policy.effective)"
        }
        var out = ["Onboarding milestones (deadlines count from \(from)):"]
        for m in evaluation.milestones {
            let name = m.milestone.meaning.padding(toLength: 52, withPad: " ", startingAt: 0)
            let days = TextFormat.count(m.days, "day")
            let status: String
            switch m.status {
            case .metOnTime: status = "met on time (\(m.reached!), deadline \(m.deadline))"
            case .metLate: status = "met \(days) late (\(m.reached!), deadline \(m.deadline))"
            case .overdue: status = "OVERDUE by \(days) (deadline \(m.deadline))"
            case .pending: status = "pending, \(days) left (deadline \(m.deadline))"
            }
            out.append("  \(name) \(status)")
        }
        return out
    }

    // MARK: - Gates

    private func gateSection() -> [String] {
        var out = ["Compliance gates:"]
        for g in evaluation.gates {
            var text = "  \(g.gate) (\(g.requirement)): "
            switch g.status {
            case .ok: text += "ok" + (g.expires.map { ", valid until \($0)" } ?? "")
            case .warning: text += "EXPIRES in \(TextFormat.count(g.daysToExpiry ?? 0, "day")) (\(g.expires?.description ?? "?")) — renew to keep "
                + "\(policy.gates.first { $0.name == g.gate }.map { ($0.suspendsProducts + $0.suspendsBenefits).joined(separator: ", ") } ?? "")"
            case .lapsed:
                text += "LAPSED" + (g.expires.map { " since \($0)" } ?? " (never recorded)")
                let suspended = g.suspendedProducts.map { "product \($0)" } + g.suspendedBenefits.map { "benefit \($0)" }
                if !suspended.isEmpty { text += " — suspended: \(suspended.joined(separator: ", "))" }
            case .notApplicable:
                let byFunction = policy.gates.first { $0.name == g.gate }?.appliesFunction != nil
                text += byFunction ? "does not apply (its applies_to function says so)" : "does not apply (not authorized for the gated products)"
            }
            switch g.event {
            case .tripped: text += " [tripped at this evaluation]"
            case .restored: text += " [restored at this evaluation]"
            case .warned: text += " [warning raised at this evaluation]"
            case .none: break
            }
            out.append(text)
        }
        return out
    }

    // MARK: - Alerts

    private func alertSection() -> [String] {
        let e = evaluation
        guard !e.alerts.isEmpty else { return ["Alerts: none — no intervention needed."] }
        var out = ["Alerts:"]
        for a in e.alerts {
            var text = "  \(a.key.kind.meaning): \(a.key.subject) — open \(TextFormat.count(a.daysOpen, "day")) (since \(a.firstRaised))"
            if let action = a.intervention {
                text += ", step \(a.step): \(action)" + (a.owner.map { " [\($0)]" } ?? "")
            }
            if let until = a.pausedUntil {
                text += "; its task is acknowledged, so it escalates no further before \(until)"
            }
            out.append(text)
        }
        if let choice = e.intervention {
            out.append("Chosen intervention: \(choice.action)" + (choice.owner.map { " — owner: \($0)" } ?? "")
                + " (for \(choice.alert.kind.meaning): \(choice.alert.subject), step \(choice.step) of \(policy.interventions.count))")
        }
        return out
    }
}
