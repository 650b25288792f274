import Foundation
import Hummingbird

/// `/v1/policies`: the policy sets being served (name, programs, each
/// policy's version, the content hash) and their reload.
struct PoliciesController: Sendable {
    let registry: PolicyRegistry

    var endpoints: RouteCollection<ServiceContext> {
        let routes = RouteCollection(context: ServiceContext.self)
        routes.group().add(middleware: RoleMiddleware(.viewer)).get(use: list)
        routes.group().add(middleware: RoleMiddleware(.designer)).post("reload", use: reload)
        return routes
    }

    struct PolicySetInfo: Codable, Equatable {
        var name: String
        var path: String
        var contentHash: String
        var loadedAt: String
        var programs: [String]
        var policies: [LoadedPolicySet.PolicyInfo]
        var reloadError: ReloadError?

        enum CodingKeys: String, CodingKey {
            case name, path, programs, policies
            case contentHash = "content_hash", loadedAt = "loaded_at", reloadError = "reload_error"
        }

        init(_ set: LoadedPolicySet, error: ReloadFailure?) {
            name = set.name
            path = set.location.displayPath
            contentHash = set.contentHash
            loadedAt = TokenStore.timestamp(set.loadedAt)
            programs = set.programs
            policies = set.policies
            reloadError = error.map(ReloadError.init)
        }
    }

    /// A reload that failed: the old version keeps serving.
    struct ReloadError: Codable, Equatable {
        var policySet: String?
        var path: String
        var message: String
        var file: String?
        var line: Int?
        var field: String?
        var at: String

        enum CodingKeys: String, CodingKey {
            case path, message, file, line, field, at
            case policySet = "policy_set"
        }

        init(_ failure: ReloadFailure) {
            policySet = failure.set
            path = failure.path
            message = failure.message
            file = failure.file
            line = failure.line
            field = failure.field
            at = TokenStore.timestamp(failure.at)
        }
    }

    struct PolicySetList: ResponseEncodable {
        var policySets: [PolicySetInfo]
        var reloadErrors: [ReloadError]
        enum CodingKeys: String, CodingKey { case policySets = "policy_sets", reloadErrors = "reload_errors" }
    }

    struct ReloadResult: ResponseEncodable {
        var swapped: [String]
        var unchanged: [String]
        var policySets: [PolicySetInfo]
        enum CodingKeys: String, CodingKey { case swapped, unchanged, policySets = "policy_sets" }
    }

    @Sendable func list(_ request: Request, context: ServiceContext) async throws -> PolicySetList {
        PolicySetList(policySets: infos(), reloadErrors: registry.currentFailures.map(ReloadError.init))
    }

    /// Reload every set now. 200 when every set loaded (or was unchanged);
    /// 422 naming the first broken policy's file and line otherwise — the
    /// sets that did load are swapped in, the broken ones keep serving their
    /// previous version.
    @Sendable func reload(_ request: Request, context: ServiceContext) async throws -> ReloadResult {
        let report = await registry.reload(force: true)
        if let failure = report.failures.first { throw failure }
        return ReloadResult(swapped: report.swapped, unchanged: report.unchanged, policySets: infos())
    }

    private func infos() -> [PolicySetInfo] {
        registry.sets.map { PolicySetInfo($0, error: registry.failure(forSet: $0.name)) }
    }
}
