import Hummingbird
import Logging
import NIOCore
import PartnerModel
import PartnerStore

/// Turns every error into the service's JSON error body: ``APIError`` as
/// is, a domain error through ``APIError/init(_:)``, Hummingbird's own errors
/// (unknown route, body too large) into the same shape, anything else into a
/// 500 whose detail only the log sees.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServiceContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try Self.apiError(for: error, request: request).response(from: request, context: context)
        } catch let error as any ProblemConvertible {
            let answer = APIError(error)
            if answer.status.code >= 500 {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            }
            return try answer.response(from: request, context: context)
        } catch where StoreFailure(error) == .busy {
            // Another process (an import, a run) held the write lock for the whole busy timeout.
            context.logger.warning("database busy", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try APIError.databaseBusy.response(from: request, context: context)
        } catch where StoreFailure(error) == .full {
            context.logger.error("disk full", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try APIError.diskFull.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            return try APIError.internalError.response(from: request, context: context)
        }
    }

    static func apiError(for error: any HTTPResponseError, request: Request) -> APIError {
        switch error.status {
        case .notFound:
            let allowed = DocumentedRoutes.shared.methods(for: request.uri.path)
            if !allowed.isEmpty {
                var error = APIError(.methodNotAllowed, code: "method_not_allowed",
                                     "\(request.method) is not allowed on \(request.uri.path); use " + allowed.joined(separator: " or "))
                error.headers[.allow] = allowed.joined(separator: ", ")
                return error
            }
            return .notFound("no endpoint \(request.method) \(request.uri.path); the API is described at /openapi.json")
        case .contentTooLarge:
            return APIError(.contentTooLarge, code: "body_too_large", "the request body is too large; send smaller batches")
        case .methodNotAllowed:
            return APIError(.methodNotAllowed, code: "method_not_allowed", "\(request.method) is not allowed on \(request.uri.path)")
        default:
            let message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            return APIError(error.status, code: error.status.code < 500 ? "bad_request" : "internal", message)
        }
    }
}
