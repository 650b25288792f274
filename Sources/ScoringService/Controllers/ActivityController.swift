import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

/// `POST /v1/activity`: a batch of activity events, checked exactly as a
/// file import checks them and stored in one transaction — all or nothing.
///
/// With an `Idempotency-Key` header, the key, the SHA-256 of the body and
/// the response are stored in that same transaction, the key claimed first
/// (``IdempotencyKeys``): the same key with the same body gets the same
/// response again (nothing is added twice, whichever instance receives it);
/// the same key with another body is refused with 409.
struct ActivityController: Sendable {
    let store: PartnerStore
    /// The serving sets: their measures name the custom event kinds ingest accepts.
    let registry: PolicyRegistry
    let metrics: ServiceMetrics
    let maxBodyBytes: Int

    var endpoints: RouteCollection<ServiceContext> {
        let routes = RouteCollection(context: ServiceContext.self)
        routes.group().add(middleware: RoleMiddleware(.operator)).post(use: ingest)
        return routes
    }

    struct Ingested: Codable, Equatable {
        var ingested: Int
        var idempotencyKey: String?
        enum CodingKeys: String, CodingKey { case ingested, idempotencyKey = "idempotency_key" }
    }

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    /// The parsed events, handed to the writer's thread.
    private struct Batch: Sendable { let events: [JSONValue] }

    private enum Outcome: Sendable {
        case stored(Data, events: Int)
        case replayed(status: Int, body: Data)
    }

    @Sendable func ingest(_ request: Request, context: ServiceContext) async throws -> Response {
        let key = try Self.idempotencyKey(request)
        let data = try await request.bodyData(limit: maxBodyBytes)
        let batch = try Self.parse(data)
        let requestHash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let kinds = registry.eventKinds
        let outcome: Outcome
        do {
            outcome = try await store.reclaimingSpaceOnFailure { try await store.database.asyncWrite { session -> Outcome in
                if let key {
                    switch try IdempotencyKeys.claim(session, key: key, requestHash: requestHash) {
                    case .claimed: break
                    case .replay(let status, let body): return .replayed(status: status, body: body)
                    case .reused:
                        throw APIError(.conflict, code: "idempotency_key_reused",
                                       "the Idempotency-Key '\(key)' was already used with a different request body; use a new key for a new batch",
                                       field: "Idempotency-Key")
                    }
                }
                let summary = try PartnerStore.importEventObjects(batch.events, kinds: kinds, batch: "events", in: session)
                let body = try JSONCoding.encoder.encode(Ingested(ingested: summary.events, idempotencyKey: key))
                if let key { try IdempotencyKeys.complete(session, key: key, status: 201, response: body) }
                // Last: on PostgreSQL the outbox's order lock is held from here to the commit.
                try Self.recordEvent(session, batch: batch, events: summary.events, key: key)
                return .stored(body, events: summary.events)
            } }
        } catch let error as PartnerStoreError {
            // A refused event names its index and field itself (`events[3].date`); ErrorMiddleware answers it.
            metrics.recordIngest(events: 0, accepted: false)
            throw error
        }
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        switch outcome {
        case .stored(let body, let events):
            metrics.recordIngest(events: events, accepted: true)
            return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(data: body)))
        case .replayed(let status, let body):
            headers[Self.replayedHeader] = "true"
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(data: body)))
        }
    }

    /// `activity.ingested`, in the ingest's transaction (when a webhook subscription exists): the batch's size and partners.
    private static func recordEvent(_ session: any SQLSession, batch: Batch, events: Int, key: String?) throws {
        guard try Outbox.isRecording(session) else { return }
        let partners = Set(PartnerStore.partnerIDs(of: batch.events)).sorted()
        let data = JSONBuffer(capacity: 256)
        data.object { m in
            m.integer("events", events)
            m.nullable("idempotency_key", key, explicit: true)
            m.strings("partners", partners)
        }
        try Outbox.append(session, .activityIngested, day: Day.today(), policySet: nil, partnerID: partners.count == 1 ? partners[0] : nil,
                          data: data.string)
    }

    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[idempotencyKeyHeader] else { return nil }
        guard (1...255).contains(key.count), key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E }) else {
            throw APIError.invalid("Idempotency-Key", "an Idempotency-Key is 1 to 255 visible ASCII characters (a UUID is a good one)")
        }
        return key
    }

    /// The body, read as strictly as a JSON Lines import reads a line (``JSONValue``).
    private static func parse(_ data: Data) throws -> Batch {
        guard !data.isEmpty else { throw APIError.invalid("body", "the request needs a JSON body {\"events\": [...]}") }
        let object: JSONValue
        do {
            object = try JSONValue(parsing: data)
        } catch {
            throw APIError.invalid("body", "the body is not valid JSON: \(error)")
        }
        guard case .object(let members) = object else {
            throw APIError.invalid("body", "the body must be a JSON object {\"events\": [...]}")
        }
        if let unknown = members.first(where: { $0.key != "events" }) {
            throw APIError.invalid(unknown.key, "unknown field '\(unknown.key)'; the body holds only 'events'")
        }
        guard case .array(let events)? = object["events"] else {
            throw APIError.invalid("events", "the body needs 'events', an array of event objects")
        }
        guard !events.isEmpty else { throw APIError.invalid("events", "the batch holds no events") }
        return Batch(events: events)
    }

}
