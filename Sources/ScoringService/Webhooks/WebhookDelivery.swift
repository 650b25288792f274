import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PartnerStore
import ProgramEvaluation
import ServiceLifecycle

/// How `serve` delivers webhooks.
public struct WebhookSettings: Sendable {
    /// Whether this process delivers at all (another may, sharing the database).
    public var enabled: Bool
    /// The wait after a first failed attempt; each further failure doubles it, up to `retryCap`.
    public var retryBase: Duration
    public var retryCap: Duration
    /// Attempts at one event before it becomes a dead letter and the subscription moves on.
    public var maxAttempts: Int
    /// How long one attempt may take (connecting, sending, the answer).
    public var timeout: Duration
    /// How often the outbox is looked at for new events and new subscriptions.
    public var poll: Duration

    public init(enabled: Bool = true, retryBase: Duration = .seconds(1), retryCap: Duration = .seconds(3600), maxAttempts: Int = 15,
                timeout: Duration = .seconds(10), poll: Duration = .milliseconds(250)) {
        self.enabled = enabled
        self.retryBase = retryBase
        self.retryCap = retryCap
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.poll = poll
    }

    /// How long a process holds a subscription once it claims it: longer than
    /// an attempt can take, so no other process delivers to it meanwhile.
    var lease: Duration { max(timeout * 3, .seconds(1)) }

    /// The wait before attempt `attempts + 1`, after `attempts` failures.
    func backoff(after attempts: Int) -> Duration {
        var wait = retryBase
        for _ in 1..<max(1, attempts) where wait < retryCap { wait *= 2 }
        return min(wait, retryCap)
    }
}

/// Delivers the outbox's events to the webhook subscriptions, in the
/// background of `serve`: never on the path of a run or an ingest request,
/// which only write the outbox.
///
/// Each subscription receives its events one at a time in outbox order. A
/// process works on a subscription under a lease (``WebhookSubscriptions/claim(_:id:owner:now:until:)``),
/// so several processes may share a database. An event counts as delivered
/// when the receiver answers 2xx; the position moves past it in the database
/// after that (in batches while events flow), so a process stopped at any
/// moment — `kill -9` included — leaves the events it had not recorded as
/// delivered to be sent again: a receiver may see an event twice, never zero
/// times. A failed attempt is recorded at once, with when to try again.
final class WebhookDelivery: Service, @unchecked Sendable {
    let store: PartnerStore
    let settings: WebhookSettings
    let logger: Logger
    /// This process's name on the leases it takes.
    let owner = "serve-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    private let running = Running()

