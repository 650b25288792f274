import Hummingbird

/// Lets a request through only when the caller's role is at least
/// `minimum` (viewer < operator < designer); 403 otherwise. Runs after
/// ``AuthMiddleware``.
struct RoleMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let minimum: Role

    init(_ minimum: Role) { self.minimum = minimum }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let caller = context.caller else { throw APIError.unauthorized }
        guard caller.role >= minimum else { throw APIError.forbidden(needs: minimum, has: caller.role) }
        return try await next(request, context)
    }
}
