import PartnerModel
import PartnerStore
import PolicyEngine

/// The decision log's aggregates as of a day, by (policy set, program), for
/// program analytics: counts over each partner's latest decision, and over
/// every run for the tier history. The milestone, alert and gate figures
/// come from the latest decision's detail, i.e. exactly what the engine
/// decided then.
public struct LedgerFigures: Sendable {
    public struct Group: Hashable, Sendable {
        public var policySet: String
        public var program: String
    }

    /// Latest decisions by tier ("none" for no tier), standing and health band.
    public struct LatestCount: Sendable {
        public var group: Group
        public var tier: String
        public var standing: String
        public var healthBand: String
        public var partners: Int
        public var latestAsOf: Day
        public var lowestScore: Double
    }

    /// A tier named by a policy's entry criteria, in the order the policy lists them (lowest tier first).
    public struct TierEntry: Sendable {
        public var group: Group
        public var tier: String
    }

    public struct MilestoneCount: Sendable {
        public var group: Group
        public var milestone: String
        public var status: String
        public var partners: Int
        public var totalDays: Double
    }

    /// Open alerts of latest decisions by escalation step and key.
    public struct AlertCount: Sendable {
        public var group: Group
        public var step: Int
        public var key: String
        public var alerts: Int
    }

    /// Partners whose latest decision has a lapsed compliance gate.
    public struct LapsedGates: Sendable {
        public var group: Group
        public var partners: Int
    }

    /// Decisions of every run on or before the day, by tier ("none" for no tier) and tier event.
    public struct HistoryCount: Sendable {
        public var group: Group
        public var asOf: Day
        public var tier: String
        public var tierEvent: String
        public var decisions: Int
    }

    public var latest: [LatestCount] = []
    public var tierEntries: [TierEntry] = []
    public var milestones: [MilestoneCount] = []
    public var alerts: [AlertCount] = []
    public var lapsedGates: [LapsedGates] = []
    public var history: [HistoryCount] = []

    /// The latest decision of each (policy set, partner) on or before the
    /// day (the one argument), for partners not terminated since (the
    /// engine no longer evaluates those).
    static let latestCTE = """
        WITH latest AS (
            SELECT d.*, p.program AS program
            FROM (SELECT policySet, partnerNumber, MAX(asOf) AS asOf FROM decision WHERE asOf <= ?
                  GROUP BY policySet, partnerNumber) l
            JOIN decision d ON d.policySet = l.policySet AND d.partnerNumber = l.partnerNumber AND d.asOf = l.asOf
            JOIN partner p ON p.number = d.partnerNumber AND p.status <> 'terminated'
        )
        """

    /// The SQL that reads the decision detail's JSON, per engine. SQLite's
    /// JSON functions on the `text` column; on PostgreSQL the same column
    /// cast to `json` (never `jsonb`: the stored bytes stay as written) and
    /// its `json` operators. Text taken out of the JSON is compared in byte
    /// order (`COLLATE "C"`), as SQLite does, so the order is the same on both.
    struct DetailSQL {
        /// `FROM …` items: each element of the array at `key` of `detail` as `alias` (its `alias.value`, and `alias.key` its index).
        var elements: (_ detail: String, _ key: String, _ alias: String) -> String
        /// A text member of an element, or of an object at a path (`review.deadline`).
        var text: (_ value: String, _ path: String) -> String
        /// A number member of an element, and an integer one.
        var number: (_ value: String, _ path: String) -> String
        var integer: (_ value: String, _ path: String) -> String
        /// Sums a number column, 0.0 for none (SQLite's `TOTAL`).
        var total: (_ column: String) -> String

        static func of(_ engine: SQLEngine) -> DetailSQL {
            switch engine {
            case .sqlite:
                DetailSQL(elements: { "json_each(\($0), '$.\($1)') \($2)" },
                          text: { "json_extract(\($0), '$.\($1)')" },
                          number: { "json_extract(\($0), '$.\($1)')" },
                          integer: { "json_extract(\($0), '$.\($1)')" },
                          total: { "TOTAL(\($0))" })
            case .postgresql:
                DetailSQL(elements: { "json_array_elements(\($0)::json -> '\($1)') WITH ORDINALITY \($2)(value, key)" },
                          text: { "(\($0)::json #>> '{\($1.replacingOccurrences(of: ".", with: ","))}') COLLATE \"C\"" },
                          number: { "(\($0)::json #>> '{\($1)}')::float8" },
                          integer: { "(\($0)::json #>> '{\($1)}')::bigint" },
                          total: { "COALESCE(SUM(\($0)), 0.0)" })
            }
        }
    }

