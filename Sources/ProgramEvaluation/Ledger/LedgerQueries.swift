import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine

// The ledger's records and named reads (runs, states, decisions, alerts), in
// SQL both engines run (see `SQLSession`). Every other target reads the
// ledger through these: each row is parsed here, once.

/// A partner with the state the set governing its program keeps for it.
public struct PartnerStateRecord: Sendable {
    public var number: Int64
    public var partner: Partner
    /// The governing set, when it has evaluated the partner.
    public var policySet: String?
    public var standing: String?
    public var lastEvaluated: Day?
    /// The stored state, as the ledger keeps it (read with ``programState``).
    public var state: String?

    /// The stored state, nil when there is none or it cannot be read.
    public var programState: PartnerProgramState? { state.flatMap(PartnerProgramState.init(ledgerText:)) }
}

/// One recorded decision.
public struct DecisionRecord: Sendable {
    public var id: Int64
    public var runID: Int64
    public var partnerID: String
    public var policySet: String
    public var asOf: Day
    public var policyName: String
    public var policyVersion: String
    public var contentHash: String
    public var previousTier: String?
    public var tier: String?
    public var previousStanding: String
    public var standing: String
    public var tierEvent: String
    public var healthScore: Double
    public var healthBand: String
    public var intervention: String?
    public var snapshotHash: String
    /// The full evaluation, where the query read it (``LedgerQueries/latestDecision(_:partnerNumber:policySet:)``).
    public var evaluation: PartnerEvaluation?

    /// The columns a compact detail leaves out (nil if the row holds texts this version does not know).
    public var columns: DecisionColumns? {
        DecisionColumns(asOf: asOf, previousTier: previousTier, tier: tier, previousStanding: previousStanding,
                        standing: standing, tierEvent: tierEvent, healthScore: healthScore, healthBand: healthBand,
                        snapshotHash: snapshotHash)
    }

    /// The columns every decision query selects (`d` the decision, `p` its partner), in the order ``init(_:)`` reads them.
    static let columns = """
        d.id, d.runId, p.id, d.policySet, d.asOf, d.policyName, d.policyVersion, d.contentHash, d.previousTier, d.tier,
        d.previousStanding, d.standing, d.tierEvent, d.healthScore, d.healthBand, d.intervention, d.snapshotHash
        """
    static let columnCount = 17
    /// The decision's detail and its run's texts, after ``columns``.
    static let detailColumns = "d.detail, t.texts"
    /// Joins `t`, the texts a decision's detail refers to.
    static let textsJoin = "LEFT JOIN decision_text t ON t.runId = d.runId AND t.contentHash = d.contentHash"

    /// The record of a row selecting ``columns`` then ``detailColumns``, with its evaluation decoded.
    static func withEvaluation(_ row: SQLRow, _ reader: inout DecisionDetailReader) throws -> DecisionRecord {
        var record = try DecisionRecord(row)
        record.evaluation = try reader.evaluation(detail: try row.requiredText(columnCount), texts: row.string(columnCount + 1),
                                                  columns: record.columns)
        return record
    }
}

extension DecisionRecord {
    /// A row of ``columns`` (in an extension, so the memberwise initializer stays).
    init(_ row: SQLRow) throws {
        self.init(id: try row.requiredInt64(0), runID: try row.requiredInt64(1), partnerID: try row.requiredText(2),
                  policySet: try row.requiredText(3), asOf: try row.requiredDay(4), policyName: try row.requiredText(5),
                  policyVersion: try row.requiredText(6), contentHash: try row.requiredText(7), previousTier: row.string(8),
                  tier: row.string(9), previousStanding: try row.requiredText(10), standing: try row.requiredText(11),
                  tierEvent: try row.requiredText(12), healthScore: try row.requiredDouble(13), healthBand: try row.requiredText(14),
                  intervention: row.string(15), snapshotHash: try row.requiredText(16), evaluation: nil)
    }
}

/// The one decoder of a decision's detail: the row's compact detail,
/// completed by its columns and its run's texts. A run's rows share their
/// texts, so each distinct texts document is parsed once.
struct DecisionDetailReader {
    private var texts: [String: DecisionTexts] = [:]

