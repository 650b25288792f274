import Foundation
import Hummingbird

/// Authenticates the bearer token of every request it guards: 401 with a
/// JSON body when there is none or it is unknown or revoked; otherwise the
/// caller goes into the context for ``RoleMiddleware``.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let tokens: TokenStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw APIError.unauthorized }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError(.unauthorized, code: "unauthorized", "the Authorization header must read 'Bearer <token>'",
                           field: "Authorization")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, let caller = try await tokens.caller(presenting: token) else { throw APIError.badToken }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}
