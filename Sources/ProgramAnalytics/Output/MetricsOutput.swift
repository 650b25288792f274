import Foundation
import PartnerModel
import PolicyEngine

/// The `metrics` verb's three renderings of ``ProgramMetrics``. Each is
/// deterministic: the same database and day give the same bytes.
public enum MetricsOutput {
    /// Pretty JSON with sorted keys.
    public static func json(_ metrics: ProgramMetrics) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(metrics), as: UTF8.self) + "\n"
    }

    /// One figure per row: `scope,name,metric,value` (`scope` all, policy_set or program).
    public static func csv(_ metrics: ProgramMetrics) -> String {
        var out = "scope,name,metric,value\n"
        for segment in metrics.segments {
            for (metric, value) in rows(segment) {
                out += [segment.scope.kind.rawValue, segment.scope.name, metric, value].map(csvField).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// A block per segment: each figure with what it is a share of.
    public static func table(_ metrics: ProgramMetrics) -> String {
        var out = "Program metrics as of \(metrics.asOf) (from data dated on or before that day)\n"
        for segment in metrics.segments {
            out += "\n\(segment.scope)" + (segment.scope.kind == .program ? "" : " (\(segment.programs.joined(separator: ", ")))") + "\n"
            let lines = tableLines(segment)
            let width = lines.map(\.0.count).max() ?? 0
            for (label, value) in lines { out += "  " + label.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value + "\n" }
        }
        return out
    }

    // MARK: - Table

    static func tableLines(_ s: SegmentMetrics) -> [(String, String)] {
        programLines(s) + interventionLines(s.interventions)
    }

    /// The store's and the decision log's figures.
    static func programLines(_ s: SegmentMetrics) -> [(String, String)] {
        let p = s.partners, t = s.timeToFirstRevenue, g = s.growth, c = s.concentration
        var lines: [(String, String)] = [
            ("enrolled partners", "\(Format.count(p.enrolled)) (\(Format.count(p.active)) active, \(Format.count(p.suspended)) suspended, \(Format.count(p.terminated)) terminated)"),
            ("activation within 90 days", Format.share(s.activation.within90Days) + " enrolled ≥ 90 days ago"),
            ("activation ever", Format.share(s.activation.ever)),
            ("time to first revenue", t.partners == 0 ? "no partner has revenue yet"
                : "median \(Format.days(t.median, unit: true)) (p25 \(Format.days(t.p25.map(Double.init))), p75 \(Format.days(t.p75.map(Double.init))), p90 \(Format.days(t.p90.map(Double.init)))); \(Format.count(t.partners)) with revenue, \(Format.count(t.withoutRevenue)) without"),
            ("  distribution (days)", t.histogram.map { "\($0.label): \(Format.count($0.partners))" }.joined(separator: " · ")),
            ("first-year retention", Format.share(s.firstYearRetention.retained) + " enrolled \(s.firstYearRetention.cohortFrom)…\(s.firstYearRetention.cohortThrough)"),
            ("revenue growth (12m vs prior 12m)", "\(Format.percent(g.rate, signed: true)) (\(Format.money(g.revenue12m)) vs \(Format.money(g.revenuePrior12m)))"),
            ("  median partner growth", "\(Format.percent(g.medianPartnerRate, signed: true)) (of \(Format.count(g.partnersWithPriorRevenue)) with prior revenue)"),
            ("revenue concentration", "top 20% (\(Format.count(c.topPartners, "partner"))) bring \(Format.percent(c.share)) of 12m revenue"),
            ("certification completion", Format.share(s.certifications.completion) + " hold a valid certification"),
            ("  expiring within 90 days", "\(Format.count(s.certifications.expiringWithin90Days, "certification")) of \(Format.count(s.certifications.partnersWithExpiring, "partner"))"),
            ("deal registrations outside territory", Format.share(s.dealRegistrations.flagged) + " in 12m, by \(Format.count(s.dealRegistrations.partnersFlagged, "partner"))"),
            ("onboarding funnel", s.funnel.steps.map { "\($0.name) \(Format.count($0.count))" }.joined(separator: " → ")),
        ]
        if let i = s.incentives {
            for cost in i.costs {
                lines.append(("incentive cost, 12m (\(cost.currency))", IncentiveLine.allCases.compactMap { line in
                    cost.lines[line.rawValue].flatMap { $0 == "0.00" ? nil : "\(line.rawValue) \(IncentiveWords.grouped($0))" }
                }.joined(separator: " · ") + " · total \(IncentiveWords.grouped(cost.total))"))
            }
            lines.append(("return on partner investment", i.returnOnInvestment.map { "\(Self.number(($0 * 100).rounded() / 100))× (revenue 12m / incentives incl. MDF)" }
                            ?? "none (no cost, or several currencies)"))
        }
        guard let e = s.evaluations else {
            lines.append(("evaluations", "none on or before this day"))
            return lines
        }
        func counts(_ list: [NamedCount]) -> String { list.isEmpty ? "none" : list.map { "\($0.name) \(Format.count($0.count))" }.joined(separator: " · ") }
        lines += [
            ("evaluated partners", "\(Format.count(e.partners)) (latest decision \(e.latestEvaluation); sets: \(e.policySets.joined(separator: ", ")))"),
            ("tier distribution", counts(e.tiers)),
            ("standing", counts(e.standings)),
        ]
        for h in e.tierHistory {
            lines.append(("  \(h.asOf)", counts(h.tiers) + "; \(h.assigned) assigned, \(h.upgraded) up, \(h.demoted) down, \(h.reviewsOpened) reviews opened"))
        }
        lines.append(("health bands", counts(e.healthBands)))
        lines.append(("milestones on time", e.milestones.isEmpty ? "none" : ""))
        for m in e.milestones {
            lines.append(("  \(m.milestone)", Format.share(m.onTime) + "; \(Format.count(m.metLate)) late, \(Format.count(m.overdue)) overdue, \(Format.count(m.pending)) pending"))
        }
        lines.append(("open alerts by step", e.alertsByStep.isEmpty ? "none"
            : e.alertsByStep.map { "step \($0.step): \(Format.count($0.alerts))" }.joined(separator: " · ") + " (\(Format.count(e.openAlerts)) open)"))
        lines.append(("  by kind", counts(e.alertsByKind)))
        lines.append(("partners with a lapsed gate", Format.count(e.partnersWithLapsedGates)))
        return lines
    }

    /// The most queues the table lists (JSON and CSV list every one).
    static let queuesShown = 10

    static func interventionLines(_ i: InterventionMetrics?) -> [(String, String)] {
        guard let i else { return [("interventions", "no task opened on or before this day")] }
        func recovery(_ r: Recovery) -> String {
            "\(Format.count(r.tasks)): recovered within 30 days \(Format.share(r.within30Days)), 60 days \(Format.share(r.within60Days)), "
                + "90 days \(Format.share(r.within90Days))"
        }
        var lines: [(String, String)] = [("interventions", Format.count(i.tasks, "task") + " opened")]
        for step in i.steps {
            lines.append(("  \(step.policySet) step \(step.step)", "\(step.action)" + (step.owner.map { " [\($0)]" } ?? "") + ": "
                + Format.count(step.tasks, "task")))
            lines.append(("    reached", recovery(step.reached)))
            lines.append(("    not reached", recovery(step.notReached)))
        }
        lines.append(("time to acknowledge", i.acknowledgement.map { a in
            "\(a.owner): median \(Format.days(a.medianDays, unit: true)), p90 \(Format.days(a.p90Days.map(Double.init))) "
                + "(\(Format.count(a.acknowledged)) acknowledged, \(Format.count(a.waiting)) waiting)"
        }.joined(separator: " · ")))
        lines.append(("open task queues", i.queues.isEmpty ? "none" : i.queues.prefix(queuesShown).map { q in
            "\(q.assignee) \(Format.count(q.open)) open, \(Format.count(q.acknowledged)) acknowledged (oldest \(q.oldest))"
        }.joined(separator: " · ") + (i.queues.count > queuesShown ? " · and \(Format.count(i.queues.count - queuesShown)) more" : "")))
        return lines
    }

    // MARK: - CSV

    static func rows(_ s: SegmentMetrics) -> [(String, String)] {
        programRows(s) + (s.interventions.map(interventionRows) ?? [])
    }

    /// The store's and the decision log's figures.
    static func programRows(_ s: SegmentMetrics) -> [(String, String)] {
        func n(_ v: Int) -> String { String(v) }
        func opt(_ v: Int?) -> String { v.map(String.init) ?? "" }
        func d(_ v: Double?) -> String { v.map { number($0) } ?? "" }
        func share(_ name: String, _ v: Share) -> [(String, String)] { [(name, n(v.part)), (name + "_of", n(v.whole)), (name + "_rate", d(v.rate))] }
        let t = s.timeToFirstRevenue
        var r: [(String, String)] = [
            ("programs", s.programs.joined(separator: ";")),
            ("enrolled_partners", n(s.partners.enrolled)), ("active_partners", n(s.partners.active)),
            ("suspended_partners", n(s.partners.suspended)), ("terminated_partners", n(s.partners.terminated)),
        ]
        r += s.funnel.steps.map { ("funnel_" + $0.name.replacingOccurrences(of: " ", with: "_"), n($0.count)) }
        r += share("activated_90d", s.activation.within90Days) + share("activated_ever", s.activation.ever)
        r += [("first_revenue_partners", n(t.partners)), ("first_revenue_missing", n(t.withoutRevenue)),
              ("time_to_first_revenue_median_days", d(t.median)), ("time_to_first_revenue_p25_days", opt(t.p25)),
              ("time_to_first_revenue_p75_days", opt(t.p75)), ("time_to_first_revenue_p90_days", opt(t.p90))]
        r += t.histogram.map { ("time_to_first_revenue_days_\($0.lower)_\($0.upper.map(String.init) ?? "up")", n($0.partners)) }
        r += [("retention_cohort_from", s.firstYearRetention.cohortFrom.description),
              ("retention_cohort_through", s.firstYearRetention.cohortThrough.description)]
        r += share("first_year_retained", s.firstYearRetention.retained)
        r += [("revenue_12m", Money.text(s.growth.revenue12m)), ("revenue_prior_12m", Money.text(s.growth.revenuePrior12m)),
              ("revenue_growth", d(s.growth.rate)), ("median_partner_growth", d(s.growth.medianPartnerRate)),
              ("partners_with_prior_revenue", n(s.growth.partnersWithPriorRevenue)),
              ("top20_partners", n(s.concentration.topPartners)), ("top20_revenue_12m", Money.text(s.concentration.topRevenue)),
              ("top20_revenue_share", d(s.concentration.share))]
        r += share("certified_partners", s.certifications.completion)
        r += [("certifications_expiring_90d", n(s.certifications.expiringWithin90Days)),
              ("partners_with_certifications_expiring_90d", n(s.certifications.partnersWithExpiring))]
        r += share("deal_registrations_outside_12m", s.dealRegistrations.flagged)
        r += [("partners_with_deals_outside_12m", n(s.dealRegistrations.partnersFlagged))]
        if let i = s.incentives {
            for cost in i.costs {
                r += IncentiveLine.allCases.map { ("incentive_cost_12m:\(cost.currency):\($0.rawValue)", cost.lines[$0.rawValue] ?? "0.00") }
                r += [("incentive_cost_12m:\(cost.currency):total", cost.total)]
            }
            r += [("return_on_partner_investment", d(i.returnOnInvestment))]
        }
        guard let e = s.evaluations else { return r }
        r += [("policy_sets", e.policySets.joined(separator: ";")), ("latest_evaluation", e.latestEvaluation.description),
              ("evaluated_partners", n(e.partners))]
        r += e.tiers.map { ("tier:\($0.name)", n($0.count)) }
        r += e.standings.map { ("standing:\($0.name)", n($0.count)) }
        for h in e.tierHistory {
            r += h.tiers.map { ("tier@\(h.asOf):\($0.name)", n($0.count)) }
            r += [("tier_moves@\(h.asOf):assigned", n(h.assigned)), ("tier_moves@\(h.asOf):upgraded", n(h.upgraded)),
                  ("tier_moves@\(h.asOf):demoted", n(h.demoted)), ("tier_moves@\(h.asOf):reviews_opened", n(h.reviewsOpened))]
        }
        r += e.healthBands.map { ("health_band:\($0.name)", n($0.count)) }
        for m in e.milestones {
            r += [("milestone:\(m.milestone):met_on_time", n(m.metOnTime)), ("milestone:\(m.milestone):met_late", n(m.metLate)),
                  ("milestone:\(m.milestone):overdue", n(m.overdue)), ("milestone:\(m.milestone):pending", n(m.pending)),
                  ("milestone:\(m.milestone):on_time_rate", d(m.onTime.rate))]
        }
        r += [("open_alerts", n(e.openAlerts))]
        r += e.alertsByStep.map { ("alerts_step:\($0.step)", n($0.alerts)) }
        r += e.alertsByKind.map { ("alerts_kind:\($0.name)", n($0.count)) }
        r += [("partners_with_lapsed_gates", n(e.partnersWithLapsedGates))]
        return r
    }

    static func interventionRows(_ i: InterventionMetrics) -> [(String, String)] {
        func share(_ name: String, _ v: Share) -> [(String, String)] {
            [(name, String(v.part)), (name + "_of", String(v.whole)), (name + "_rate", v.rate.map { number($0) } ?? "")]
        }
        var r: [(String, String)] = [("intervention_tasks", String(i.tasks))]
        for step in i.steps {
            let prefix = "step:\(step.policySet):\(step.step)"
            r += [(prefix + ":action", step.action), (prefix + ":tasks", String(step.tasks))]
            for (group, recovery) in [("reached", step.reached), ("not_reached", step.notReached)] {
                r += [("\(prefix):\(group):tasks", String(recovery.tasks))]
                r += share("\(prefix):\(group):recovered_30d", recovery.within30Days)
                r += share("\(prefix):\(group):recovered_60d", recovery.within60Days)
                r += share("\(prefix):\(group):recovered_90d", recovery.within90Days)
            }
        }
        for a in i.acknowledgement {
            r += [("acknowledge:\(a.owner):acknowledged", String(a.acknowledged)),
                  ("acknowledge:\(a.owner):median_days", a.medianDays.map { number($0) } ?? ""),
                  ("acknowledge:\(a.owner):p90_days", a.p90Days.map(String.init) ?? ""), ("acknowledge:\(a.owner):waiting", String(a.waiting))]
        }
        for q in i.queues {
            r += [("queue:\(q.assignee):open", String(q.open)), ("queue:\(q.assignee):acknowledged", String(q.acknowledged)),
                  ("queue:\(q.assignee):oldest", q.oldest.description)]
        }
        return r
    }

    /// Up to 6 decimals, trailing zeros dropped: `0.25`, `1234.5`, `0.333333`.
    static func number(_ value: Double) -> String {
        var text = Format.fixed(value, decimals: 6).replacingOccurrences(of: ",", with: "")
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
