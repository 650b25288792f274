import Hummingbird
import NIOCore

/// Refuses a request whose body is over the limit with a 413, on every
/// route, whether or not its handler reads the body: a declared
/// Content-Length over the limit before anything is read; a body without
/// one (chunked) is collected here up to the limit, and refused as soon as
/// it passes it.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength] {
            guard let bytes = Int(length), bytes <= maxBytes else { throw APIError.tooLarge(limit: maxBytes) }
            return try await next(request, context)
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: maxBytes)
        }
        return try await next(request, context)
    }
}
