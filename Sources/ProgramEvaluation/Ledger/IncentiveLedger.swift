import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

/// The incentive ledger, `incentive_line`: an append-only journal of what
/// partners earn, written by a recorded run in the transaction of its
/// decisions (a dry run writes nothing). This file owns the table: its
/// migration, its record type and every query against it.
///
/// Postings (docs/policies.md, "Incentives"): at each run, for each partner,
/// rule and the period holding the as-of day, with E(b) what the rules pay
/// now (tier held after the run) on a basis b, B the period's basis to date,
/// B₀ the cumulative basis of the period's previous posting of the rule and
/// P what was posted for it so far:
/// - an `accrual` of E(B) − E(B₀) on the basis B − B₀, at the current rate;
/// - a `true_up` of E(B₀) − P: the earlier basis re-rated (an accelerator
///   crossed, a tier change, a cap).
/// E(B₀) applies the rules now to the earlier basis: the tier held after the
/// run and the rate the period's whole basis B reached (accelerators re-rate
/// back to the first unit).
/// So a period's lines always sum to E(B), a run touches only its own
/// periods, and a run repeated after a failure writes the same rows.
public enum IncentiveLedger {
    static func register(in migrator: inout DatabaseMigrator) {
        // Only adds a table (see ledger-v2 on foreign-key checks).
        migrator.registerMigration("incentives-v1", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: """
                CREATE TABLE incentive_line (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL REFERENCES evaluation_run(id) ON DELETE CASCADE,
                    policySet TEXT NOT NULL,
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    program TEXT NOT NULL,
                    rule TEXT NOT NULL,
                    line TEXT NOT NULL,
                    posting TEXT NOT NULL,
                    period TEXT NOT NULL,
                    periodStart INTEGER NOT NULL,
                    periodEnd INTEGER NOT NULL,
                    asOf INTEGER NOT NULL,
                    basis TEXT NOT NULL,
                    basisTotal TEXT NOT NULL,
                    basisExcluded TEXT NOT NULL,
                    rate TEXT NOT NULL,
                    amountCents INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE INDEX incentive_line_on_partner ON incentive_line(policySet, partnerNumber, periodEnd);
                CREATE INDEX incentive_line_on_period ON incentive_line(policySet, period);
                """)
        }
    }

    public enum Posting: String, Sendable, Codable {
        case accrual
        case trueUp = "true_up"
    }

    /// What the ledger holds of a rule's period for a partner before a run.
    struct Prior: Sendable {
        /// B₀: the cumulative basis that accrued (less what a suspension excluded).
        var basis: ExactDecimal
        /// The cumulative basis a suspended benefit kept from accruing.
        var excluded: ExactDecimal
        /// P: the amounts posted so far.
        var paid: ExactDecimal
    }

    /// One row to write.
    struct Row: Sendable {
        var rule: String
        var line: IncentiveLine
        var posting: Posting
        var period: IncentivePeriod
        /// The period's label, made by the worker (not the writer).
        var label: String
        var basis: ExactDecimal
        var basisTotal: ExactDecimal
        var excluded: ExactDecimal
        var rate: String
        var amount: ExactDecimal
        var detail: String
    }

    /// The priors of the periods holding `asOf`, by partner number, then rule name.
    static func priors(_ db: Database, policySet: String, numbers: [Int64], asOf: Day) throws -> [Int64: [String: Prior]] {
        var priors: [Int64: [String: Prior]] = [:]
        guard !numbers.isEmpty else { return priors }
        // SQLite: with one max() aggregate, bare columns come from the row holding the maximum (the latest posting).
        let rows = try GRDB.Row.fetchCursor(db, sql: """
            SELECT partnerNumber, rule, MAX(id), basisTotal, basisExcluded, SUM(amountCents) FROM incentive_line
            WHERE policySet = ? AND periodStart <= ? AND periodEnd >= ? AND asOf <= ?
              AND partnerNumber IN (\(databaseQuestionMarks(count: numbers.count)))
            GROUP BY partnerNumber, rule
            """, arguments: StatementArguments([policySet, asOf.daysSinceEpoch, asOf.daysSinceEpoch, asOf.daysSinceEpoch] as [DatabaseValueConvertible]
                                                + numbers.map { $0 as DatabaseValueConvertible }))
        while let row = try rows.next() {
            let basis: String = row[3], excluded: String = row[4]
            guard let b = ExactDecimal(text: basis), let x = ExactDecimal(text: excluded) else {
                throw DatabaseError(message: "incentive_line of partner number \(row[0] as Int64) holds an unreadable basis '\(basis)'")
            }
            priors[row[0], default: [:]][row[1]] = Prior(basis: b, excluded: x, paid: ExactDecimal(units: Int128(row[5] as Int64), scale: 2))
        }
        return priors
    }

    /// The postings of one partner's earnings against the ledger's priors.
    static func post(_ earnings: [IncentiveEarning], rules: [IncentiveRule], priors: [String: Prior]) -> [Row] {
        var rows: [Row] = []
        for e in earnings {
            let rule = rules[e.rule]
            let prior = priors[rule.name] ?? Prior(basis: .zero, excluded: .zero, paid: .zero)
            // The evaluator left out the basis dated while a gate suspending the benefit was lapsed.
            let eligible = e.eligible, excluded = e.excluded
            // E(B₀): the rules now — tier, and the rate the whole period's basis reached — on the earlier basis.
            let before = rule.amount(on: prior.basis, tier: e.tier, reaching: eligible, base: .given(e.baseRate))
            let accrual = e.amount - before.amount
            let trueUp = before.amount - prior.paid
            // Written only with a line: most partners post nothing new at most runs.
            var detail: String { Self.detail(e, rule: rule) }
            if trueUp != .zero {
                rows.append(Row(rule: rule.name, line: rule.line, posting: .trueUp, period: e.period, label: e.period.label, basis: .zero,
                                basisTotal: prior.basis, excluded: prior.excluded, rate: rateText(before.rate, rule), amount: trueUp,
                                detail: detail))
            }
            // What a suspension excluded is recorded when it changes, and the basis when it moves in a
            // period that pays something, even when nothing more accrues (a capped MDF): the last line of
            // a period that pays holds its cumulative basis.
            if accrual != .zero || excluded != prior.excluded || (eligible != prior.basis && e.amount != .zero) {
                rows.append(Row(rule: rule.name, line: rule.line, posting: .accrual, period: e.period, label: e.period.label,
                                basis: eligible - prior.basis,
                                basisTotal: eligible, excluded: excluded, rate: rateText(e.rate, rule), amount: accrual, detail: detail))
            }
        }
        return rows
    }

    static func rateText(_ rate: ExactDecimal?, _ rule: IncentiveRule) -> String {
        guard let rate else { return "none" }
        if let promotion = rule.promotion { return "\(rate) per \(promotion.kind)" }
        return rate.description
    }

    /// The line's circumstances as compact JSON with sorted keys.
    static func detail(_ e: IncentiveEarning, rule: IncentiveRule) -> String {
        var fields: [(String, String)] = []
        if e.accelerators > 0 { fields.append(("accelerators", String(e.accelerators))) }
        if let last = e.basisLastYear { fields.append(("basis_last_year", "\"\(last)\"")) }
        if let cap = e.cap { fields.append(("cap", "\"\(cap.text(places: 2))\"")) }
        if e.capped { fields.append(("capped", "true")) }
        if e.excluded != .zero { fields.append(("excluded", "\"\(e.excluded)\"")) }
        if e.suspended { fields.append(("suspended", quoted(rule.benefit ?? ""))) }
        fields.append(("tier", e.tier.map(quoted) ?? "null"))
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static func quoted(_ text: String) -> String { TextFormat.jsonString(text) }

    /// The insert statement of a run.
    struct Writer {
        let insert: StatementBinder

        init(_ db: Database) throws {
            insert = StatementBinder(try db.makeStatement(sql: """
                INSERT INTO incentive_line (runId, policySet, partnerNumber, program, rule, line, posting, period, periodStart,
                    periodEnd, asOf, basis, basisTotal, basisExcluded, rate, amountCents, currency, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """))
        }

        func write(_ rows: [Row], runID: Int64, policySet: String, partnerNumber: Int64, partnerID: String, program: String,
                   asOf: Day, currency: String) throws {
            let s = insert
            for row in rows {
                s.int64(1, runID)
                s.text(2, policySet)
                s.int64(3, partnerNumber)
                s.text(4, program)
                s.text(5, row.rule)
                s.text(6, row.line.rawValue)
                s.text(7, row.posting.rawValue)
                s.text(8, row.label)
                s.int32(9, row.period.start.daysSinceEpoch)
                s.int32(10, row.period.end.daysSinceEpoch)
                s.int32(11, asOf.daysSinceEpoch)
                s.text(12, row.basis.description)
                s.text(13, row.basisTotal.description)
                s.text(14, row.excluded.description)
                s.text(15, row.rate)
                guard let cents = Int64(exactly: row.amount.rounded(places: 2).units) else {
                    throw DatabaseError(message: "the incentive line '\(row.rule)' of partner \(partnerID) would pay \(row.amount.text(places: 2)) "
                                        + "\(currency), more than the ledger holds (cents must fit 64 bits); check the basis and the rule")
                }
                s.int64(16, cents)
                s.text(17, currency)
                s.text(18, row.detail)
                try s.execute("the incentive line '\(row.rule)' of partner \(partnerID)")
            }
        }
    }
}

