import PartnerModel
import ProgramEvaluation

/// Aggregates of the decision log as of a day, grouped by policy set and
/// program so that any segment (all, one set, one program) is a sum of
/// groups: the ledger's ``LedgerFigures``, folded for segments.
struct DecisionFacts {
    struct Group: Hashable, Comparable {
        var policySet: String
        var program: String
        static func < (a: Group, b: Group) -> Bool { (a.policySet, a.program) < (b.policySet, b.program) }
    }

    /// Groups with at least one decision on or before the day.
    var groups: Set<Group> = []
    var latestEvaluation: [Group: Int32] = [:]
    var partners: [Group: Int] = [:]
    var tiers: [Group: [String: Int]] = [:]
    /// Tier → rank within its policy (0 = lowest), from the order of the policy's entry criteria.
    var tierRank: [Group: [String: Int]] = [:]
    var standings: [Group: [String: Int]] = [:]
    var bands: [Group: [String: Int]] = [:]
    /// The lowest score seen in each band (orders bands best first).
    var bandFloor: [String: Double] = [:]
    /// (group, milestone) → status → (count, total days)
    var milestones: [Group: [String: [String: (count: Int, days: Double)]]] = [:]
    /// step → kind → count
    var alerts: [Group: [Int: [String: Int]]] = [:]
    var lapsedGates: [Group: Int] = [:]
    /// evaluation day → tier → count, and → tier event → count
    var historyTiers: [Group: [Int32: [String: Int]]] = [:]
    var historyEvents: [Group: [Int32: [String: Int]]] = [:]

    /// The ledger's figures, folded by group.
    init(_ figures: LedgerFigures) {
        func group(_ g: LedgerFigures.Group) -> Group { Group(policySet: g.policySet, program: g.program) }
        for c in figures.latest {
            let g = group(c.group)
            groups.insert(g)
            partners[g, default: 0] += c.partners
            tiers[g, default: [:]][c.tier, default: 0] += c.partners
            standings[g, default: [:]][c.standing, default: 0] += c.partners
            bands[g, default: [:]][c.healthBand, default: 0] += c.partners
            latestEvaluation[g] = max(latestEvaluation[g] ?? .min, c.latestAsOf.daysSinceEpoch)
            bandFloor[c.healthBand] = min(bandFloor[c.healthBand] ?? .infinity, c.lowestScore)
        }
        // Entry criteria are listed tier by tier, lowest first; a tier without them is the entry tier (rank 0).
        for entry in figures.tierEntries {
            let g = group(entry.group)
            var ranks = tierRank[g] ?? [:]
            ranks[entry.tier] = ranks.count + 1
            tierRank[g] = ranks
        }
        for m in figures.milestones {
            milestones[group(m.group), default: [:]][m.milestone, default: [:]][m.status] = (m.partners, m.totalDays)
        }
        for a in figures.alerts {
            let kind = a.key.split(separator: ":", maxSplits: 1).first.map(String.init) ?? a.key
            alerts[group(a.group), default: [:]][a.step, default: [:]][kind, default: 0] += a.alerts
        }
        for l in figures.lapsedGates { lapsedGates[group(l.group)] = l.partners }
        // Every run on or before the day, for tiers and moves over time.
        for h in figures.history {
            let g = group(h.group), day = h.asOf.daysSinceEpoch
            historyTiers[g, default: [:]][day, default: [:]][h.tier, default: 0] += h.decisions
            historyEvents[g, default: [:]][day, default: [:]][h.tierEvent, default: 0] += h.decisions
        }
    }

    init() {}

