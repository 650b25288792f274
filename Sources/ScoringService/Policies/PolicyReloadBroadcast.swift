import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Carries a policy reload from one `serve` instance to every other one
/// sharing the PostgreSQL database (LISTEN/NOTIFY on one channel).
///
/// When a reload on this instance — `POST /v1/policies/reload` or the
/// folder watcher — swaps a set in, it says so on the channel; each other
/// instance then reloads its own folders at once (as the API's reload
/// does: loaded, checked, compared by content hash), instead of waiting for
/// its watcher, or forever when it watches nothing. The instances serve the
/// same folders (a shared volume or the same deployment); each decision
/// still records the content hash of the version it used.
///
/// The listening connection is opened again after a failure (with a
/// growing wait, at most 5 s); every time it (re)starts listening the
/// instance reloads once, so an announcement made while it was
/// disconnected is not lost.
final class PolicyReloadBroadcast: Service, Sendable {
    static let channel = "partnerscore_policy_reload"

    let configuration: PostgresConnection.Configuration
    let registry: PolicyRegistry
    let logger: Logger
    /// This process, so that it ignores its own announcements.
    let instance = UUID().uuidString

    init(configuration: PostgresConnection.Configuration, registry: PolicyRegistry, logger: Logger) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
    }

    /// Tell the other instances that `swapped` changed here. A failure is
    /// logged, not thrown: the reload itself succeeded, and the others'
    /// watchers (or their next reconnection) still pick the change up.
    func announce(swapped: [String]) async {
        guard !swapped.isEmpty else { return }
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            defer { Task { try? await connection.close() } }
            let payload = instance + " " + swapped.joined(separator: ",")
            try await connection.query("SELECT pg_notify(\(Self.channel), \(payload))", logger: logger)
        } catch {
            logger.error("could not announce a policy reload to the other instances", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var wait = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(configuration: self.configuration, id: 2, logger: self.logger)
                    defer { Task { try? await connection.close() } }
                    try await connection.listen(on: Self.channel) { notifications in
                        wait = .milliseconds(100)
                        // Whatever was announced while this instance was not listening.
                        await self.reload(because: "listening for policy reloads")
                        for try await notification in notifications {
                            guard !notification.payload.hasPrefix(self.instance + " ") else { continue }
                            await self.reload(because: "another instance reloaded " + notification.payload.drop { $0 != " " }.dropFirst())
                        }
                    }
                } catch where !Task.isCancelled {
                    self.logger.warning("policy reload channel lost; listening again", metadata: ["error": "\(String(reflecting: error))"])
                }
                try await Task.sleep(for: wait)
                wait = min(wait * 2, .seconds(5))
            }
        }
    }

    private func reload(because reason: String) async {
        let report = await registry.reload(force: true, announce: false)
        for name in report.swapped { logger.info("policy set reloaded", metadata: ["set": "\(name)", "reason": "\(reason)"]) }
        for failure in report.failures {
            logger.error("policy reload failed; the previous version keeps serving",
                         metadata: ["path": "\(failure.path)", "error": "\(failure.message)", "reason": "\(reason)"])
        }
    }
}