    init(store: PartnerStore, settings: WebhookSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    /// The subscriptions a worker of this process is on.
    private actor Running {
        var ids: Set<Int64> = []
        func start(_ id: Int64) -> Bool { ids.insert(id).inserted }
        func stop(_ id: Int64) { ids.remove(id) }
    }

    func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5))))
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    do {
                        let ids = try await self.store.database.asyncRead { session in try WebhookSubscriptions.all(session).map(\.id) }
                        for id in ids where await self.running.start(id) {
                            group.addTask {
                                await self.deliver(subscription: id, client: client)
                                await self.running.stop(id)
                            }
                        }
                    } catch {
                        self.logger.warning("webhooks: cannot read the subscriptions: \(error)")
                    }
                    try? await Task.sleep(for: self.settings.poll)
                }
            }
        }
        try await client.shutdown()
    }

    private static func milliseconds(_ date: Date = Date()) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// Deliver to one subscription until it has nothing due, another process
    /// holds it, or the service stops.
    func deliver(subscription id: Int64, client: HTTPClient) async {
        let lease = Self.milliseconds(settings.lease)
        while !Task.isCancelled {
            do {
                let now = Self.milliseconds()
                guard let subscription = try await store.database.asyncWrite({ [owner] session in
                    try WebhookSubscriptions.claim(session, id: id, owner: owner, now: now, until: now + lease)
                }) else { return }   // removed, or another process delivers to it
                if subscription.attempts > 0, let next = subscription.nextAttempt, next > now {
                    // The head event waits for its next attempt; others wait behind it (order).
                    if next - now > Self.milliseconds(settings.poll) * 4 {
                        try await release(id)
                        return   // looked at again at a later poll
                    }
                    try await Task.sleep(for: .milliseconds(next - now))
                    continue
                }
                let events = try await store.database.asyncRead { session in
                    try Outbox.events(session, after: subscription.position, types: subscription.types, limit: 256)
                }
                if events.isEmpty {
                    try await release(id)
                    return
                }
                guard try await send(events, to: subscription, client: client) else { continue }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("webhooks: subscription #\(id): \(error)")
                try? await Task.sleep(for: settings.poll)
                return
            }
        }
    }

    private func release(_ id: Int64) async throws {
        try await store.database.asyncWrite { [owner] session in try WebhookSubscriptions.release(session, id: id, owner: owner) }
    }

    /// Send `events` in order. Delivered ones are recorded in batches; a
    /// failure is recorded at once and ends the batch. False when the
    /// subscription changed under us (a replay, a lost lease): start over.
    private func send(_ events: [OutboxEvent], to subscription: WebhookSubscription, client: HTTPClient) async throws -> Bool {
        let lease = Self.milliseconds(settings.lease)
        var recorded = subscription.position, position = subscription.position, delivered = 0
        var lastRecord = ContinuousClock.now
        let signer = WebhookSigner(secret: subscription.secret)
        func record() async throws -> Bool {
            guard position != recorded else { return true }
            let (from, to, count) = (recorded, position, delivered)
            let until = Self.milliseconds() + lease
            let ok = try await store.database.asyncWrite { [owner] session in
                try WebhookSubscriptions.advance(session, id: subscription.id, owner: owner, from: from, to: to, delivered: count, leaseUntil: until)
            }
            recorded = position
            delivered = 0
            lastRecord = .now
            return ok
        }
        for event in events {
            if Task.isCancelled { break }
            let failure = await attempt(event, to: subscription, signer: signer, client: client)
            if let failure {
                guard try await record() else { return false }
                let attempts = (position == subscription.position ? subscription.attempts : 0) + 1
                let now = Date()
                let until = Self.milliseconds(now) + lease
                if attempts >= settings.maxAttempts {
                    logger.warning("webhooks: subscription #\(subscription.id) gave up on \(event.eventID) after \(attempts) attempts: \(failure)")
                    return try await store.database.asyncWrite { [owner, position] session in
                        try WebhookSubscriptions.deadLetter(session, id: subscription.id, owner: owner, position: position, event: event.id,
                                                            attempts: attempts, error: failure, at: now, leaseUntil: until)
                    }
                }
                let next = Self.milliseconds(now) + Self.milliseconds(settings.backoff(after: attempts))
                return try await store.database.asyncWrite { [owner, position] session in
                    try WebhookSubscriptions.failed(session, id: subscription.id, owner: owner, position: position, attempts: attempts,
                                                    nextAttempt: next, error: failure, leaseUntil: until)
                }
            }
            position = event.id
            delivered += 1
            // Recorded in batches while events flow: a stop before the next record sends these again, never loses them.
            if delivered >= 500 || ContinuousClock.now - lastRecord > .milliseconds(100) {
                guard try await record() else { return false }
            }
        }
        return try await record()
    }

    /// One attempt: nil when the receiver answered 2xx, else what went wrong.
    private func attempt(_ event: OutboxEvent, to subscription: WebhookSubscription, signer: WebhookSigner,
                         client: HTTPClient) async -> String? {
        let body = event.body
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: subscription.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "partnerscore-webhooks")
        request.headers.add(name: "Webhook-Id", value: event.eventID)
        request.headers.add(name: "Webhook-Timestamp", value: String(timestamp))
        request.headers.add(name: "Webhook-Signature", value: signer.signature(timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Self.milliseconds(settings.timeout)))
            // Read (and drop) the answer, so the connection can serve the next event.
            for try await _ in response.body {}
            return (200..<300).contains(response.status.code) ? nil : "HTTP \(response.status.code)"
        } catch {
            return String(describing: error)
        }
    }
}