// MARK: - Reading

/// One line of the incentive ledger, as statements, exports and the API show it.
public struct IncentiveLedgerLine: Sendable, Equatable, Codable {
    public var id: Int64
    public var runID: Int64
    public var policySet: String
    public var partnerID: String
    public var partnerName: String
    public var program: String
    public var rule: String
    public var line: IncentiveLine
    public var posting: IncentiveLedger.Posting
    public var period: String
    public var periodStart: Day
    public var periodEnd: Day
    public var asOf: Day
    /// The basis this line is on (a true-up: none new), and the period's cumulative basis.
    public var basis: ExactDecimal
    public var basisTotal: ExactDecimal
    public var basisExcluded: ExactDecimal
    public var rate: String
    public var amount: ExactDecimal
    public var currency: String
    /// JSON: tier, accelerators reached, cap, capped, suspended benefit, excluded basis, last year's basis.
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case id, runID = "run_id", policySet = "policy_set", partnerID = "partner_id", partnerName = "partner_name", program, rule,
             line, posting, period, periodStart = "period_start", periodEnd = "period_end", asOf = "as_of", basis,
             basisTotal = "basis_total", basisExcluded = "basis_excluded", rate, amount, currency, detail
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(runID, forKey: .runID)
        try c.encode(policySet, forKey: .policySet)
        try c.encode(partnerID, forKey: .partnerID)
        try c.encode(partnerName, forKey: .partnerName)
        try c.encode(program, forKey: .program)
        try c.encode(rule, forKey: .rule)
        try c.encode(line, forKey: .line)
        try c.encode(posting, forKey: .posting)
        try c.encode(period, forKey: .period)
        try c.encode(periodStart.description, forKey: .periodStart)
        try c.encode(periodEnd.description, forKey: .periodEnd)
        try c.encode(asOf.description, forKey: .asOf)
        // Exact decimals as text: JSON numbers are doubles to most readers.
        try c.encode(basis.description, forKey: .basis)
        try c.encode(basisTotal.description, forKey: .basisTotal)
        try c.encode(basisExcluded.description, forKey: .basisExcluded)
        try c.encode(rate, forKey: .rate)
        try c.encode(amount.text(places: 2), forKey: .amount)
        try c.encode(currency, forKey: .currency)
        try c.encode(detail, forKey: .detail)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func decimal(_ key: CodingKeys) throws -> ExactDecimal {
            let text = try c.decode(String.self, forKey: key)
            guard let value = ExactDecimal(text: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not a decimal: \(text)")
            }
            return value
        }
        func day(_ key: CodingKeys) throws -> Day { try Day(parsing: try c.decode(String.self, forKey: key)) }
        id = try c.decode(Int64.self, forKey: .id)
        runID = try c.decode(Int64.self, forKey: .runID)
        policySet = try c.decode(String.self, forKey: .policySet)
        partnerID = try c.decode(String.self, forKey: .partnerID)
        partnerName = try c.decode(String.self, forKey: .partnerName)
        program = try c.decode(String.self, forKey: .program)
        rule = try c.decode(String.self, forKey: .rule)
        line = try c.decode(IncentiveLine.self, forKey: .line)
        posting = try c.decode(IncentiveLedger.Posting.self, forKey: .posting)
        period = try c.decode(String.self, forKey: .period)
        periodStart = try day(.periodStart)
        periodEnd = try day(.periodEnd)
        asOf = try day(.asOf)
        basis = try decimal(.basis)
        basisTotal = try decimal(.basisTotal)
        basisExcluded = try decimal(.basisExcluded)
        rate = try c.decode(String.self, forKey: .rate)
        amount = try decimal(.amount)
        currency = try c.decode(String.self, forKey: .currency)
        detail = try c.decode(String.self, forKey: .detail)
    }

    init(row: GRDB.Row) throws {
        func decimal(_ i: Int) throws -> ExactDecimal {
            let text: String = row[i]
            guard let value = ExactDecimal(text: text) else { throw DatabaseError(message: "incentive_line holds an unreadable decimal '\(text)'") }
            return value
        }
        let lineText: String = row[7], postingText: String = row[8]
        guard let line = IncentiveLine(rawValue: lineText), let posting = IncentiveLedger.Posting(rawValue: postingText) else {
            throw DatabaseError(message: "incentive_line holds an unknown line type '\(lineText)' or posting '\(postingText)'")
        }
        id = row[0]
        runID = row[1]
        policySet = row[2]
        partnerID = row[3]
        partnerName = row[4]
        program = row[5]
        rule = row[6]
        self.line = line
        self.posting = posting
        period = row[9]
        periodStart = Day(daysSinceEpoch: row[10])
        periodEnd = Day(daysSinceEpoch: row[11])
        asOf = Day(daysSinceEpoch: row[12])
        basis = try decimal(13)
        basisTotal = try decimal(14)
        basisExcluded = try decimal(15)
        rate = row[16]
        amount = ExactDecimal(units: Int128(row[17] as Int64), scale: 2)
        currency = row[18]
        detail = row[19]
    }
}

