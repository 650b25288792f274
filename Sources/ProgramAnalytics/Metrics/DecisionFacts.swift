import GRDB
import PartnerModel

/// Aggregates of the decision log as of a day, grouped by policy set and
/// program so that any segment (all, one set, one program) is a sum of
/// groups. Read with a handful of SQL aggregates; the milestone, alert and
/// gate figures come from the `detail` JSON of each partner's latest
/// decision (json_each in SQL), i.e. exactly what the engine decided then.
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

    /// The latest decision of each (policy set, partner) on or before `:d`,
    /// for partners not terminated since (the engine no longer evaluates those).
    static let latestCTE = """
        WITH latest AS (
            SELECT d.*, p.program AS program
            FROM (SELECT policySet, partnerNumber, MAX(asOf) AS asOf FROM decision WHERE asOf <= :d
                  GROUP BY policySet, partnerNumber) l
            JOIN decision d ON d.policySet = l.policySet AND d.partnerNumber = l.partnerNumber AND d.asOf = l.asOf
            JOIN partner p ON p.number = d.partnerNumber AND p.status <> 'terminated'
        )
        """

    static func load(_ db: Database, asOf: Day) throws -> DecisionFacts {
        guard try db.tableExists("decision") else { return DecisionFacts() }
        var facts = DecisionFacts()
        let args: StatementArguments = ["d": asOf.daysSinceEpoch]
        func each(_ sql: String, _ body: (Group, Row) throws -> Void) throws {
            let rows = try Row.fetchCursor(db, sql: latestCTE + sql, arguments: args)
            while let row = try rows.next() { try body(Group(policySet: row[0], program: row[1]), row) }
        }
        try each("""
            SELECT policySet, program, COALESCE(tier, 'none'), standing, healthBand, COUNT(*), MAX(asOf), MIN(healthScore)
            FROM latest GROUP BY 1, 2, 3, 4, 5
            """) { g, row in
            facts.groups.insert(g)
            let n: Int = row[5]
            facts.partners[g, default: 0] += n
            facts.tiers[g, default: [:]][row[2], default: 0] += n
            facts.standings[g, default: [:]][row[3], default: 0] += n
            let band: String = row[4]
            facts.bands[g, default: [:]][band, default: 0] += n
            facts.latestEvaluation[g] = max(facts.latestEvaluation[g] ?? .min, row[6])
            facts.bandFloor[band] = min(facts.bandFloor[band] ?? .infinity, row[7])
        }
        // The policy's tier order: its entry criteria are listed tier by tier,
        // lowest first; a tier without entry criteria is the entry tier.
        try each("""
            , one AS (SELECT policySet, program, MAX(id) AS id FROM latest GROUP BY 1, 2)
            SELECT one.policySet, one.program, json_extract(c.value, '$.tier'), MIN(c.key)
            FROM one JOIN decision d ON d.id = one.id, json_each(d.detail, '$.criteria') c
            WHERE json_extract(c.value, '$.phase') = 'entry'
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 4
            """) { g, row in
            var ranks = facts.tierRank[g] ?? [:]
            ranks[row[2]] = ranks.count + 1
            facts.tierRank[g] = ranks
        }
        try each("""
            SELECT policySet, program, json_extract(m.value, '$.milestone'), json_extract(m.value, '$.status'),
                   COUNT(*), TOTAL(json_extract(m.value, '$.days'))
            FROM latest, json_each(latest.detail, '$.milestones') m
            GROUP BY 1, 2, 3, 4
            """) { g, row in
            facts.milestones[g, default: [:]][row[2], default: [:]][row[3]] = (row[4], row[5])
        }
        try each("""
            SELECT policySet, program, json_extract(a.value, '$.step'), json_extract(a.value, '$.key'), COUNT(*)
            FROM latest, json_each(latest.detail, '$.alerts') a
            GROUP BY 1, 2, 3, 4
            """) { g, row in
            let key: String = row[3]
            let kind = key.split(separator: ":", maxSplits: 1).first.map(String.init) ?? key
            facts.alerts[g, default: [:]][row[2], default: [:]][kind, default: 0] += row[4] as Int
        }
        try each("""
            SELECT policySet, program, COUNT(*) FROM latest
            WHERE EXISTS (SELECT 1 FROM json_each(latest.detail, '$.gates') g WHERE json_extract(g.value, '$.status') = 'lapsed')
            GROUP BY 1, 2
            """) { g, row in
            facts.lapsedGates[g] = row[2]
        }
        // Every run on or before the day, for tiers and moves over time.
        let history = try Row.fetchCursor(db, sql: """
            SELECT d.policySet, p.program, d.asOf, COALESCE(d.tier, 'none'), d.tierEvent, COUNT(*)
            FROM decision d JOIN partner p ON p.number = d.partnerNumber
            WHERE d.asOf <= :d
            GROUP BY 1, 2, 3, 4, 5
            """, arguments: args)
        while let row = try history.next() {
            let g = Group(policySet: row[0], program: row[1])
            let day: Int32 = row[2], n: Int = row[5]
            facts.historyTiers[g, default: [:]][day, default: [:]][row[3], default: 0] += n
            facts.historyEvents[g, default: [:]][day, default: [:]][row[4], default: 0] += n
        }
        return facts
    }

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
