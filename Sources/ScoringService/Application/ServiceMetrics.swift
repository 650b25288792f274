import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// The service's metrics, made through swift-metrics with a Prometheus
/// factory on the service's own registry (so several services in one
/// process — tests — never share counters), emitted at `/metrics`.
///
/// - `http_requests_total{route,method,status}` and
///   `http_request_duration_seconds{route,method,status}` (histogram)
/// - `partnerscore_evaluations_total{kind}`: partners evaluated (`live`, `run`, `dry_run`)
/// - `partnerscore_evaluation_duration_seconds{kind}`: per live evaluation or run
/// - `partnerscore_policy_errors_total{stage}`: policy failures while `loading` or `evaluating`
/// - `partnerscore_policy_reloads_total{result}`: `swapped`, `unchanged`, `failed`
/// - `partnerscore_ingested_events_total`, `partnerscore_ingest_batches_total{result}`
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let cache = Cache()

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(5), .seconds(30),
        ]
        self.factory = factory
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    func recordRequest(route: String, method: String, status: Int, nanoseconds: UInt64) {
        let dimensions = [("route", route), ("method", method), ("status", String(status))]
        counter("http_requests_total", dimensions).increment()
        timer("http_request_duration_seconds", dimensions).recordNanoseconds(Int64(clamping: nanoseconds))
    }

    func recordEvaluations(kind: String, partners: Int, nanoseconds: UInt64) {
        counter("partnerscore_evaluations_total", [("kind", kind)]).increment(by: partners)
        timer("partnerscore_evaluation_duration_seconds", [("kind", kind)]).recordNanoseconds(Int64(clamping: nanoseconds))
    }

    func recordPolicyError(stage: String) {
        counter("partnerscore_policy_errors_total", [("stage", stage)]).increment()
    }

    func recordReload(result: String) {
        counter("partnerscore_policy_reloads_total", [("result", result)]).increment()
    }

    func recordIngest(events: Int, accepted: Bool) {
        if events > 0 { counter("partnerscore_ingested_events_total", []).increment(by: events) }
        counter("partnerscore_ingest_batches_total", [("result", accepted ? "accepted" : "refused")]).increment()
    }

    // MARK: - One swift-metrics object per name and dimensions

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        cache.counter(key: Cache.key(label, dimensions)) { CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory) }
    }

    private func timer(_ label: String, _ dimensions: [(String, String)]) -> Metrics.Timer {
        cache.timer(key: Cache.key(label, dimensions)) {
            Metrics.Timer(label: label, dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
        }
    }

    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var counters: [String: CoreMetrics.Counter] = [:]
        private var timers: [String: Metrics.Timer] = [:]

        static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
            ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{1F}")
        }

        func counter(key: String, make: () -> CoreMetrics.Counter) -> CoreMetrics.Counter {
            lock.withLock {
                if let counter = counters[key] { return counter }
                let counter = make()
                counters[key] = counter
                return counter
            }
        }

        func timer(key: String, make: () -> Metrics.Timer) -> Metrics.Timer {
            lock.withLock {
                if let timer = timers[key] { return timer }
                let timer = make()
                timers[key] = timer
                return timer
            }
        }
    }
}
