import PartnerModel
import PartnerStore
import PolicyEngine

/// The program report: one self-contained HTML file (inline CSS and SVG, no
/// scripts, fonts or anything fetched) that reads well in a browser and
/// prints to PDF. Deterministic: the same data and day give the same bytes.
///
/// ```swift
/// let report = try ProgramAnalytics(store: store).report(asOf: day, source: "program.sqlite")
/// try report.html().write(toFile: "report.html", atomically: true, encoding: .utf8)
/// ```
public struct ProgramReport: Sendable {
    public var metrics: ProgramMetrics
    public var attention: [AttentionItem]
    /// Where the data came from (the database file name), shown in the header.
    public var source: String

    public init(metrics: ProgramMetrics, attention: [AttentionItem], source: String) {
        self.metrics = metrics
        self.attention = attention
        self.source = source
    }

    /// The ids of the charts the report draws, in order (tests check each one).
    public static let chartIDs = ["funnel", "time-to-revenue", "tiers-*", "health-bands", "milestones", "alerts-by-step"]

    public func html() -> String {
        let e = Markup.escape
        let all = metrics.overall
        var body = "<header><h1>Partner program report</h1>"
        body += "<p class=\"meta\">As of <strong>\(e(metrics.asOf.description))</strong> · \(e(Format.count(all.partners.enrolled, "partner"))) in "
        body += "\(e(Format.count(all.programs.count))) programs · data: \(e(source))"
        if let ev = all.evaluations { body += " · latest evaluation \(e(ev.latestEvaluation.description))" }
        body += "</p></header>"
        body += section("Headline figures", id: "headline", cards(all))
        body += section("Programs", id: "programs", programsTable())
        body += section("Onboarding", id: "onboarding", grid([funnelChart(all), timeToRevenueChart(all)]) + ttfrNote(all))
        body += section("Tiers over the last evaluations", id: "tiers", tierCharts())
        body += section("Health, milestones and alerts", id: "monitoring",
                        grid([healthChart(), milestoneChart(all), alertsChart(all)].compactMap { $0 }) + monitoringNote(all))
        body += section("Interventions: what followed each step", id: "interventions", interventionTables(all))
        body += section("Partners needing attention most", id: "attention", attentionTable())
        body += section("How these figures are defined", id: "definitions", definitions())
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>Partner program report as of \(e(metrics.asOf.description))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <main>
            \(body)
            </main>
            </body>
            </html>

            """
    }

    // MARK: - Sections

    private func section(_ title: String, id: String, _ content: String) -> String {
        "<section id=\"\(id)\"><h2>\(Markup.escape(title))</h2>\(content)</section>\n"
    }

    private func grid(_ figures: [String]) -> String {
        "<div class=\"grid\">" + figures.map { "<figure>\($0)</figure>" }.joined() + "</div>"
    }

    private func note(_ text: String) -> String { "<p class=\"note\">\(Markup.escape(text))</p>" }

    private func cards(_ s: SegmentMetrics) -> String {
        let t = s.timeToFirstRevenue, g = s.growth
        var items: [(String, String, String)] = [
            ("Enrolled partners", Format.count(s.partners.enrolled),
             "\(Format.count(s.partners.active)) active · \(Format.count(s.partners.suspended)) suspended · \(Format.count(s.partners.terminated)) terminated"),
            ("Activated within 90 days", Format.percent(s.activation.within90Days.rate),
             "first deal won within 90 days: \(Format.count(s.activation.within90Days.part)) of \(Format.count(s.activation.within90Days.whole)) enrolled ≥ 90 days ago"),
            ("Activated ever", Format.percent(s.activation.ever.rate),
             "\(Format.count(s.activation.ever.part)) of \(Format.count(s.activation.ever.whole)) have won a deal"),
            ("Median time to first revenue", t.median.map { Format.days($0) + " days" } ?? "–",
             "\(Format.count(t.partners, "partner")) with revenue, \(Format.count(t.withoutRevenue)) without"),
            ("First-year retention", Format.percent(s.firstYearRetention.retained.rate),
             "\(Format.count(s.firstYearRetention.retained.part)) of \(Format.count(s.firstYearRetention.retained.whole)) enrolled \(s.firstYearRetention.cohortFrom) – \(s.firstYearRetention.cohortThrough) still active"),
            ("Revenue growth, 12 months", Format.percent(g.rate, signed: true),
             "\(Format.short(g.revenue12m)) vs \(Format.short(g.revenuePrior12m)); median partner \(Format.percent(g.medianPartnerRate, signed: true))"),
            ("Revenue from the top 20%", Format.percent(s.concentration.share),
             "\(Format.count(s.concentration.topPartners, "partner")) bring \(Format.short(s.concentration.topRevenue)) of \(Format.short(s.concentration.totalRevenue))"),
            ("Certification completion", Format.percent(s.certifications.completion.rate),
             "\(Format.count(s.certifications.completion.part)) certified · \(Format.count(s.certifications.expiringWithin90Days, "certification")) expiring within 90 days"),
            ("Registrations outside territory", Format.percent(s.dealRegistrations.flagged.rate),
             "\(Format.count(s.dealRegistrations.flagged.part)) of \(Format.count(s.dealRegistrations.flagged.whole)) in 12 months, by \(Format.count(s.dealRegistrations.partnersFlagged, "partner"))"),
        ]
        if let i = s.incentives {
            let costs = i.costs.map { cost in
                IncentiveLine.allCases.compactMap { line in cost.lines[line.rawValue].flatMap { $0 == "0.00" ? nil : "\(line.rawValue) \(IncentiveWords.grouped($0))" } }
                    .joined(separator: " · ") + " (\(cost.currency))"
            }
            items.append(("Return on partner investment", i.returnOnInvestment.map { Format.fixed($0, decimals: 1) + "×" } ?? "–",
                          "12-month revenue / incentives incl. MDF: " + costs.joined(separator: "; ")))
        }
        return "<div class=\"cards\">" + items.map { title, value, caption in
            "<div class=\"card\"><div class=\"card-title\">\(Markup.escape(title))</div><div class=\"card-value\">\(Markup.escape(value))</div><div class=\"card-caption\">\(Markup.escape(caption))</div></div>"
        }.joined() + "</div>"
    }

    private func programsTable() -> String {
        let e = Markup.escape
        let programs = metrics.segments.filter { $0.scope.kind == .program }
        guard !programs.isEmpty else { return note("No partner is enrolled on or before this day.") }
        var s = "<table class=\"figures\"><thead><tr><th>Program</th><th>Policy set</th><th class=\"num\">Enrolled</th>"
        s += "<th class=\"num\">Activated ≤ 90 days</th><th class=\"num\">Activated ever</th><th class=\"num\">Median days to first revenue</th>"
        s += "<th class=\"num\">First-year retention</th><th class=\"num\">Growth 12m</th><th class=\"num\">Top 20% share</th>"
        s += "<th class=\"num\">Certified</th><th class=\"num\">Outside territory</th></tr></thead><tbody>"
        for p in programs {
            s += "<tr><td>\(e(p.scope.name))</td><td>\(e(p.evaluations?.policySets.joined(separator: ", ") ?? "–"))</td>"
            for value in [Format.count(p.partners.enrolled), Format.percent(p.activation.within90Days.rate), Format.percent(p.activation.ever.rate),
                          Format.days(p.timeToFirstRevenue.median), Format.percent(p.firstYearRetention.retained.rate),
                          Format.percent(p.growth.rate, signed: true), Format.percent(p.concentration.share),
                          Format.percent(p.certifications.completion.rate), Format.percent(p.dealRegistrations.flagged.rate)] {
                s += "<td class=\"num\">\(e(value))</td>"
            }
            s += "</tr>"
        }
        return s + "</tbody></table>"
    }

    // MARK: - Charts

    private func funnelChart(_ s: SegmentMetrics) -> String {
        let steps = s.funnel.steps
        let labels = steps.map { step in
            Format.count(step.count) + (s.funnel.enrolled > 0 ? " (\(Format.percent(Double(step.count) / Double(s.funnel.enrolled))))" : "")
        }
        return StackedBarChart(title: "Onboarding funnel: partners that reached each step", orientation: .bars,
                               categoryAxis: "Onboarding step", valueAxis: "Partners",
                               categories: steps.map(\.name),
                               series: [.init(name: "partners", color: "#2563eb", values: steps.map { Double($0.count) })],
                               totalLabels: labels).svg(id: "funnel")
    }

    private func timeToRevenueChart(_ s: SegmentMetrics) -> String {
        let h = s.timeToFirstRevenue.histogram
        return StackedBarChart(title: "Time to first revenue", orientation: .columns,
                               categoryAxis: "Days from enrolment to first revenue", valueAxis: "Partners",
                               categories: h.map(\.label),
                               series: [.init(name: "partners", color: "#0891b2", values: h.map { Double($0.partners) })])
            .svg(id: "time-to-revenue")
    }

    private func ttfrNote(_ s: SegmentMetrics) -> String {
        let t = s.timeToFirstRevenue
        guard t.partners > 0 else { return note("No partner has booked revenue on or before this day.") }
        return note("Median \(Format.days(t.median, unit: true)); a quarter of partners with revenue got there within \(Format.count(t.p25 ?? 0, "day")), "
                    + "three quarters within \(Format.count(t.p75 ?? 0)), nine in ten within \(Format.count(t.p90 ?? 0)). "
                    + "\(Format.count(t.withoutRevenue, "enrolled partner")) \(t.withoutRevenue == 1 ? "has" : "have") no revenue yet.")
    }

    private func tierCharts() -> String {
        let sets = metrics.segments.filter { $0.scope.kind == .policySet }
        guard !sets.isEmpty else {
            return note("No evaluation on or before \(metrics.asOf): run partnerscore evaluate to see tiers, health and alerts.")
        }
        var figures: [String] = []
        for set in sets {
            guard let ev = set.evaluations else { continue }
            let history = ev.tierHistory.suffix(6)
            let tiers = ev.tierOrder
            var rank = 0
            let series = tiers.map { tier -> StackedBarChart.Series in
                defer { if tier != "none" { rank += 1 } }
                return .init(name: tier, color: Palette.tier(tier, rank: rank),
                             values: history.map { entry in Double(entry.tiers.first { $0.name == tier }?.count ?? 0) })
            }
            let chart = StackedBarChart(title: "Tiers of \(set.scope.name) (\(set.programs.joined(separator: ", ")))", orientation: .columns,
                                        categoryAxis: "Evaluation date", valueAxis: "Partners",
                                        categories: history.map(\.asOf.description), series: series)
            let moves = history.reduce((0, 0, 0, 0)) { ($0.0 + $1.assigned, $0.1 + $1.upgraded, $0.2 + $1.demoted, $0.3 + $1.reviewsOpened) }
            figures.append(chart.svg(id: "tiers-\(set.scope.name)")
                + "<figcaption>Over these \(history.count) evaluations: \(Format.count(moves.1)) upgrades, \(Format.count(moves.2)) demotions, "
                + "\(Format.count(moves.3)) tier reviews opened, \(Format.count(moves.0)) first tiers assigned.</figcaption>")
        }
        return grid(figures)
    }

    private func healthChart() -> String? {
        let sets = metrics.segments.filter { $0.scope.kind == .policySet && $0.evaluations != nil }
        guard !sets.isEmpty, let overall = metrics.overall.evaluations else { return nil }
        let series = overall.healthBands.enumerated().map { i, band in
            StackedBarChart.Series(name: band.name, color: Palette.band(band.name, index: i),
                                   values: sets.map { Double($0.evaluations!.healthBands.first { $0.name == band.name }?.count ?? 0) })
        }
        return StackedBarChart(title: "Health bands by policy set (latest decisions)", orientation: .columns,
                               categoryAxis: "Policy set", valueAxis: "Partners",
                               categories: sets.map(\.scope.name), series: series).svg(id: "health-bands")
    }

    private func milestoneChart(_ s: SegmentMetrics) -> String? {
        guard let ev = s.evaluations, !ev.milestones.isEmpty else { return nil }
        let m = ev.milestones
        let series: [StackedBarChart.Series] = [
            .init(name: "met on time", color: "#16a34a", values: m.map { Double($0.metOnTime) }),
            .init(name: "met late", color: "#f59e0b", values: m.map { Double($0.metLate) }),
            .init(name: "overdue", color: "#dc2626", values: m.map { Double($0.overdue) }),
            .init(name: "pending", color: "#cbd5e1", values: m.map { Double($0.pending) }),
        ]
        return StackedBarChart(title: "Onboarding milestones: on time, late, overdue", orientation: .bars,
                               categoryAxis: "Milestone", valueAxis: "Partners (latest decision)",
                               categories: m.map { $0.milestone.replacingOccurrences(of: "_", with: " ") }, series: series,
                               totalLabels: m.map { "\(Format.percent($0.onTime.rate)) on time" }).svg(id: "milestones")
    }

    private func alertsChart(_ s: SegmentMetrics) -> String? {
        guard let ev = s.evaluations else { return nil }
        let kinds = ev.alertsByKind.map(\.name)
        // Every step from the first to the most escalated, so a step nobody is at shows as an empty column.
        let first = min(1, ev.alertsByStep.first?.step ?? 1), last = max(1, ev.alertsByStep.last?.step ?? 1)
        let steps = Array(first...last)
        let series = kinds.enumerated().map { i, kind in
            StackedBarChart.Series(name: kind.replacingOccurrences(of: "_", with: " "), color: Palette.categorical[i % Palette.categorical.count],
                                   values: steps.map { step in
                                       Double(ev.alertsByStep.first { $0.step == step }?.byKind.first { $0.name == kind }?.count ?? 0)
                                   })
        }
        return StackedBarChart(title: "Open alerts by escalation step", orientation: .columns,
                               categoryAxis: "Intervention step reached (0: none yet)", valueAxis: "Open alerts",
                               categories: steps.map { "step \($0)" }, series: series).svg(id: "alerts-by-step")
    }

    private func monitoringNote(_ s: SegmentMetrics) -> String {
        guard let ev = s.evaluations else {
            return note("No evaluation on or before \(metrics.asOf): run partnerscore evaluate to see health bands, milestones and alerts.")
        }
        let review = ev.standings.first { $0.name == "review" }?.count ?? 0
        return note("\(Format.count(ev.partners, "partner")) evaluated (latest decision \(ev.latestEvaluation)); \(Format.count(ev.openAlerts, "open alert")); "
                    + "\(Format.count(review, "partner")) in tier review; \(Format.count(ev.partnersWithLapsedGates)) with a lapsed compliance gate.")
    }

    private func interventionTables(_ s: SegmentMetrics) -> String {
        let e = Markup.escape
        guard let i = s.interventions else { return note("No recorded run has opened a task yet.") }
        func cell(_ share: Share) -> String { "<td class=\"num\">\(e(Format.percent(share.rate)))<br/><span class=\"muted\">\(e(Format.count(share.part))) of \(e(Format.count(share.whole)))</span></td>" }
        var out = note("Of the partners' alerts that reached each step: how many recovered (the alert resolved) within 30, 60 and 90 days of the "
                       + "step's task opening, for tasks that reached the partner and those that did not.")
        out += "<table class=\"figures\"><thead><tr><th>Policy set</th><th>Step</th><th>Action</th><th>Reached?</th><th class=\"num\">Tasks</th>"
        out += "<th class=\"num\">Recovered ≤ 30 days</th><th class=\"num\">≤ 60 days</th><th class=\"num\">≤ 90 days</th></tr></thead><tbody>"
        for step in i.steps {
            for (label, r) in [("reached", step.reached), ("not reached", step.notReached)] {
                out += "<tr><td>\(e(step.policySet))</td><td class=\"num\">\(step.step)</td><td>\(e(step.action))</td><td>\(e(label))</td>"
                out += "<td class=\"num\">\(e(Format.count(r.tasks)))</td>" + cell(r.within30Days) + cell(r.within60Days) + cell(r.within90Days) + "</tr>"
            }
        }
        out += "</tbody></table>"
        out += "<table class=\"figures\"><thead><tr><th>Owner</th><th class=\"num\">Acknowledged</th><th class=\"num\">Median days to acknowledge</th>"
        out += "<th class=\"num\">p90</th><th class=\"num\">Waiting</th></tr></thead><tbody>"
        for a in i.acknowledgement {
            out += "<tr><td>\(e(a.owner))</td><td class=\"num\">\(e(Format.count(a.acknowledged)))</td><td class=\"num\">\(e(Format.days(a.medianDays)))</td>"
            out += "<td class=\"num\">\(e(Format.days(a.p90Days.map(Double.init))))</td><td class=\"num\">\(e(Format.count(a.waiting)))</td></tr>"
        }
        out += "</tbody></table>"
        let shown = i.queues.prefix(MetricsOutput.queuesShown)
        out += "<table class=\"figures\"><thead><tr><th>Open queue</th><th class=\"num\">Open</th><th class=\"num\">Acknowledged</th>"
        out += "<th>Oldest</th></tr></thead><tbody>"
        for q in shown {
            out += "<tr><td>\(e(q.assignee))</td><td class=\"num\">\(e(Format.count(q.open)))</td><td class=\"num\">\(e(Format.count(q.acknowledged)))</td>"
            out += "<td>\(e(q.oldest.description))</td></tr>"
        }
        out += "</tbody></table>"
        if i.queues.count > shown.count {
            out += note("And \(Format.count(i.queues.count - shown.count, "more queue")): partnerscore metrics --format csv lists every one.")
        }
        return out
    }

    private func attentionTable() -> String {
        let e = Markup.escape
        guard !attention.isEmpty else { return note("No partner has an open alert or a tier review in its latest decision.") }
        var s = note("Ranked by the most escalated open alert, then lapsed compliance gates, then the nearest tier-review deadline, then the lowest health score.")
        s += "<table class=\"attention\"><thead><tr><th>#</th><th>Partner</th><th>Program</th><th>Tier</th><th class=\"num\">Health</th>"
        s += "<th>Intervention</th><th>Why</th></tr></thead><tbody>"
        for (i, item) in attention.enumerated() {
            s += "<tr><td class=\"num\">\(i + 1)</td><td><strong>\(e(item.partnerName))</strong><br/><span class=\"muted\">\(e(item.partnerID))</span></td>"
            s += "<td>\(e(item.program))</td><td>\(e(item.tier ?? "none"))\(item.standing == "review" ? "<br/><span class=\"tag\">in review</span>" : "")</td>"
            s += "<td class=\"num\">\(e(AttentionItem.oneDecimal(item.healthScore)))<br/><span class=\"band band-\(e(item.healthBand.lowercased()))\">\(e(item.healthBand))</span></td>"
            s += "<td>\(item.step > 0 ? "step \(item.step): " : "")\(e(item.intervention ?? "none yet"))</td>"
            s += "<td><ul>" + item.reasons.map { "<li>\(e($0))</li>" }.joined() + "</ul></td></tr>"
        }
        return s + "</tbody></table>"
    }

    private func definitions() -> String {
        let items = [
            "Every figure uses only data dated on or before the as-of day. Windows are half-open: the last 12 months are (day − 12 months, day].",
            "Activated within 90 days: of partners enrolled at least 90 days before the day, those whose first deal won came within 90 days of enrolment. Activated ever: of all enrolled partners, those with any deal won.",
            "Time to first revenue: days from enrolment to the first revenue event, over partners with revenue; percentiles are nearest-rank.",
            "First-year retention: of partners enrolled 12 to 24 months before the day, those still active — status not terminated and any recorded activity in the last 90 days. (Status is the partner's current status; the store keeps no status history.)",
            "Revenue growth: trailing 12 months against the 12 before, over all partners; the median partner's growth is over partners with revenue in the prior 12 months.",
            "Revenue concentration: the share of trailing-12-month revenue brought by the top 20% of enrolled partners (rounded up), ranked by that revenue.",
            "Certification completion: enrolled partners holding at least one valid certification (the latest record of each certification counts). Expiring: valid certifications expiring within 90 days.",
            "Registrations outside territory: deal registrations of the last 12 months whose territory or product the partner is not authorized for.",
            "Interventions: tasks recorded runs opened when a menu step came to apply to an alert. A task reached the partner when it was done with the outcome reached, plan agreed or declined by the day, or, not done or dismissed by then, acknowledged by the day. Recovered within N days: of the tasks opened at least N days before the day, those whose alert resolved within N days of the task opening. Time to acknowledge: days from opening to acknowledgement, over the tasks acknowledged by the day; waiting: open and never acknowledged.",
            "Return on partner investment: trailing-12-month revenue divided by what the incentive ledger paid (commissions, rebates, growth rebates, SPIFFs and MDF) for payment periods ending in the last 12 months, as recorded by evaluations on or before the day; shown only when one currency was paid.",
            "Tiers, health bands, milestones, alerts: each partner's latest decision of each policy set on or before the day (partners terminated since are left out), exactly as the engine recorded it. A milestone's on-time rate is met on time of met on time, met late and overdue; pending ones are not yet decided.",
        ]
        return "<ul class=\"definitions\">" + items.map { "<li>\(Markup.escape($0))</li>" }.joined() + "</ul>"
    }

    // MARK: - Style

    static let css = """
        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #f8fafc; color: #0f172a;
               font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
        header h1 { margin: 0 0 4px; font-size: 26px; }
        .meta { margin: 0; color: #475569; }
        section { margin-top: 28px; }
        h2 { font-size: 18px; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 2px solid #e2e8f0; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; }
        .card { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 12px 14px; }
        .card-title { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #475569; }
        .card-value { font-size: 28px; font-weight: 700; margin: 2px 0; }
        .card-caption { font-size: 12px; color: #64748b; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; }
        figure { margin: 0; background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 14px; }
        figcaption { font-size: 12px; color: #475569; margin-top: 6px; }
        svg.chart { display: block; width: 100%; height: auto; font-family: inherit; fill: #0f172a; overflow: visible; }
        svg.chart .value { fill: #334155; }
        .note { color: #475569; font-size: 13px; margin: 10px 0; }
        table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #e2e8f0; font-size: 13px; }
        th, td { padding: 6px 8px; border-bottom: 1px solid #e2e8f0; text-align: left; vertical-align: top; }
        th { background: #f1f5f9; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .attention ul { margin: 0; padding-left: 16px; }
        .muted { color: #64748b; font-size: 12px; }
        .tag { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px; background: #fef3c7; color: #92400e; }
        .band { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px; background: #e2e8f0; }
        .band-green { background: #dcfce7; color: #166534; }
        .band-yellow { background: #fef9c3; color: #854d0e; }
        .band-red { background: #fee2e2; color: #991b1b; }
        .definitions { color: #334155; font-size: 13px; padding-left: 18px; }
        @media print {
          @page { size: A4; margin: 12mm; }
          body { background: #fff; font-size: 11px; }
          main { max-width: none; padding: 0; }
          .grid { display: block; }
          figure { break-inside: avoid; page-break-inside: avoid; margin-bottom: 10px; border: none; padding: 0; }
          .card, tr { break-inside: avoid; page-break-inside: avoid; }
          h2 { break-after: avoid; page-break-after: avoid; }
          thead { display: table-header-group; }
          #tiers, #attention, #definitions { break-before: page; page-break-before: always; }
          svg.chart { max-width: 100%; }
        }
        """
}

extension ProgramAnalytics {
    /// The report's data as of `asOf`: every segment's metrics and the
    /// partners needing attention most.
    public func report(asOf: Day, source: String, attentionLimit: Int = 25) throws -> ProgramReport {
        // One read transaction, so the figures and the list see the same data.
        try store.database.read { session in
            ProgramReport(metrics: try Self.metrics(session, store: store, asOf: asOf),
                          attention: try Self.attention(session, asOf: asOf, limit: attentionLimit),
                          source: source)
        }
    }
}
