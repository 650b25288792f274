import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ScoringService

extension Partnerscore {
    /// Run the scoring service.
    struct ServeCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the partner data, evaluations and policies over an authenticated HTTP API.",
            discussion: """
                Every endpoint but /health and /openapi.json needs a bearer token (partnerscore token \
                create); /metrics too unless --public-metrics. The policy folders are watched: an \
                edited set is loaded and validated before it replaces the serving version, and a \
                broken edit leaves the old version serving (GET /health shows the error).
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var limits: LimitOptions

        @Option(name: .customLong("policies"),
                help: "A policy set folder, or a folder of policy sets (repeatable).", completion: .directory)
        var policyPaths: [String]

        @Option(help: "The address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "The port to listen on.")
        var port = 8080

        @Flag(name: .customLong("public-metrics"), help: "Serve /metrics without a token.")
        var publicMetrics = false

        @Option(name: .customLong("max-body-mb"), help: "The largest request body accepted, in MiB.")
        var maxBodyMB = 8

        @Option(help: "Loaded copies of each policy set (evaluations of one set at once); default: the number of cores.")
        var workers: Int?

        @Option(name: .customLong("watch-ms"), help: "How often to check the policy folders for changes, in ms (0: never).")
        var watchMilliseconds = 1000

        @Flag(name: .customLong("no-webhooks"), help: "Do not deliver webhooks from this process (another serve may).")
        var noWebhooks = false

        @Option(name: .customLong("webhook-retry-base-ms"),
                help: "The wait after a failed delivery, in ms; it doubles at each further failure (up to an hour).")
        var webhookRetryBaseMilliseconds = 1000

        @Option(name: .customLong("webhook-max-attempts"), help: "Attempts at one event before it becomes a dead letter.")
        var webhookMaxAttempts = 15

        @Option(name: .customLong("webhook-timeout-ms"), help: "How long one delivery attempt may take, in ms.")
        var webhookTimeoutMilliseconds = 10_000

        func validate() throws {
            guard !policyPaths.isEmpty else { throw ValidationError("name at least one --policies folder") }
            guard (1...65535).contains(port) else { throw ValidationError("--port must be 1...65535") }
            guard (1...1024).contains(maxBodyMB) else { throw ValidationError("--max-body-mb must be 1...1024") }
            if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
            guard (0...86_400_000).contains(watchMilliseconds) else { throw ValidationError("--watch-ms must be 0 (never) to 86400000 (a day)") }
            // Bounded above too, so that the backoff arithmetic cannot overflow.
            guard (1...3_600_000).contains(webhookRetryBaseMilliseconds) else {
                throw ValidationError("--webhook-retry-base-ms must be 1 to 3600000 (an hour)")
            }
            guard (1...1000).contains(webhookMaxAttempts) else { throw ValidationError("--webhook-max-attempts must be 1...1000") }
            guard (10...600_000).contains(webhookTimeoutMilliseconds) else {
                throw ValidationError("--webhook-timeout-ms must be 10 to 600000 (ten minutes)")
            }
        }

        func run() async throws {
            try await reportingFailures {
                let partnerStore = try reportingStoreFailures { try store.openExistingOnSQLite(for: "serve") }
                // Fail now, with the message the other commands give, on a wrong folder.
                for path in policyPaths { _ = try PolicyOptions.setDirectories(at: path) }
                let paths = policyPaths
                let configuration = ServiceConfiguration(
                    host: host, port: port,
                    policySets: {
                        try paths.flatMap { path in
                            try PolicyOptions.setDirectories(at: path).map { PolicySetLocation(directory: $0.url, displayPath: $0.display) }
                        }
                    },
                    publicMetrics: publicMetrics, maxBodyBytes: maxBodyMB << 20,
                    workers: workers ?? ProcessInfo.processInfo.activeProcessorCount,
                    watchInterval: watchMilliseconds > 0 ? .milliseconds(watchMilliseconds) : nil,
                    limits: limits.overrides,
                    webhooks: WebhookSettings(enabled: !noWebhooks, retryBase: .milliseconds(webhookRetryBaseMilliseconds),
                                              maxAttempts: webhookMaxAttempts, timeout: .milliseconds(webhookTimeoutMilliseconds)))
                var logger = Logger(label: "partnerscore.serve")
                logger.logLevel = .info
                let app: any ApplicationProtocol
                do {
                    app = try buildApplication(configuration, store: partnerStore, logger: logger)
                } catch let failure as ServiceStartFailure {
                    throw CommandFailure(failure.description)
                }
                try await app.runService()
            }
        }
    }
}
