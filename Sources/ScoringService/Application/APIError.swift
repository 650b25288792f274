import Foundation
import Hummingbird
import PartnerModel

/// What the service tells a caller that something went wrong: a status and
/// the JSON body `{"error": {"code", "message", "field"?, "index"?, "file"?,
/// "line"?, "hint"?}}`.
///
/// Every 4xx the service sends is one of these, so a caller always learns
/// what was wrong and where (the field, the event's index, the policy's
/// file and line) and what to do. A domain error becomes one through
/// ``init(_:)`` — the one mapping from ``Problem`` to HTTP — in
/// ``ErrorMiddleware``; controllers throw domain errors as they are.
/// Unexpected failures become a 500 with a generic message; their detail
/// goes to the server's log, never to the caller.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable name (`invalid_field`, `unauthorized`, ...).
    public var code: String
    public var message: String
    /// The request field at fault (`limit`, `events[3].date`, `as_of`).
    public var field: String?
    /// The index of the bad element of a batch.
    public var index: Int?
    /// For policy errors: the policy file and line.
    public var file: String?
    public var line: Int?
    /// What the caller can do about it.
    public var hint: String?
    /// Extra response headers (`WWW-Authenticate` for a 401).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, field: String? = nil,
                index: Int? = nil, file: String? = nil, line: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.index = index
        self.file = file
        self.line = line
    }

    struct Body: Encodable {
        var error: Detail
        struct Detail: Encodable {
            var code: String
            var message: String
            var field: String?
            var index: Int?
            var file: String?
            var line: Int?
            var hint: String?
        }
    }

    public var body: Data {
        let body = Body(error: .init(code: code, message: message, field: field, index: index, file: file, line: line, hint: hint))
        return (try? JSONCoding.encoder.encode(body)) ?? Data(#"{"error":{"code":"internal","message":"internal error"}}"#.utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: body)))
    }
}

// MARK: - Domain errors

extension APIError {
    /// The status of each ``Problem/Category``.
    static func status(of category: Problem.Category) -> HTTPResponse.Status {
        switch category {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .unprocessable: .unprocessableContent
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }

    /// The answer to a domain error: the status of its category, and its
    /// code, message, field, index, file, line and hint as they are. An
    /// internal problem says only "internal error" (the caller logs it); an
    /// unavailable one asks the client to retry after ``retryAfterSeconds``.
    public init(_ error: any ProblemConvertible) {
        self.init(error.problem)
    }

    init(_ problem: Problem) {
        if problem.category == .internal {
            self = .internalError
            return
        }
        self.init(Self.status(of: problem.category), code: problem.code, problem.message, field: problem.field,
                  index: problem.index, file: problem.file, line: problem.line)
        hint = problem.hint
        if problem.category == .unavailable { headers[.retryAfter] = String(Self.retryAfterSeconds) }
    }
}

// MARK: - The errors the service sends

extension APIError {
    static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_field", message, field: field)
    }

    /// A request field whose value a domain error refused (a date that does
    /// not exist): `invalid_field` naming it, with the error's words and hint.
    static func invalid(_ field: String, _ error: any ProblemConvertible) -> APIError {
        var problem = error.problem
        (problem.code, problem.category, problem.field) = ("invalid_field", .invalid, field)
        return APIError(problem)
    }

    static func notFound(_ message: String, field: String? = nil) -> APIError {
        APIError(.notFound, code: "not_found", message, field: field)
    }

    static let unauthorized: APIError = {
        var error = APIError(.unauthorized, code: "unauthorized",
                             "this endpoint needs a bearer token: send 'Authorization: Bearer <token>' (create one with: partnerscore token create)")
        error.headers[.wwwAuthenticate] = #"Bearer realm="partnerscore""#
        return error
    }()

    static let badToken: APIError = {
        var error = APIError(.unauthorized, code: "invalid_token", "the bearer token is unknown or revoked")
        error.headers[.wwwAuthenticate] = #"Bearer realm="partnerscore", error="invalid_token""#
        return error
    }()

    static func forbidden(needs role: Role, has: Role) -> APIError {
        APIError(.forbidden, code: "forbidden", "this endpoint needs the role '\(role.rawValue)' or higher; the token has '\(has.rawValue)'")
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "body_too_large",
                 "the request body is larger than the limit of \(limit) bytes (serve --max-body-mb); send smaller batches")
    }

    /// A write that waited the busy timeout for another process's write lock.
    static let databaseBusy: APIError = {
        var error = APIError(.serviceUnavailable, code: "database_busy",
                             "the database is busy: another process (an import or a run) is writing to it; nothing of this request was stored — retry after the Retry-After seconds")
        error.headers[.retryAfter] = String(retryAfterSeconds)
        return error
    }()

    /// How long a client is asked to wait before retrying a busy write.
    static let retryAfterSeconds = 5

    static let diskFull = APIError(.init(code: 507, reasonPhrase: "Insufficient Storage"), code: "disk_full",
                                   "the server's disk is full; nothing of this request was stored — retry once the operator has freed space")

    static let internalError = APIError(.internalServerError, code: "internal",
                                        "internal error; the server log has the details")
}
