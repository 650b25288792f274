import Hummingbird

/// Refuses a request whose declared body is over the limit with a 413
/// before anything reads it. Bodies without a Content-Length are limited
/// where they are read (``Request/collectJSON(limit:)``).
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw APIError.tooLarge(limit: maxBytes)
        }
        return try await next(request, context)
    }
}
