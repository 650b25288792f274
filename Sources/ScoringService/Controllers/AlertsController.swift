import Hummingbird
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

/// `/v1/alerts`: open and resolved alerts, newest first, filtered by
/// partner, policy set, kind and status.
struct AlertsController: Sendable {
    let database: any SQLDatabase

    var endpoints: RouteCollection<ServiceContext> {
        let routes = RouteCollection(context: ServiceContext.self)
        routes.group().add(middleware: RoleMiddleware(.viewer)).get(use: list)
        return routes
    }

    struct Alert: Codable, Equatable {
        var id: Int64
        var partnerID: String
        var policySet: String
        var kind: String
        var subject: String
        var status: String
        var firstRaised: Day
        var lastSeen: Day
        var resolved: Day?
        var step: Int
        var intervention: String?

        enum CodingKeys: String, CodingKey {
            case id, kind, subject, status, resolved, step, intervention
            case partnerID = "partner_id", policySet = "policy_set", firstRaised = "first_raised", lastSeen = "last_seen"
        }

        init(_ row: AlertRecord) {
            id = row.id
            partnerID = row.partnerID
            policySet = row.policySet
            kind = row.kind
            subject = row.subject
            status = row.resolved == nil ? "open" : "resolved"
            firstRaised = row.firstRaised
            lastSeen = row.lastSeen
            resolved = row.resolved
            step = row.step
            intervention = row.intervention
        }
    }

    struct AlertList: ResponseEncodable {
        var alerts: [Alert]
        var nextCursor: String?
        enum CodingKeys: String, CodingKey { case alerts, nextCursor = "next_cursor" }
    }

    @Sendable func list(_ request: Request, context: ServiceContext) async throws -> AlertList {
        let query = request.query
        let status = try query.oneOf("status", ["open", "resolved"])
        let filter = LedgerQueries.AlertFilter(
            partner: query.string("partner"), policySet: query.string("policy_set"),
            kind: try query.oneOf("kind", AlertKind.allCases.map(\.rawValue)),
            open: status.map { $0 == "open" }, before: try query.idCursor(), limit: try query.limit())
        let (rows, more) = try await database.asyncRead { try LedgerQueries.alerts($0, filter) }
        return AlertList(alerts: rows.map(Alert.init), nextCursor: more ? rows.last.map { String($0.id) } : nil)
    }
}
