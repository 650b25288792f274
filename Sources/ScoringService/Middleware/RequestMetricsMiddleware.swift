import Dispatch
import Hummingbird

/// Counts every request and times it, by route pattern (`/v1/partners/{id}`,
/// never the raw path, so the label set stays small), method and status.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        var status = 500
        defer {
            let route = context.endpointPath.map(Self.openAPIStyle) ?? "unmatched"
            metrics.recordRequest(route: route == "NotFound" ? "unmatched" : route, method: request.method.rawValue,
                                  status: status, nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }

    /// `/v1/partners/:id` → `/v1/partners/{id}`.
    static func openAPIStyle(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }
}
