import Foundation
import Hummingbird
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

/// `/v1/partners`: the partner list, one partner with its program state,
/// and one partner's live evaluation.
struct PartnersController: Sendable {
    let database: any SQLDatabase
    let registry: PolicyRegistry
    let evaluations: Evaluations

    var endpoints: RouteCollection<ServiceContext> {
        let routes = RouteCollection(context: ServiceContext.self)
        routes.group().add(middleware: RoleMiddleware(.viewer))
            .get(use: list)
            .get(":id", use: show)
            .get(":id/evaluation", use: evaluation)
        return routes
    }

    // MARK: - Types

    /// A partner as listed.
    struct PartnerSummary: ResponseEncodable, Equatable {
        var id: String
        var name: String
        var type: String
        var program: String
        var region: String
        var country: String
        var status: String
        var enrolled: Day
        var tier: String?
        var tierSince: Day?
        var policySet: String?
        var standing: String?
        var lastEvaluated: Day?

        enum CodingKeys: String, CodingKey {
            case id, name, type, program, region, country, status, enrolled, tier, standing
            case tierSince = "tier_since", policySet = "policy_set", lastEvaluated = "last_evaluated"
        }

        init(_ row: PartnerStateRecord) {
            let p = row.partner
            id = p.id
            name = p.name
            type = p.type.rawValue
            program = p.program
            region = p.region
            country = p.country
            status = p.status.rawValue
            enrolled = p.enrolled
            tier = p.tier
            tierSince = p.tierSince
            policySet = row.policySet
            standing = row.standing
            lastEvaluated = row.lastEvaluated
        }
    }

    struct PartnerList: ResponseEncodable {
        var partners: [PartnerSummary]
        var nextCursor: String?
        enum CodingKeys: String, CodingKey { case partners, nextCursor = "next_cursor" }
    }

    /// One partner with what its governing policy set last decided.
    struct PartnerDetail: ResponseEncodable {
        var partner: PartnerSummary
        var territories: [String]
        var products: [String]
        /// From the latest decision: what the partner may sell now.
        var authorizedProducts: [String]?
        var authorizedAllProducts: Bool?
        var channelAccountManager: String
        var review: TierReview?
        var health: HealthResult?
        var gates: [Gate]
        var intervention: InterventionChoice?
        var openAlerts: [AlertsController.Alert]
        var latestDecision: DecisionsController.Decision?

        enum CodingKeys: String, CodingKey {
            case partner, territories, products, review, health, gates, intervention
            case channelAccountManager = "channel_account_manager", openAlerts = "open_alerts", latestDecision = "latest_decision"
            case authorizedProducts = "authorized_products", authorizedAllProducts = "authorized_all_products"
        }
    }

    struct Gate: Codable, Equatable {
        var gate: String
        var requirement: String
        var status: String
        var expires: Day?
        var daysToExpiry: Int?
        var suspendedProducts: [String]
        var suspendedBenefits: [String]

        enum CodingKeys: String, CodingKey {
            case gate, requirement, status, expires
            case daysToExpiry = "days_to_expiry", suspendedProducts = "suspended_products", suspendedBenefits = "suspended_benefits"
        }
    }

    struct LiveEvaluation: ResponseEncodable {
        var policySet: String
        var asOf: Day
        var evaluation: PartnerEvaluation
        var explanation: String
        enum CodingKeys: String, CodingKey {
            case evaluation, explanation
            case policySet = "policy_set", asOf = "as_of"
        }
    }

    // MARK: - Handlers

    @Sendable func list(_ request: Request, context: ServiceContext) async throws -> PartnerList {
        let query = request.query
        let filter = LedgerQueries.PartnerFilter(
            program: query.string("program"), tier: query.string("tier"),
            standing: try query.oneOf("standing", ["good", "review", "none"]),
            after: query.string("cursor"), limit: try query.limit())
        let governance = governance()
        let (rows, more) = try await database.asyncRead { try LedgerQueries.partners($0, filter, governance: governance) }
        let partners = rows.map(PartnerSummary.init)
        return PartnerList(partners: partners, nextCursor: more ? partners.last?.id : nil)
    }

    @Sendable func show(_ request: Request, context: ServiceContext) async throws -> PartnerDetail {
        let id = try context.parameters.require("id")
        let governance = governance()
        // The partner, its latest decision and its open alerts as of one moment.
        let found = try await database.asyncRead { session -> (PartnerStateRecord, DecisionRecord?, [AlertRecord])? in
            guard let row = try LedgerQueries.partner(session, id: id, governance: governance) else { return nil }
            let decision = try row.policySet.flatMap { try LedgerQueries.latestDecision(session, partnerNumber: row.number, policySet: $0) }
            let alerts = try LedgerQueries.alerts(session, .init(partnerNumber: row.number, open: true, limit: 500)).rows
            return (row, decision, alerts)
        }
        guard let (row, latestDecision, openAlerts) = found else {
            throw APIError.notFound("no partner with id '\(id)'", field: "id")
        }
        var detail = PartnerDetail(partner: PartnerSummary(row), territories: row.partner.territories, products: row.partner.products,
                                   channelAccountManager: row.partner.channelAccountManager, gates: [], openAlerts: [])
        if let state = row.programState {
            detail.review = state.review
        }
        if let decision = latestDecision {
            detail.latestDecision = DecisionsController.Decision(decision)
            if let evaluation = decision.evaluation {
                detail.health = evaluation.health
                detail.intervention = evaluation.intervention
                detail.authorizedProducts = evaluation.authorizedProducts
                detail.authorizedAllProducts = evaluation.authorizedAllProducts
                detail.gates = evaluation.gates.map {
                    Gate(gate: $0.gate, requirement: $0.requirement, status: $0.status.rawValue, expires: $0.expires,
                         daysToExpiry: $0.daysToExpiry, suspendedProducts: $0.suspendedProducts, suspendedBenefits: $0.suspendedBenefits)
                }
            }
        }
        detail.openAlerts = openAlerts.map(AlertsController.Alert.init)
        return detail
    }

    @Sendable func evaluation(_ request: Request, context: ServiceContext) async throws -> LiveEvaluation {
        let id = try context.parameters.require("id")
        let query = request.query
        let asOf = try query.day("as_of") ?? Day.today()
        let live = try await evaluations.live(partnerID: id, asOf: asOf, policySet: query.string("policy_set"))
        return LiveEvaluation(policySet: live.policySet, asOf: asOf, evaluation: live.evaluation, explanation: live.explanation)
    }

    private func governance() -> LedgerQueries.Governance {
        var governance: LedgerQueries.Governance = [:]
        for set in registry.sets {
            for program in set.programs where governance[program] == nil { governance[program] = set.name }
        }
        return governance
    }
}
