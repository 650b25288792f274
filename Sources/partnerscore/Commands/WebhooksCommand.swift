import ArgumentParser
import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

extension Partnerscore {
    /// Webhook subscriptions: where `serve` delivers the outbox's events.
    struct WebhooksCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "webhooks",
            abstract: "Subscribe URLs to events (tier changes, reviews, gates, alerts, tasks, ingests); replay them.",
            discussion: """
                While at least one subscription exists, recorded runs, ingests and task actions write \
                their events to an outbox in their own transaction; partnerscore serve delivers them \
                to each subscription in order, signed with its secret (Webhook-Signature: \
                sha256=HMAC-SHA256(secret, "TIMESTAMP.BODY")), retrying with exponential backoff.
                """,
            subcommands: [Add.self, List.self, Remove.self, Replay.self, Events.self, DeadLetters.self]
        )

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Subscribe a URL; prints its secret (shown only now).")

            @OptionGroup var store: StoreOptions

            @Argument(help: "The http or https URL that receives the events.")
            var url: String

            @Option(help: "The HMAC key of the signatures, 16 to 200 characters (default: a new random one).")
            var secret: String?

            @Option(help: "Event types, groups (tier.*) or * — comma-separated (default: *).")
            var events: String = "*"

            func run() throws {
                try reportingFailures {
                    let secret = secret ?? WebhookSubscriptions.newSecret()
                    let patterns = events.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    let subscription = try store.openExisting().database.write { session in
                        try WebhookSubscriptions.add(session, url: url, secret: secret, events: patterns, now: Date())
                    }
                    print(secret)
                    printError("webhook #\(subscription.id) → \(subscription.url) (events: \(subscription.events.joined(separator: ","))); "
                               + "it receives the events recorded from now on; its secret is shown only now\n")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the subscriptions and how far delivery got (never their secrets).")

            @OptionGroup var store: StoreOptions

            @Option(help: "table or json.")
            var format: Format = .table

            enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

            func run() throws {
                try reportingFailures {
                    let rows = try store.openExisting().database.read { session in
                        try WebhookSubscriptions.all(session).map { ($0, try WebhookSubscriptions.pending(session, $0)) }
                    }
                    if format == .json {
                        let buffer = JSONBuffer()
                        buffer.array(rows) { buffer, row in row.0.write(to: buffer, pending: row.1) }
                        print(buffer.string)
                        return
                    }
                    guard !rows.isEmpty else { return print("no webhook subscriptions") }
                    for (s, pending) in rows {
                        var text = "#\(s.id) \(s.url) events \(s.events.joined(separator: ",")): \(TextFormat.count(s.delivered, "event")) delivered, "
                            + "\(pending) pending, \(TextFormat.count(s.deadLetters, "dead letter")); last handled "
                            + (s.position > 0 ? OutboxEvent.eventID(s.position) : "none")
                        if s.attempts > 0, let error = s.lastError { text += "; failing (\(TextFormat.count(s.attempts, "attempt"))): \(error)" }
                        print(text)
                    }
                }
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop delivering to a subscription.")

            @OptionGroup var store: StoreOptions

            @Argument(help: "The subscription's id (see webhooks list).")
            var id: Int64

            func run() throws {
                try reportingFailures {
                    try store.openExisting().database.write { session in try WebhookSubscriptions.remove(session, id: id) }
                    print("webhook #\(id) removed")
                }
            }
        }

        struct Replay: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Deliver events again, in order, from an event on (a dead letter, or a day's).")

            @OptionGroup var store: StoreOptions

            @Option(help: "The first event to deliver again (evt_123).")
            var from: String?

            @Option(help: "Deliver again from the first event about this day or later (YYYY-MM-DD).")
            var since: String?

            @Option(help: "Only to this subscription (default: every one).")
            var subscription: Int64?

            func validate() throws {
                guard (from == nil) != (since == nil) else { throw ValidationError("give either --from EVENT_ID or --since DATE") }
                if let from, OutboxEvent.position(of: from) == nil {
                    throw ValidationError("--from: '\(from)' is not an event id such as evt_123 (see webhooks events)")
                }
            }

            func run() throws {
                try reportingFailures {
                    let since = try self.since.map { try Day(parsing: $0) }
                    let targets = try store.openExisting().database.write { session in
                        let start = try from.flatMap(OutboxEvent.position(of:)) ?? WebhookSubscriptions.replayStart(session, since: since!)
                        return (start, try WebhookSubscriptions.replay(session, subscription: subscription, from: start))
                    }
                    for target in targets.1 {
                        print("webhook #\(target.id) delivers again from \(OutboxEvent.eventID(targets.0)) on")
                    }
                    if targets.1.isEmpty { print("no webhook subscriptions") }
                }
            }
        }

        struct Events: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the outbox's events as JSON Lines, each exactly the body a subscriber receives.")

            @OptionGroup var store: StoreOptions

            @Option(help: "Only events after this one (evt_123).")
            var after: String?

            @Option(help: "At most this many.")
            var limit = 1000

            func validate() throws {
                if let after, OutboxEvent.position(of: after) == nil { throw ValidationError("--after: '\(after)' is not an event id such as evt_123") }
                guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
            }

            func run() throws {
                try reportingFailures {
                    let position = after.flatMap(OutboxEvent.position(of:)) ?? 0
                    let events = try store.openExisting().database.read { session in try Outbox.events(session, after: position, types: nil, limit: limit) }
                    for event in events { print(event.body) }
                }
            }
        }

        struct DeadLetters: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "dead-letters",
                abstract: "List the events subscriptions gave up on (replay --from one to send it again).")

            @OptionGroup var store: StoreOptions

            @Option(help: "Only this subscription's.")
            var subscription: Int64?

            func run() throws {
                try reportingFailures {
                    let letters = try store.openExisting().database.read { session in try WebhookSubscriptions.deadLetters(session, subscription: subscription) }
                    guard !letters.isEmpty else { return print("no dead letters") }
                    for letter in letters {
                        print("webhook #\(letter.subscription) \(OutboxEvent.eventID(letter.event)): \(TextFormat.count(letter.attempts, "attempt")), "
                              + "last at \(letter.at): \(letter.lastError)")
                    }
                }
            }
        }
    }
}
