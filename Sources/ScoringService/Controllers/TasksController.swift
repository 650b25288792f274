import Foundation
import Hummingbird
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

/// `/v1/tasks`: the interventions recorded runs opened, and what people did
/// about them — acknowledged, done with an outcome, dismissed.
struct TasksController: Sendable {
    let store: PartnerStore
    let maxBodyBytes: Int

    var endpoints: RouteCollection<ServiceContext> {
        let routes = RouteCollection(context: ServiceContext.self)
        routes.group().add(middleware: RoleMiddleware(.viewer))
            .get(use: list)
            .get(":id", use: show)
        routes.group().add(middleware: RoleMiddleware(.operator))
            .post(":id/ack", use: acknowledge)
            .post(":id/done", use: done)
            .post(":id/dismiss", use: dismiss)
        return routes
    }

    /// The body of an action; every field optional but `outcome` for done.
    struct Action: Decodable {
        var on: String?
        var note: String?
        var outcome: String?
    }

    @Sendable func list(_ request: Request, context: ServiceContext) async throws -> Response {
        let query = request.query
        let statuses = try query.oneOf("status", TaskStatus.allCases.map(\.rawValue)).flatMap(TaskStatus.init(rawValue:)).map { [$0] } ?? []
        let limit = try query.limit()
        let filter = TaskLedger.Filter(partnerID: query.string("partner"), assignee: query.string("assignee"), statuses: statuses,
                                       policySet: query.string("policy_set"), before: try query.idCursor(), limit: limit + 1)
        let tasks = try await store.database.asyncRead { session in try TaskLedger.tasks(session, filter) }
        let page = tasks.prefix(limit)
        let buffer = JSONBuffer(capacity: 256 * page.count + 64)
        buffer.object { m in
            if tasks.count > limit, let last = page.last { m.string("next_cursor", String(last.id)) }
            m.array("tasks", page) { buffer, task in task.write(to: buffer) }
        }
        return Self.json(buffer)
    }

    @Sendable func show(_ request: Request, context: ServiceContext) async throws -> Response {
        let id = try Self.id(context)
        guard let task = try await store.database.asyncRead({ session in try TaskLedger.task(session, id: id) }) else {
            throw APIError.notFound("no task #\(id)", field: "id")
        }
        let buffer = JSONBuffer(capacity: 512)
        task.write(to: buffer)
        return Self.json(buffer)
    }

    @Sendable func acknowledge(_ request: Request, context: ServiceContext) async throws -> Response {
        try await act(request, context) { session, id, action, day in
            try TaskLedger.acknowledge(session, id: id, on: day, note: action.note)
        }
    }

    @Sendable func done(_ request: Request, context: ServiceContext) async throws -> Response {
        try await act(request, context) { session, id, action, day in
            let names = TaskOutcome.personal.map(\.rawValue)
            guard let name = action.outcome else { throw APIError.invalid("outcome", "give the outcome: one of " + names.joined(separator: ", ")) }
            guard let outcome = TaskOutcome(rawValue: name), TaskOutcome.personal.contains(outcome) else {
                throw APIError.invalid("outcome", "'\(name)' is not one of " + names.joined(separator: ", "))
            }
            return try TaskLedger.complete(session, id: id, outcome: outcome, on: day, note: action.note)
        }
    }

    @Sendable func dismiss(_ request: Request, context: ServiceContext) async throws -> Response {
        try await act(request, context) { session, id, action, day in
            try TaskLedger.dismiss(session, id: id, on: day, note: action.note)
        }
    }

    /// Read the action (an empty body takes every default: today, no note), apply it in one write, answer the task.
    private func act(_ request: Request, _ context: ServiceContext,
                     _ apply: @escaping @Sendable (any SQLSession, Int64, Action, Day) throws -> InterventionTask) async throws -> Response {
        let id = try Self.id(context)
        let data = try await request.bodyData(limit: maxBodyBytes)
        var action = Action()
        if !data.isEmpty { action = try request.decodeJSON(Action.self, from: data) }
        if action.outcome != nil, !request.uri.path.hasSuffix("/done") {
            throw APIError.invalid("outcome", "only done takes an outcome")
        }
        if let note = action.note, note.count > Self.maxNote {
            throw APIError.invalid("note", "a note is at most \(Self.maxNote) characters")
        }
        let chosen = action, on = try action.on.map { try Day(parsing: $0, field: "on") } ?? Day.today()
        let task = try await store.database.asyncWrite { session in try apply(session, id, chosen, on) }
        let buffer = JSONBuffer(capacity: 512)
        task.write(to: buffer)
        return Self.json(buffer)
    }

    /// The longest note a task keeps.
    static let maxNote = 2000

    static func id(_ context: ServiceContext) throws -> Int64 { try context.rowID("a task id") }

    static func json(_ buffer: JSONBuffer, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = buffer.withBytes { ByteBuffer(bytes: $0) }
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: bytes))
    }
}
