import Hummingbird
import PartnerModel
import ProgramEvaluation

/// `POST /v1/runs`: evaluate a policy set's programs as of a day — recorded
/// in the decision ledger (201), or only computed with `dry_run` (200).
struct RunsController: Sendable {
    let evaluations: Evaluations
    let maxBodyBytes: Int

    var endpoints: RouteCollection<ServiceContext> {
        let routes = RouteCollection(context: ServiceContext.self)
        routes.group().add(middleware: RoleMiddleware(.operator)).post(use: create)
        return routes
    }

    struct RunRequest: Decodable {
        var policySet: String
        var asOf: String
        var dryRun: Bool?
        var partnerIDs: [String]?
        enum CodingKeys: String, CodingKey {
            case policySet = "policy_set", asOf = "as_of", dryRun = "dry_run", partnerIDs = "partner_ids"
        }
    }

    struct RunResponse: ResponseEncodable {
        var summary: RunSummary
    }

    @Sendable func create(_ request: Request, context: ServiceContext) async throws -> EditedResponse<RunResponse> {
        let (body, _) = try await request.decodeJSON(RunRequest.self, limit: maxBodyBytes)
        guard !body.policySet.isEmpty else { throw APIError.invalid("policy_set", "name the policy set to run") }
        let asOf = try Day(parsing: body.asOf, field: "as_of")
        if let ids = body.partnerIDs {
            guard !ids.isEmpty else { throw APIError.invalid("partner_ids", "leave partner_ids out to run every partner, or name at least one") }
            guard ids.count <= 10_000 else { throw APIError.invalid("partner_ids", "at most 10,000 partners per run request") }
            guard Set(ids).count == ids.count else { throw APIError.invalid("partner_ids", "a partner id is named twice") }
        }
        let dryRun = body.dryRun ?? false
        let summary = try await evaluations.run(policySet: body.policySet, asOf: asOf, dryRun: dryRun, partnerIDs: body.partnerIDs)
        return EditedResponse(status: dryRun ? .ok : .created, response: RunResponse(summary: summary))
    }
}
