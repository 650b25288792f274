import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

/// Reads partners with their program state, decisions and alerts for the
/// API: plain SQL over the store's and the ledger's tables (see
/// `LedgerSchema`), in pages.
struct LedgerReader: Sendable {
    let store: PartnerStore

    /// Which policy set governs each program, as served now.
    typealias Governance = [String: String]

    // MARK: - Partners

    struct PartnerRow: Sendable {
        var number: Int64
        var partner: Partner
        var policySet: String?
        var standing: String?
        var lastEvaluated: Day?
        var state: String?
    }

    struct PartnerFilter: Sendable {
        var program: String?
        var tier: String?
        var standing: String?
        var after: String?
        var limit: Int
    }

    private static let partnerColumns = """
        p.number, p.id, p.name, p.type, p.program, p.region, p.country, p.territories, p.products, p.enrolled,
        p.channelAccountManager, p.tier, p.tierSince, p.status, s.policySet, s.standing, s.lastEvaluated, s.state
        """

    /// `partner` joined with the state the governing set keeps for it.
    private static func partnerSource(_ governance: Governance) -> (sql: String, arguments: StatementArguments) {
        guard !governance.isEmpty else {
            return ("partner p LEFT JOIN partner_state s ON 0", [])
        }
        var arguments = StatementArguments()
        var cases = "CASE p.program"
        for (program, set) in governance.sorted(by: { $0.key < $1.key }) {
            cases += " WHEN ? THEN ?"
            arguments += [program, set]
        }
        cases += " END"
        return ("partner p LEFT JOIN partner_state s ON s.partnerNumber = p.number AND s.policySet = \(cases)", arguments)
    }

    func partners(_ filter: PartnerFilter, governance: Governance) async throws -> (rows: [PartnerRow], more: Bool) {
        try await store.writer.read { db in
            let (source, sourceArguments) = Self.partnerSource(governance)
            var conditions: [String] = []
            var arguments = sourceArguments
            if let program = filter.program { conditions.append("p.program = ?"); arguments += [program] }
            if let tier = filter.tier { conditions.append("p.tier = ?"); arguments += [tier] }
            if let standing = filter.standing { conditions.append("s.standing = ?"); arguments += [standing] }
            if let after = filter.after { conditions.append("p.id > ?"); arguments += [after] }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments += [filter.limit + 1]
            var rows = try Row.fetchAll(db, sql: "SELECT \(Self.partnerColumns) FROM \(source) \(whereClause) ORDER BY p.id LIMIT ?",
                                        arguments: arguments).map(Self.partnerRow)
            let more = rows.count > filter.limit
            if more { rows.removeLast() }
            return (rows, more)
        }
    }

    func partner(id: String, governance: Governance) async throws -> PartnerRow? {
        try await store.writer.read { db in
            let (source, arguments) = Self.partnerSource(governance)
            return try Row.fetchOne(db, sql: "SELECT \(Self.partnerColumns) FROM \(source) WHERE p.id = ?",
                                    arguments: arguments + [id]).map(Self.partnerRow)
        }
    }