    /// `texts` nil: a detail written before ledger-v2, which holds its texts itself.
    mutating func evaluation(detail: String, texts json: String?, columns: DecisionColumns?) throws -> PartnerEvaluation {
        var decodedTexts: DecisionTexts?
        if let json {
            decodedTexts = try texts[json] ?? DecisionTexts(json: json)
            texts[json] = decodedTexts
        }
        return try DecisionDetail.decode(Data(detail.utf8), texts: decodedTexts, columns: columns)
    }
}

/// One alert a set raised about a partner.
public struct AlertRecord: Sendable {
    public var id: Int64
    public var partnerID: String
    public var policySet: String
    public var kind: String
    public var subject: String
    public var firstRaised: Day
    public var lastSeen: Day
    public var resolved: Day?
    public var step: Int
    public var intervention: String?

    init(_ row: SQLRow) throws {
        id = try row.requiredInt64(0)
        partnerID = try row.requiredText(1)
        policySet = try row.requiredText(2)
        kind = try row.requiredText(3)
        subject = try row.requiredText(4)
        firstRaised = try row.requiredDay(5)
        lastSeen = try row.requiredDay(6)
        resolved = row.day(7)
        step = try row.requiredInt(8)
        intervention = row.string(9)
    }
}

/// A decision the ledger recorded, read back exactly as it was written.
public struct RecordedDecision: Sendable {
    /// The run that recorded it.
    public var runID: Int64
    public var evaluation: PartnerEvaluation
}

/// The ledger's named reads. Pages are newest first (decisions, alerts) or
/// in partner id order (partners), with one row more than asked for to tell
/// whether another page follows.
public enum LedgerQueries {
    /// Which policy set governs each program, as served now.
    public typealias Governance = [String: String]

    // MARK: - Partners with their state

    public struct PartnerFilter: Sendable {
        public var program: String?
        public var tier: String?
        public var standing: String?
        /// Only partners with an id after this one.
        public var after: String?
        public var limit: Int

        public init(program: String? = nil, tier: String? = nil, standing: String? = nil, after: String? = nil, limit: Int) {
            self.program = program
            self.tier = tier
            self.standing = standing
            self.after = after
            self.limit = limit
        }
    }

    private static let partnerStateColumns = PartnerRecord.columns("p") + ", s.policySet, s.standing, s.lastEvaluated, s.state"

    /// `partner` joined with the state the governing set keeps for it.
    private static func partnerSource(_ governance: Governance) -> (sql: String, arguments: [SQLValue]) {
        guard !governance.isEmpty else {
            return ("partner p LEFT JOIN partner_state s ON 1 = 0", [])
        }
        var arguments: [SQLValue] = []
        var cases = "CASE p.program"
        for (program, set) in governance.sorted(by: { $0.key < $1.key }) {
            cases += " WHEN ? THEN ?"
            arguments += [.text(program), .text(set)]
        }
        cases += " END"
        return ("partner p LEFT JOIN partner_state s ON s.partnerNumber = p.number AND s.policySet = \(cases)", arguments)
    }

    private static func partnerState(_ row: SQLRow) throws -> PartnerStateRecord {
        let record = try PartnerRecord(row)
        let c = PartnerRecord.columnCount
        return PartnerStateRecord(number: record.number, partner: record.partner, policySet: row.string(c),
                                  standing: row.string(c + 1), lastEvaluated: row.day(c + 2), state: row.string(c + 3))
    }

    /// One page of partners, in id order, each with its governing set's state.
    public static func partners(_ session: any SQLSession, _ filter: PartnerFilter,
                                governance: Governance) throws -> (rows: [PartnerStateRecord], more: Bool) {
        let (source, sourceArguments) = partnerSource(governance)
        var conditions: [String] = []
        var arguments = sourceArguments
        if let program = filter.program { conditions.append("p.program = ?"); arguments.append(.text(program)) }
        if let tier = filter.tier { conditions.append("p.tier = ?"); arguments.append(.text(tier)) }
        if let standing = filter.standing { conditions.append("s.standing = ?"); arguments.append(.text(standing)) }
        if let after = filter.after { conditions.append("p.id > ?"); arguments.append(.text(after)) }
        arguments.append(SQLValue(filter.limit + 1))
        let rows = try session.rows("SELECT \(partnerStateColumns) FROM \(source) \(whereClause(conditions)) ORDER BY p.id LIMIT ?",
                                    arguments)
        return page(try rows.map(partnerState), limit: filter.limit)
    }

