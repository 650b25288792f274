import Hummingbird
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

/// `/v1/decisions`: the decision log, newest first, filtered by partner,
/// policy set, tier event and as-of range.
struct DecisionsController: Sendable {
    let database: any SQLDatabase

    var endpoints: RouteCollection<ServiceContext> {
        let routes = RouteCollection(context: ServiceContext.self)
        routes.group().add(middleware: RoleMiddleware(.viewer)).get(use: list)
        return routes
    }

    struct Decision: Codable, Equatable {
        struct PolicyRef: Codable, Equatable {
            var name: String
            var version: String
            var contentHash: String
            enum CodingKeys: String, CodingKey { case name, version, contentHash = "content_hash" }
        }

        var id: Int64
        var runID: Int64
        var partnerID: String
        var policySet: String
        var asOf: Day
        var policy: PolicyRef
        var previousTier: String?
        var tier: String?
        var previousStanding: String
        var standing: String
        var tierEvent: String
        var healthScore: Double
        var healthBand: String
        var intervention: String?
        var snapshotHash: String

        enum CodingKeys: String, CodingKey {
            case id, policy, tier, standing, intervention
            case runID = "run_id", partnerID = "partner_id", policySet = "policy_set", asOf = "as_of",
                 previousTier = "previous_tier", previousStanding = "previous_standing", tierEvent = "tier_event",
                 healthScore = "health_score", healthBand = "health_band", snapshotHash = "snapshot_hash"
        }

        init(_ row: DecisionRecord) {
            id = row.id
            runID = row.runID
            partnerID = row.partnerID
            policySet = row.policySet
            asOf = row.asOf
            policy = PolicyRef(name: row.policyName, version: row.policyVersion, contentHash: row.contentHash)
            previousTier = row.previousTier
            tier = row.tier
            previousStanding = row.previousStanding
            standing = row.standing
            tierEvent = row.tierEvent
            healthScore = row.healthScore
            healthBand = row.healthBand
            intervention = row.intervention
            snapshotHash = row.snapshotHash
        }
    }

    struct DecisionList: ResponseEncodable {
        var decisions: [Decision]
        var nextCursor: String?
        enum CodingKeys: String, CodingKey { case decisions, nextCursor = "next_cursor" }
    }

    @Sendable func list(_ request: Request, context: ServiceContext) async throws -> DecisionList {
        let query = request.query
        let from = try query.day("from")
        let to = try query.day("to")
        // `to` before `from` is a valid, empty range (no decision is in it).
        let filter = LedgerQueries.DecisionFilter(
            partner: query.string("partner"), policySet: query.string("policy_set"),
            tierEvent: try query.oneOf("tier_event", TierEvent.allCases.map(\.rawValue)),
            from: from, to: to, before: try query.idCursor(), limit: try query.limit())
        let (rows, more) = try await database.asyncRead { try LedgerQueries.decisions($0, filter) }
        return DecisionList(decisions: rows.map(Decision.init), nextCursor: more ? rows.last.map { String($0.id) } : nil)
    }
}