    private static func partnerRow(_ row: Row) -> PartnerRow {
        let list = { (text: String) -> [String] in
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] ?? []
        }
        let partner = Partner(id: row[1], name: row[2], type: PartnerType(rawValue: row[3]) ?? .reseller, program: row[4],
                              region: row[5], country: row[6], territories: list(row[7]), products: list(row[8]),
                              enrolled: Day(daysSinceEpoch: row[9]), channelAccountManager: row[10], tier: row[11],
                              tierSince: (row[12] as Int32?).map(Day.init(daysSinceEpoch:)),
                              status: PartnerStatus(rawValue: row[13]) ?? .active)
        return PartnerRow(number: row[0], partner: partner, policySet: row[14], standing: row[15],
                          lastEvaluated: (row[16] as Int32?).map(Day.init(daysSinceEpoch:)), state: row[17])
    }

    // MARK: - Decisions

    struct DecisionRow: Sendable {
        var id: Int64
        var runID: Int64
        var partnerID: String
        var policySet: String
        var asOf: Day
        var policyName: String
        var policyVersion: String
        var contentHash: String
        var previousTier: String?
        var tier: String?
        var previousStanding: String
        var standing: String
        var tierEvent: String
        var healthScore: Double
        var healthBand: String
        var intervention: String?
        var snapshotHash: String
        /// The full evaluation (only where asked for).
        var evaluation: PartnerEvaluation?

        /// The columns a compact detail leaves out (nil if the row holds texts this version does not know).
        var columns: DecisionColumns? {
            DecisionColumns(asOf: asOf, previousTier: previousTier, tier: tier, previousStanding: previousStanding,
                            standing: standing, tierEvent: tierEvent, healthScore: healthScore, healthBand: healthBand,
                            snapshotHash: snapshotHash)
        }
    }

    struct DecisionFilter: Sendable {
        var partner: String?
        var policySet: String?
        var tierEvent: String?
        var from: Day?
        var to: Day?
        var before: Int64?
        var limit: Int
    }

    private static let decisionColumns = """
        d.id, d.runId, p.id, d.policySet, d.asOf, d.policyName, d.policyVersion, d.contentHash, d.previousTier, d.tier,
        d.previousStanding, d.standing, d.tierEvent, d.healthScore, d.healthBand, d.intervention, d.snapshotHash
        """

    /// Newest first.
    func decisions(_ filter: DecisionFilter) async throws -> (rows: [DecisionRow], more: Bool) {
        try await store.writer.read { db in
            var conditions: [String] = []
            var arguments = StatementArguments()
            if let partner = filter.partner { conditions.append("p.id = ?"); arguments += [partner] }
            if let set = filter.policySet { conditions.append("d.policySet = ?"); arguments += [set] }
            if let event = filter.tierEvent { conditions.append("d.tierEvent = ?"); arguments += [event] }
            if let from = filter.from { conditions.append("d.asOf >= ?"); arguments += [from.daysSinceEpoch] }
            if let to = filter.to { conditions.append("d.asOf <= ?"); arguments += [to.daysSinceEpoch] }
            if let before = filter.before { conditions.append("d.id < ?"); arguments += [before] }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments += [filter.limit + 1]
            var rows = try Row.fetchAll(db, sql: """
                SELECT \(Self.decisionColumns) FROM decision d JOIN partner p ON p.number = d.partnerNumber
                \(whereClause) ORDER BY d.id DESC LIMIT ?
                """, arguments: arguments).map { Self.decisionRow($0, evaluation: nil) }
            let more = rows.count > filter.limit
            if more { rows.removeLast() }
            return (rows, more)
        }
    }

    /// The latest decision a set made about a partner, with its full evaluation
    /// (nil if its detail cannot be read).
    func latestDecision(partnerNumber: Int64, policySet: String) async throws -> DecisionRow? {
        try await store.writer.read { db in
            try Row.fetchOne(db, sql: """
                SELECT \(Self.decisionColumns), d.detail, t.texts FROM decision d JOIN partner p ON p.number = d.partnerNumber
                LEFT JOIN decision_text t ON t.runId = d.runId AND t.contentHash = d.contentHash
                WHERE d.partnerNumber = ? AND d.policySet = ? ORDER BY d.asOf DESC, d.id DESC LIMIT 1
                """, arguments: [partnerNumber, policySet]).map { row in
                let detail: String = row[17]
                let texts = (row[18] as String?).flatMap { try? DecisionTexts(json: $0) }
                var decision = Self.decisionRow(row, evaluation: nil)
                decision.evaluation = try? PartnerEvaluation.decode(detail: Data(detail.utf8), texts: texts, columns: decision.columns)
                return decision
            }
        }
    }

    private static func decisionRow(_ row: Row, evaluation: PartnerEvaluation?) -> DecisionRow {
        DecisionRow(id: row[0], runID: row[1], partnerID: row[2], policySet: row[3], asOf: Day(daysSinceEpoch: row[4]),
                    policyName: row[5], policyVersion: row[6], contentHash: row[7], previousTier: row[8], tier: row[9],
                    previousStanding: row[10], standing: row[11], tierEvent: row[12], healthScore: row[13],
                    healthBand: row[14], intervention: row[15], snapshotHash: row[16], evaluation: evaluation)
    }

    // MARK: - Alerts

    struct AlertRow: Sendable {
        var id: Int64
        var partnerID: String
        var policySet: String
        var kind: String
        var subject: String
        var firstRaised: Day
        var lastSeen: Day
        var resolved: Day?
        var step: Int
        var intervention: String?
    }

    struct AlertFilter: Sendable {
        var partner: String?
        var partnerNumber: Int64?
        var policySet: String?
        var kind: String?
        var open: Bool?
        var before: Int64?
        var limit: Int
    }

    /// Newest first.
    func alerts(_ filter: AlertFilter) async throws -> (rows: [AlertRow], more: Bool) {
        try await store.writer.read { db in
            var conditions: [String] = []
            var arguments = StatementArguments()
            if let partner = filter.partner { conditions.append("p.id = ?"); arguments += [partner] }
            if let number = filter.partnerNumber { conditions.append("a.partnerNumber = ?"); arguments += [number] }
            if let set = filter.policySet { conditions.append("a.policySet = ?"); arguments += [set] }
            if let kind = filter.kind { conditions.append("a.kind = ?"); arguments += [kind] }
            if let open = filter.open { conditions.append(open ? "a.resolved IS NULL" : "a.resolved IS NOT NULL") }
            if let before = filter.before { conditions.append("a.id < ?"); arguments += [before] }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments += [filter.limit + 1]
            var rows = try Row.fetchAll(db, sql: """
                SELECT a.id, p.id, a.policySet, a.kind, a.subject, a.firstRaised, a.lastSeen, a.resolved, a.step, a.intervention
                FROM alert a JOIN partner p ON p.number = a.partnerNumber
                \(whereClause) ORDER BY a.id DESC LIMIT ?
                """, arguments: arguments).map { row in
                AlertRow(id: row[0], partnerID: row[1], policySet: row[2], kind: row[3], subject: row[4],
                         firstRaised: Day(daysSinceEpoch: row[5]), lastSeen: Day(daysSinceEpoch: row[6]),
                         resolved: (row[7] as Int32?).map(Day.init(daysSinceEpoch:)), step: row[8], intervention: row[9])
            }
            let more = rows.count > filter.limit
            if more { rows.removeLast() }
            return (rows, more)
        }
    }
}