    /// One partner with its governing set's state.
    public static func partner(_ session: any SQLSession, id: String, governance: Governance) throws -> PartnerStateRecord? {
        let (source, arguments) = partnerSource(governance)
        return try session.row("SELECT \(partnerStateColumns) FROM \(source) WHERE p.id = ?", arguments + [.text(id)])
            .map(partnerState)
    }

    /// What the ledger remembers of a partner under a set's name now (nil: never evaluated).
    public static func state(_ session: any SQLSession, policySet: String, partnerNumber: Int64) throws -> PartnerProgramState? {
        guard let row = try session.row("SELECT state FROM partner_state WHERE policySet = ? AND partnerNumber = ?",
                                        [.text(policySet), .integer(partnerNumber)]) else { return nil }
        guard let state = PartnerProgramState(ledgerText: try row.requiredText(0)) else {
            throw PartnerStoreError("the ledger's state of partner number \(partnerNumber) in policy set \(policySet) cannot be read",
                                    hint: "the ledger was written by an incompatible version; re-run the evaluations")
        }
        return state
    }

    // MARK: - Runs

    /// The day of the set's latest recorded run, if any.
    public static func lastRun(_ session: any SQLSession, policySet: String) throws -> Day? {
        try session.row("SELECT MAX(asOf) FROM evaluation_run WHERE policySet = ?", [.text(policySet)]).flatMap { $0.day(0) }
    }

    /// The day of any set's latest recorded run, if any (nil too when the store has no ledger).
    public static func lastRun(_ session: any SQLSession) throws -> Day? {
        guard try session.tableExists("evaluation_run") else { return nil }
        return try session.row("SELECT MAX(asOf) FROM evaluation_run").flatMap { $0.day(0) }
    }

    // MARK: - Decisions

    public struct DecisionFilter: Sendable {
        public var partner: String?
        public var policySet: String?
        public var tierEvent: String?
        public var from: Day?
        public var to: Day?
        /// Only decisions with an id below this one.
        public var before: Int64?
        public var limit: Int

        public init(partner: String? = nil, policySet: String? = nil, tierEvent: String? = nil, from: Day? = nil, to: Day? = nil,
                    before: Int64? = nil, limit: Int) {
            self.partner = partner
            self.policySet = policySet
            self.tierEvent = tierEvent
            self.from = from
            self.to = to
            self.before = before
            self.limit = limit
        }
    }

    /// One page of decisions, newest first (without their evaluations).
    public static func decisions(_ session: any SQLSession, _ filter: DecisionFilter) throws -> (rows: [DecisionRecord], more: Bool) {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let partner = filter.partner { conditions.append("p.id = ?"); arguments.append(.text(partner)) }
        if let set = filter.policySet { conditions.append("d.policySet = ?"); arguments.append(.text(set)) }
        if let event = filter.tierEvent { conditions.append("d.tierEvent = ?"); arguments.append(.text(event)) }
        if let from = filter.from { conditions.append("d.asOf >= ?"); arguments.append(SQLValue(from.daysSinceEpoch)) }
        if let to = filter.to { conditions.append("d.asOf <= ?"); arguments.append(SQLValue(to.daysSinceEpoch)) }
        if let before = filter.before { conditions.append("d.id < ?"); arguments.append(.integer(before)) }
        arguments.append(SQLValue(filter.limit + 1))
        let rows = try session.rows("""
            SELECT \(DecisionRecord.columns) FROM decision d JOIN partner p ON p.number = d.partnerNumber
            \(whereClause(conditions)) ORDER BY d.id DESC LIMIT ?
            """, arguments)
        return page(try rows.map(DecisionRecord.init), limit: filter.limit)
    }

