import Foundation
import Hummingbird
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

/// `/v1/webhooks`: the subscriptions `serve` delivers the outbox's events
/// to. Designer role: a subscription sends program data to another system.
struct WebhooksController: Sendable {
    let store: PartnerStore
    let maxBodyBytes: Int

    var endpoints: RouteCollection<ServiceContext> {
        let routes = RouteCollection(context: ServiceContext.self)
        routes.group().add(middleware: RoleMiddleware(.designer))
            .get(use: list)
            .post(use: create)
            .get(":id", use: show)
            .delete(":id", use: remove)
            .post(":id/replay", use: replay)
        return routes
    }

    struct Subscribe: Decodable {
        var url: String
        var secret: String?
        var events: [String]?
    }

    struct Replay: Decodable {
        var from: String?
        var since: String?
    }

    @Sendable func list(_ request: Request, context: ServiceContext) async throws -> Response {
        let rows = try await store.database.asyncRead { session in
            try WebhookSubscriptions.all(session).map { ($0, try WebhookSubscriptions.pending(session, $0)) }
        }
        let buffer = JSONBuffer(capacity: 512 * rows.count + 32)
        buffer.object { m in m.array("webhooks", rows) { buffer, row in row.0.write(to: buffer, pending: row.1) } }
        return TasksController.json(buffer)
    }

    @Sendable func show(_ request: Request, context: ServiceContext) async throws -> Response {
        let id = try Self.id(context)
        let row = try await store.database.asyncRead { session in
            try WebhookSubscriptions.subscription(session, id: id).map { ($0, try WebhookSubscriptions.pending(session, $0)) }
        }
        guard let row else { throw APIError.notFound("no webhook subscription #\(id)", field: "id") }
        let buffer = JSONBuffer(capacity: 512)
        row.0.write(to: buffer, pending: row.1)
        return TasksController.json(buffer)
    }

    /// 201 with the subscription and, this once, its secret.
    @Sendable func create(_ request: Request, context: ServiceContext) async throws -> Response {
        let (body, _) = try await request.decodeJSON(Subscribe.self, limit: maxBodyBytes)
        let secret = body.secret ?? WebhookSubscriptions.newSecret()
        let created = try await apply { session in
            let subscription = try WebhookSubscriptions.add(session, url: body.url, secret: secret, events: body.events ?? [], now: Date())
            return (subscription, try WebhookSubscriptions.pending(session, subscription))
        }
        let buffer = JSONBuffer(capacity: 512)
        buffer.object { m in
            m.string("secret", secret)
            m.key("webhook")
            created.0.write(to: buffer, pending: created.1)
        }
        return TasksController.json(buffer, status: .created)
    }

    @Sendable func remove(_ request: Request, context: ServiceContext) async throws -> Response {
        let id = try Self.id(context)
        _ = try await apply { session in try WebhookSubscriptions.remove(session, id: id) }
        return Response(status: .noContent)
    }

    @Sendable func replay(_ request: Request, context: ServiceContext) async throws -> Response {
        let id = try Self.id(context)
        let (body, _) = try await request.decodeJSON(Replay.self, limit: maxBodyBytes)
        let since = try body.since.map { try Day(parsing: $0, field: "since") }
        var from: Int64?
        if let text = body.from {
            guard let position = OutboxEvent.position(of: text) else {
                throw APIError.invalid("from", "'\(text)' is not an event id such as evt_123")
            }
            from = position
        }
        guard (from == nil) != (since == nil) else { throw APIError.invalid("body", "give either 'from' (an event id) or 'since' (a date)") }
        let (fromPosition, sinceDay) = (from, since)
        let row = try await apply { session in
            let start = try fromPosition ?? WebhookSubscriptions.replayStart(session, since: sinceDay!)
            let subscription = try WebhookSubscriptions.replay(session, subscription: id, from: start)[0]
            return (subscription, try WebhookSubscriptions.pending(session, subscription))
        }
        let buffer = JSONBuffer(capacity: 512)
        row.0.write(to: buffer, pending: row.1)
        return TasksController.json(buffer)
    }

    private func apply<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await store.database.asyncWrite(body)
    }

    static func id(_ context: ServiceContext) throws -> Int64 { try context.rowID("a webhook subscription id") }
}
