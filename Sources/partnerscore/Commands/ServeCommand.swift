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

                Each setting may instead come from the environment (a flag given wins): \(EnvironmentSettings.serveHelp).
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var limits: LimitOptions

        @Option(name: .customLong("policies"),
                help: "A policy set folder, or a folder of policy sets (repeatable).", completion: .directory)
        var policyPaths: [String] = []

        @Option(help: "The address to listen on (default 127.0.0.1).")
        var host: String?

        @Option(help: "The port to listen on (default 8080).")
        var port: Int?

        @Flag(name: .customLong("public-metrics"), help: "Serve /metrics without a token.")
        var publicMetrics = false

        @Option(name: .customLong("max-body-mb"), help: "The largest request body accepted, in MiB (default 8).")
        var maxBodyMB: Int?

        @Option(help: "Loaded copies of each policy set (evaluations of one set at once); default: the number of cores.")
        var workers: Int?

        @Option(name: .customLong("watch-ms"), help: "How often to check the policy folders for changes, in ms (0: never; default 1000).")
        var watchMilliseconds: Int?

        @Flag(name: .customLong("no-webhooks"), help: "Do not deliver webhooks from this process (another serve may).")
        var noWebhooks = false

        @Option(name: .customLong("webhook-retry-base-ms"),
                help: "The wait after a failed delivery, in ms; it doubles at each further failure (up to an hour; default 1000).")
        var webhookRetryBaseMilliseconds: Int?

        @Option(name: .customLong("webhook-max-attempts"), help: "Attempts at one event before it becomes a dead letter (default 15).")
        var webhookMaxAttempts: Int?

        @Option(name: .customLong("webhook-timeout-ms"), help: "How long one delivery attempt may take, in ms (default 10000).")
        var webhookTimeoutMilliseconds: Int?

        /// Every setting from its flag, else its environment variable, else its default; checked.
        struct Settings {
            var policyPaths: [String]
            var host: String
            var port: Int
            var publicMetrics: Bool
            var maxBodyMB: Int
            var workers: Int
            var watchMilliseconds: Int
            var webhooks: Bool
            var webhookRetryBaseMilliseconds: Int
            var webhookMaxAttempts: Int
            var webhookTimeoutMilliseconds: Int
            var limits: LimitOptions
        }

        func settings(_ env: EnvironmentSettings = EnvironmentSettings()) throws -> Settings {
            func bounded(_ value: Int, _ range: ClosedRange<Int>, _ option: String, _ variable: String, _ meaning: String = "") throws -> Int {
                guard range.contains(value) else {
                    throw ValidationError("\(option) (or \(variable)) must be \(range.lowerBound) to \(range.upperBound)\(meaning)")
                }
                return value
            }
            let policyPaths = env.paths(self.policyPaths, "PARTNERSCORE_POLICIES")
            guard !policyPaths.isEmpty else { throw ValidationError("name at least one --policies folder (or set PARTNERSCORE_POLICIES)") }
            var limits = self.limits
            limits.instructions = try env.integer(limits.instructions, "PARTNERSCORE_INSTRUCTIONS")
            limits.memoryMB = try env.integer(limits.memoryMB, "PARTNERSCORE_MEMORY_MB")
            limits.timeoutMS = try env.integer(limits.timeoutMS, "PARTNERSCORE_TIMEOUT_MS")
            try limits.validate()
            let workers = try env.integer(self.workers, "PARTNERSCORE_WORKERS") ?? ProcessInfo.processInfo.activeProcessorCount
            return Settings(
                policyPaths: policyPaths,
                host: host ?? env.text("PARTNERSCORE_HOST") ?? "127.0.0.1",
                port: try bounded(try env.integer(port, "PARTNERSCORE_PORT") ?? 8080, 1...65535, "--port", "PARTNERSCORE_PORT"),
                publicMetrics: try env.bool(publicMetrics, "PARTNERSCORE_PUBLIC_METRICS"),
                maxBodyMB: try bounded(try env.integer(maxBodyMB, "PARTNERSCORE_MAX_BODY_MB") ?? 8, 1...1024,
                                       "--max-body-mb", "PARTNERSCORE_MAX_BODY_MB"),
                workers: try bounded(workers, 1...4096, "--workers", "PARTNERSCORE_WORKERS"),
                watchMilliseconds: try bounded(try env.integer(watchMilliseconds, "PARTNERSCORE_WATCH_MS") ?? 1000, 0...86_400_000,
                                               "--watch-ms", "PARTNERSCORE_WATCH_MS", " (0: never; at most a day)"),
                webhooks: !(try env.bool(noWebhooks, "PARTNERSCORE_NO_WEBHOOKS")),
                // Bounded above too, so that the backoff arithmetic cannot overflow.
                webhookRetryBaseMilliseconds: try bounded(try env.integer(webhookRetryBaseMilliseconds, "PARTNERSCORE_WEBHOOK_RETRY_BASE_MS") ?? 1000,
                                                          1...3_600_000, "--webhook-retry-base-ms", "PARTNERSCORE_WEBHOOK_RETRY_BASE_MS", " (an hour)"),
                webhookMaxAttempts: try bounded(try env.integer(webhookMaxAttempts, "PARTNERSCORE_WEBHOOK_MAX_ATTEMPTS") ?? 15, 1...1000,
                                                "--webhook-max-attempts", "PARTNERSCORE_WEBHOOK_MAX_ATTEMPTS"),
                webhookTimeoutMilliseconds: try bounded(try env.integer(webhookTimeoutMilliseconds, "PARTNERSCORE_WEBHOOK_TIMEOUT_MS") ?? 10_000,
                                                        10...600_000, "--webhook-timeout-ms", "PARTNERSCORE_WEBHOOK_TIMEOUT_MS", " (ten minutes)"),
                limits: limits)
        }

        func validate() throws {
            do {
                _ = try settings()
            } catch let failure as CommandFailure {
                throw ValidationError(failure.message)
            }
        }

        func run() async throws {
            try await reportingFailures {
                let settings = try self.settings()
                let partnerStore = try store.openExisting()
                // Fail now, with the message the other commands give, on a wrong folder.
                for path in settings.policyPaths { _ = try PolicyOptions.setDirectories(at: path) }
                let paths = settings.policyPaths
                let configuration = ServiceConfiguration(
                    host: settings.host, port: settings.port,
                    policySets: {
                        try paths.flatMap { path in
                            try PolicyOptions.setDirectories(at: path).map { PolicySetLocation(directory: $0.url, displayPath: $0.display) }
                        }
                    },
                    publicMetrics: settings.publicMetrics, maxBodyBytes: settings.maxBodyMB << 20,
                    workers: settings.workers,
                    watchInterval: settings.watchMilliseconds > 0 ? .milliseconds(settings.watchMilliseconds) : nil,
                    limits: settings.limits.overrides,
                    webhooks: WebhookSettings(enabled: settings.webhooks, retryBase: .milliseconds(settings.webhookRetryBaseMilliseconds),
                                              maxAttempts: settings.webhookMaxAttempts,
                                              timeout: .milliseconds(settings.webhookTimeoutMilliseconds)))
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
