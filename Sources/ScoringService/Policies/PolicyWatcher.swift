import Logging
import ServiceLifecycle

/// Watches the policy folders: every `interval` it reloads the sets whose
/// files changed (see ``PolicyRegistry``). Runs as a service of the
/// application and stops with it.
struct PolicyWatcher: Service {
    let registry: PolicyRegistry
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                let report = await registry.reload(force: false)
                for name in report.swapped { logger.info("policy set reloaded", metadata: ["set": "\(name)"]) }
                for warning in report.warnings {
                    logger.warning("policy set reloaded, but sampled partners fail", metadata: ["path": "\(warning.path)", "error": "\(warning.message)"])
                }
                for failure in report.failures {
                    logger.error("policy reload failed; the previous version keeps serving",
                                 metadata: ["path": "\(failure.path)", "error": "\(failure.message)"])
                }
            }
        }
    }
}
