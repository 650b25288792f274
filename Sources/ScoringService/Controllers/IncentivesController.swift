import Foundation
import Hummingbird
import PartnerModel
import PartnerStore
import ProgramEvaluation

/// `/v1/incentives` and `/v1/partners/{id}/incentives`: the incentive
/// ledger's lines, newest first, filtered by partner, policy set and period.
/// Read through the ledger's owner (`IncentiveLedger`), as `export
/// incentives` reads them; amounts and bases are exact decimal text.
struct IncentivesController: Sendable {
    let store: PartnerStore

    /// Mounted at `incentives`.
    var endpoints: RouteCollection<ServiceContext> {
        let routes = RouteCollection(context: ServiceContext.self)
        routes.group().add(middleware: RoleMiddleware(.viewer)).get(use: list)
        return routes
    }

    /// Mounted at `partners`: one partner's lines.
    var partnerEndpoints: RouteCollection<ServiceContext> {
        let routes = RouteCollection(context: ServiceContext.self)
        routes.group().add(middleware: RoleMiddleware(.viewer)).get(":id/incentives", use: partner)
        return routes
    }

    struct LineList: ResponseEncodable {
        var lines: [IncentiveLedgerLine]
        var nextCursor: String?
        enum CodingKeys: String, CodingKey { case lines, nextCursor = "next_cursor" }
    }

    @Sendable func list(_ request: Request, context: ServiceContext) async throws -> LineList {
        try await page(request, partner: request.query.string("partner"))
    }

    @Sendable func partner(_ request: Request, context: ServiceContext) async throws -> LineList {
        let id = try context.parameters.require("id")
        guard try await store.database.asyncRead({ session in try PartnerQueries.number(session, partnerID: id) }) != nil else {
            throw APIError.notFound("no partner with id \(id)", field: "id")
        }
        return try await page(request, partner: id)
    }

    private func page(_ request: Request, partner: String?) async throws -> LineList {
        let query = request.query
        let limit = try query.limit()
        var filter = IncentiveLedger.Filter(policySet: query.string("policy_set"), partnerID: partner, period: query.string("period"),
                                            limit: limit + 1)
        filter.newestFirst = true
        filter.before = try query.idCursor()
        let chosen = filter
        var lines = try await store.database.asyncRead { session in try IncentiveLedger.lines(session, chosen) }
        let more = lines.count > limit
        if more { lines.removeLast() }
        return LineList(lines: lines, nextCursor: more ? lines.last.map { String($0.id) } : nil)
    }
}