    /// The figures as of `asOf` (none when the store has no ledger).
    public static func load(_ session: any SQLSession, asOf: Day) throws -> LedgerFigures {
        guard try session.tableExists("decision") else { return LedgerFigures() }
        let json = DetailSQL.of(session.engine)
        var figures = LedgerFigures()
        let day = SQLValue(asOf.daysSinceEpoch)
        func each(_ sql: String, _ body: (Group, SQLRow) throws -> Void) throws {
            try session.forEachRow(sql, [day]) { row in
                try body(Group(policySet: try row.requiredText(0), program: try row.requiredText(1)), row)
            }
        }
        try each(latestCTE + """
            SELECT policySet, program, COALESCE(tier, 'none'), standing, healthBand, COUNT(*), MAX(asOf), MIN(healthScore)
            FROM latest GROUP BY 1, 2, 3, 4, 5
            """) { g, row in
            figures.latest.append(LatestCount(group: g, tier: try row.requiredText(2), standing: try row.requiredText(3),
                                              healthBand: try row.requiredText(4), partners: try row.requiredInt(5),
                                              latestAsOf: try row.requiredDay(6), lowestScore: try row.requiredDouble(7)))
        }
        // The policy's tier order: its entry criteria are listed tier by
        // tier, lowest first, in one (any) latest decision of the group.
        try each(latestCTE + """
            , one AS (SELECT policySet, program, MAX(id) AS id FROM latest GROUP BY 1, 2)
            SELECT one.policySet, one.program, \(json.text("c.value", "tier")), MIN(c.key)
            FROM one JOIN decision d ON d.id = one.id, \(json.elements("d.detail", "criteria", "c"))
            WHERE \(json.text("c.value", "phase")) = 'entry'
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 4
            """) { g, row in
            figures.tierEntries.append(TierEntry(group: g, tier: try row.requiredText(2)))
        }
        try each(latestCTE + """
            SELECT policySet, program, \(json.text("m.value", "milestone")), \(json.text("m.value", "status")),
                   COUNT(*), \(json.total(json.number("m.value", "days")))
            FROM latest, \(json.elements("latest.detail", "milestones", "m"))
            GROUP BY 1, 2, 3, 4
            """) { g, row in
            figures.milestones.append(MilestoneCount(group: g, milestone: try row.requiredText(2), status: try row.requiredText(3),
                                                     partners: try row.requiredInt(4), totalDays: try row.requiredDouble(5)))
        }
        try each(latestCTE + """
            SELECT policySet, program, \(json.integer("a.value", "step")), \(json.text("a.value", "key")), COUNT(*)
            FROM latest, \(json.elements("latest.detail", "alerts", "a"))
            GROUP BY 1, 2, 3, 4
            """) { g, row in
            figures.alerts.append(AlertCount(group: g, step: try row.requiredInt(2), key: try row.requiredText(3),
                                             alerts: try row.requiredInt(4)))
        }
        try each(latestCTE + """
            SELECT policySet, program, COUNT(*) FROM latest
            WHERE EXISTS (SELECT 1 FROM \(json.elements("latest.detail", "gates", "g")) WHERE \(json.text("g.value", "status")) = 'lapsed')
            GROUP BY 1, 2
            """) { g, row in
            figures.lapsedGates.append(LapsedGates(group: g, partners: try row.requiredInt(2)))
        }
        try each("""
            SELECT d.policySet, p.program, d.asOf, COALESCE(d.tier, 'none'), d.tierEvent, COUNT(*)
            FROM decision d JOIN partner p ON p.number = d.partnerNumber
            WHERE d.asOf <= ?
            GROUP BY 1, 2, 3, 4, 5
            """) { g, row in
            figures.history.append(HistoryCount(group: g, asOf: try row.requiredDay(2), tier: try row.requiredText(3),
                                                tierEvent: try row.requiredText(4), decisions: try row.requiredInt(5)))
        }
        return figures
    }
}

extension LedgerQueries {
    /// The latest decisions (as of `asOf`, one per set and partner, partner
    /// not terminated) with an open alert or a tier review, most urgent
    /// first: the most escalated alert step, then lapsed compliance gates,
    /// then a tier review (nearest demotion deadline first), then the lowest
    /// health score, then partner id and set. Each with its evaluation.
    public static func attention(_ session: any SQLSession, asOf: Day, limit: Int) throws -> [DecisionRecord] {
        guard try session.tableExists("decision") else { return [] }
        let json = LedgerFigures.DetailSQL.of(session.engine)
        let texts = try session.tableExists("decision_text")   // since ledger-v2
        let rows = try session.rows(LedgerFigures.latestCTE + """
            , ranked AS (
                SELECT latest.*,
                       (SELECT MAX(\(json.integer("a.value", "step"))) FROM \(json.elements("latest.detail", "alerts", "a"))) AS maxStep,
                       (SELECT COUNT(*) FROM \(json.elements("latest.detail", "alerts", "a"))) AS alertCount,
                       (SELECT COUNT(*) FROM \(json.elements("latest.detail", "gates", "g"))
                         WHERE \(json.text("g.value", "status")) = 'lapsed') AS lapsed,
                       \(json.text("latest.detail", "review.deadline")) AS reviewDeadline
                FROM latest)
            SELECT \(DecisionRecord.columns), d.detail, \(texts ? "t.texts" : "NULL")
            FROM ranked d JOIN partner p ON p.number = d.partnerNumber
            \(texts ? DecisionRecord.textsJoin : "")
            WHERE d.alertCount > 0 OR d.standing = 'review'
            ORDER BY COALESCE(d.maxStep, -1) DESC, d.lapsed DESC, d.reviewDeadline IS NULL, d.reviewDeadline,
                     d.healthScore, p.id, d.policySet
            LIMIT ?
            """, [SQLValue(asOf.daysSinceEpoch), SQLValue(limit)])
        var reader = DecisionDetailReader()
        return try rows.map { row in
            do {
                return try DecisionRecord.withEvaluation(row, &reader)
            } catch {
                throw PartnerStoreError("a decision of policy set \(row.string(3) ?? "?") cannot be read: \(error)",
                                        hint: "the decision log was written by an incompatible version; re-run the evaluations")
            }
        }
    }
}