extension IncentiveLedger {
    /// Which lines to read: every filter given must hold.
    public struct Filter: Sendable {
        public var policySet: String?
        public var partnerID: String?
        /// A period label (`2026-10`, `2026-Q4`).
        public var period: String?
        /// Lines of periods overlapping these days.
        public var from: Day?
        public var to: Day?
        /// Lines after this id (a cursor), and at most this many.
        public var after: Int64?
        public var limit: Int?
        /// Newest first, and only lines before this id (the API's pages).
        public var newestFirst = false
        public var before: Int64?

        public init(policySet: String? = nil, partnerID: String? = nil, period: String? = nil, from: Day? = nil, to: Day? = nil,
                    after: Int64? = nil, limit: Int? = nil) {
            (self.policySet, self.partnerID, self.period, self.from, self.to, self.after, self.limit) =
                (policySet, partnerID, period, from, to, after, limit)
        }
    }

    /// The lines matching `filter`, in ledger order (id).
    public static func lines(_ db: Database, _ filter: Filter) throws -> [IncentiveLedgerLine] {
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible] = []
        if let set = filter.policySet { conditions.append("l.policySet = ?"); arguments.append(set) }
        if let id = filter.partnerID { conditions.append("p.id = ?"); arguments.append(id) }
        if let period = filter.period { conditions.append("l.period = ?"); arguments.append(period) }
        if let from = filter.from { conditions.append("l.periodEnd >= ?"); arguments.append(from.daysSinceEpoch) }
        if let to = filter.to { conditions.append("l.periodStart <= ?"); arguments.append(to.daysSinceEpoch) }
        if let after = filter.after { conditions.append("l.id > ?"); arguments.append(after) }
        if let before = filter.before { conditions.append("l.id < ?"); arguments.append(before) }
        let sql = """
            SELECT l.id, l.runId, l.policySet, p.id, p.name, l.program, l.rule, l.line, l.posting, l.period, l.periodStart,
                   l.periodEnd, l.asOf, l.basis, l.basisTotal, l.basisExcluded, l.rate, l.amountCents, l.currency, l.detail
            FROM incentive_line l JOIN partner p ON p.number = l.partnerNumber
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY l.id\(filter.newestFirst ? " DESC" : "")\(filter.limit.map { " LIMIT \($0)" } ?? "")
            """
        return try GRDB.Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(IncentiveLedgerLine.init(row:))
    }

    /// The lines matching `filter` read from `store`.
    public static func lines(in store: PartnerStore, _ filter: Filter) throws -> [IncentiveLedgerLine] {
        try store.writer.read { db in try lines(db, filter) }
    }

    /// What the ledger paid, by set, program, currency and line type: the lines recorded
    /// on or before `asOf` for payment periods ending after `since` (the metrics' last 12 months).
    public struct Cost: Sendable, Equatable {
        public var policySet: String
        public var program: String
        public var currency: String
        public var line: IncentiveLine
        public var amount: ExactDecimal
    }

    public static func costs(_ db: Database, since: Day, asOf: Day) throws -> [Cost] {
        guard try db.tableExists("incentive_line") else { return [] }
        return try GRDB.Row.fetchAll(db, sql: """
            SELECT policySet, program, currency, line, SUM(amountCents) FROM incentive_line
            WHERE periodEnd > ? AND asOf <= ?
            GROUP BY policySet, program, currency, line ORDER BY policySet, program, currency, line
            """, arguments: [since.daysSinceEpoch, asOf.daysSinceEpoch]).compactMap { row in
            guard let line = IncentiveLine(rawValue: row[3]) else { return nil }
            return Cost(policySet: row[0], program: row[1], currency: row[2], line: line,
                        amount: ExactDecimal(units: Int128(row[4] as Int64), scale: 2))
        }
    }
}