    /// The evaluation figures of the groups `include` selects; nil when none has decisions.
    func metrics(where include: (Group) -> Bool, historyLength: Int = 12) -> EvaluationMetrics? {
        let chosen = groups.filter(include).sorted()
        guard !chosen.isEmpty else { return nil }
        func sum(_ table: [Group: [String: Int]]) -> [String: Int] {
            var total: [String: Int] = [:]
            for g in chosen { for (k, v) in table[g] ?? [:] { total[k, default: 0] += v } }
            return total
        }
        // A tier's rank in the segment: its lowest rank in any chosen policy (0 = entry tier).
        var rank: [String: Int] = [:]
        func rankTiers(_ names: some Sequence<String>, group g: Group) {
            for name in names where name != "none" {
                let r = tierRank[g]?[name] ?? 0
                rank[name] = min(rank[name] ?? r, r)
            }
        }
        for g in chosen {
            rankTiers(tiers[g].map { Array($0.keys) } ?? [], group: g)
            for (_, byTier) in historyTiers[g] ?? [:] { rankTiers(byTier.keys, group: g) }
        }
        func orderedTiers(_ counts: [String: Int]) -> [NamedCount] {
            counts.map { NamedCount($0.key, $0.value) }.sorted { a, b in
                let ra = a.name == "none" ? Int.max : rank[a.name] ?? 0, rb = b.name == "none" ? Int.max : rank[b.name] ?? 0
                return (ra, a.name) < (rb, b.name)
            }
        }

        var milestoneTotals: [String: [String: (count: Int, days: Double)]] = [:]
        for g in chosen {
            for (milestone, byStatus) in milestones[g] ?? [:] {
                for (status, value) in byStatus {
                    let old = milestoneTotals[milestone]?[status] ?? (0, 0)
                    milestoneTotals[milestone, default: [:]][status] = (old.count + value.count, old.days + value.days)
                }
            }
        }
        let milestoneNames = milestoneTotals.keys.sorted {
            (MilestoneOutcome.order.firstIndex(of: $0) ?? .max, $0) < (MilestoneOutcome.order.firstIndex(of: $1) ?? .max, $1)
        }
        let milestoneOutcomes = milestoneNames.map { name -> MilestoneOutcome in
            let s = milestoneTotals[name]!
            func n(_ status: String) -> Int { s[status]?.count ?? 0 }
            func mean(_ status: String) -> Double? { n(status) == 0 ? nil : s[status]!.days / Double(n(status)) }
            return MilestoneOutcome(milestone: name, metOnTime: n("met_on_time"), metLate: n("met_late"), overdue: n("overdue"),
                                    pending: n("pending"),
                                    onTime: Share(n("met_on_time"), of: n("met_on_time") + n("met_late") + n("overdue")),
                                    meanDaysLate: mean("met_late"), meanDaysOverdue: mean("overdue"))
        }

        var byStep: [Int: [String: Int]] = [:]
        for g in chosen { for (step, kinds) in alerts[g] ?? [:] { for (k, v) in kinds { byStep[step, default: [:]][k, default: 0] += v } } }
        let alertSteps = byStep.keys.sorted().map { step in
            AlertStep(step: step, alerts: byStep[step]!.values.reduce(0, +),
                      byKind: byStep[step]!.sorted { $0.key < $1.key }.map { NamedCount($0.key, $0.value) })
        }
        var byKind: [String: Int] = [:]
        for kinds in byStep.values { for (k, v) in kinds { byKind[k, default: 0] += v } }

        var days: [Int32: (tiers: [String: Int], events: [String: Int])] = [:]
        for g in chosen {
            for (day, byTier) in historyTiers[g] ?? [:] { for (k, v) in byTier { days[day, default: ([:], [:])].tiers[k, default: 0] += v } }
            for (day, byEvent) in historyEvents[g] ?? [:] { for (k, v) in byEvent { days[day, default: ([:], [:])].events[k, default: 0] += v } }
        }
        let history = days.keys.sorted().suffix(historyLength).map { day in
            let e = days[day]!.events
            return TierHistoryEntry(asOf: Day(daysSinceEpoch: day), tiers: orderedTiers(days[day]!.tiers),
                                    assigned: e["assigned"] ?? 0, upgraded: e["upgraded"] ?? 0, demoted: e["demoted"] ?? 0,
                                    reviewsOpened: e["review_opened"] ?? 0)
        }

        var allTiers = Set(sum(tiers).keys)
        for entry in history { allTiers.formUnion(entry.tiers.map(\.name)) }
        let standingTotals = sum(standings)
        return EvaluationMetrics(
            policySets: Set(chosen.map(\.policySet)).sorted(),
            latestEvaluation: Day(daysSinceEpoch: chosen.compactMap { latestEvaluation[$0] }.max()!),
            partners: chosen.reduce(0) { $0 + (partners[$1] ?? 0) },
            tiers: orderedTiers(sum(tiers)),
            tierOrder: orderedTiers(Dictionary(uniqueKeysWithValues: allTiers.map { ($0, 0) })).map(\.name),
            standings: ["good", "review", "none"].map { NamedCount($0, standingTotals[$0] ?? 0) },
            tierHistory: Array(history),
            healthBands: sum(bands).map { NamedCount($0.key, $0.value) }.sorted {
                (-(bandFloor[$0.name] ?? 0), $0.name) < (-(bandFloor[$1.name] ?? 0), $1.name)
            },
            milestones: milestoneOutcomes,
            openAlerts: byKind.values.reduce(0, +),
            alertsByStep: alertSteps,
            alertsByKind: byKind.sorted { $0.key < $1.key }.map { NamedCount($0.key, $0.value) },
            partnersWithLapsedGates: chosen.reduce(0) { $0 + (lapsedGates[$1] ?? 0) })
    }
}