    /// The latest decision a set made about a partner, with its full
    /// evaluation (nil if its detail cannot be read).
    public static func latestDecision(_ session: any SQLSession, partnerNumber: Int64, policySet: String) throws -> DecisionRecord? {
        guard let row = try session.row("""
            SELECT \(DecisionRecord.columns), \(DecisionRecord.detailColumns)
            FROM decision d JOIN partner p ON p.number = d.partnerNumber \(DecisionRecord.textsJoin)
            WHERE d.partnerNumber = ? AND d.policySet = ? ORDER BY d.asOf DESC, d.id DESC LIMIT 1
            """, [.integer(partnerNumber), .text(policySet)]) else { return nil }
        var reader = DecisionDetailReader()
        return try (try? DecisionRecord.withEvaluation(row, &reader)) ?? DecisionRecord(row)
    }

    /// The decision the set (by its ledger name) recorded about the partner
    /// as of `asOf`, if a run was recorded that day.
    public static func decision(_ session: any SQLSession, policySet: String, partnerID: String, asOf: Day) throws -> RecordedDecision? {
        guard let row = try session.row("""
            SELECT \(DecisionRecord.columns), \(DecisionRecord.detailColumns)
            FROM decision d JOIN partner p ON p.number = d.partnerNumber \(DecisionRecord.textsJoin)
            WHERE p.id = ? AND d.policySet = ? AND d.asOf = ?
            ORDER BY d.id DESC LIMIT 1
            """, [.text(partnerID), .text(policySet), SQLValue(asOf.daysSinceEpoch)]) else { return nil }
        var reader = DecisionDetailReader()
        let record = try DecisionRecord.withEvaluation(row, &reader)
        return RecordedDecision(runID: record.runID, evaluation: record.evaluation!)
    }

    // MARK: - Alerts

    public struct AlertFilter: Sendable {
        public var partner: String?
        public var partnerNumber: Int64?
        public var policySet: String?
        public var kind: String?
        /// true: open alerts only; false: resolved ones only.
        public var open: Bool?
        /// Only alerts with an id below this one.
        public var before: Int64?
        public var limit: Int

        public init(partner: String? = nil, partnerNumber: Int64? = nil, policySet: String? = nil, kind: String? = nil,
                    open: Bool? = nil, before: Int64? = nil, limit: Int) {
            self.partner = partner
            self.partnerNumber = partnerNumber
            self.policySet = policySet
            self.kind = kind
            self.open = open
            self.before = before
            self.limit = limit
        }
    }

    /// One page of alerts, newest first.
    public static func alerts(_ session: any SQLSession, _ filter: AlertFilter) throws -> (rows: [AlertRecord], more: Bool) {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let partner = filter.partner { conditions.append("p.id = ?"); arguments.append(.text(partner)) }
        if let number = filter.partnerNumber { conditions.append("a.partnerNumber = ?"); arguments.append(.integer(number)) }
        if let set = filter.policySet { conditions.append("a.policySet = ?"); arguments.append(.text(set)) }
        if let kind = filter.kind { conditions.append("a.kind = ?"); arguments.append(.text(kind)) }
        if let open = filter.open { conditions.append(open ? "a.resolved IS NULL" : "a.resolved IS NOT NULL") }
        if let before = filter.before { conditions.append("a.id < ?"); arguments.append(.integer(before)) }
        arguments.append(SQLValue(filter.limit + 1))
        let rows = try session.rows("""
            SELECT a.id, p.id, a.policySet, a.kind, a.subject, a.firstRaised, a.lastSeen, a.resolved, a.step, a.intervention
            FROM alert a JOIN partner p ON p.number = a.partnerNumber
            \(whereClause(conditions)) ORDER BY a.id DESC LIMIT ?
            """, arguments)
        return page(try rows.map(AlertRecord.init), limit: filter.limit)
    }

    // MARK: -

    static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    /// The first `limit` rows, and whether the query found more.
    static func page<T>(_ rows: [T], limit: Int) -> (rows: [T], more: Bool) {
        rows.count > limit ? (Array(rows.prefix(limit)), true) : (rows, false)
    }
}