extension IncentiveLedger {
    /// What each rule of `policy` had earned the partner, by the lines the
    /// set recorded up to `asOf`, for the periods holding `asOf` — read back
    /// for `explain` of a recorded decision. A rule without lines earned
    /// nothing (with the tier the decision gave, `tier`).
    public static func earnings(in store: PartnerStore, policySet: String, partnerID: String, asOf: Day, policy: Policy,
                                tier: String?) throws -> [IncentiveEarning] {
        guard let plan = policy.incentives else { return [] }
        return try store.writer.read { db in
            try plan.rules.indices.map { i in
                let rule = plan.rules[i]
                let period = IncentivePeriod(rule.every, fiscalYearStart: rule.fiscalYearStart, holding: asOf)
                let lines = try GRDB.Row.fetchAll(db, sql: """
                    SELECT l.basisTotal, l.basisExcluded, l.detail, SUM(l.amountCents) OVER (), l.id, l.rate FROM incentive_line l
                    JOIN partner p ON p.number = l.partnerNumber
                    WHERE l.policySet = ? AND p.id = ? AND l.rule = ? AND l.period = ? AND l.asOf <= ?
                    ORDER BY l.id DESC LIMIT 1
                    """, arguments: [policySet, partnerID, rule.name, period.label, asOf.daysSinceEpoch])
                var e = IncentiveEarning(rule: i, name: rule.name, line: rule.line, period: period, basis: .zero,
                                         rate: rule.baseRate(tier: tier), amount: ExactDecimal.zero.cents, tier: tier, accelerators: 0,
                                         cap: rule.capAmount(tier: tier), capped: false, suspended: false, basisLastYear: nil)
                guard let row = lines.first else { return e }
                let total: String = row[0], excluded: String = row[1], detail: String = row[2]
                let fields = (try? JSONSerialization.jsonObject(with: Data(detail.utf8))) as? [String: Any] ?? [:]
                e.excluded = ExactDecimal(text: excluded) ?? .zero
                e.basis = (ExactDecimal(text: total) ?? .zero) + e.excluded
                e.amount = ExactDecimal(units: Int128(row[3] as Int64), scale: 2)
                e.tier = fields["tier"] as? String
                e.accelerators = fields["accelerators"] as? Int ?? 0
                e.cap = (fields["cap"] as? String).flatMap(ExactDecimal.init(text:)) ?? rule.capAmount(tier: e.tier)
                e.capped = fields["capped"] as? Bool ?? false
                e.suspended = fields["suspended"] != nil
                e.basisLastYear = (fields["basis_last_year"] as? String).flatMap(ExactDecimal.init(text:))
                // The rate recorded (a rate function's result is known only from it), and the base rate below its accelerators.
                e.rate = (row[5] as String?).flatMap(ExactDecimal.init(text:))
                e.baseRate = e.rate.map { rate in rule.accelerators.prefix(e.accelerators).reduce(rate) { $0 - $1.add } }
                return e
            }
        }
    }
}
