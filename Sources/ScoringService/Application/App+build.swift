import Foundation
import GRDB
import Hummingbird
import Logging
import PostgresNIO
import LuaHost
import PartnerStore

/// How to run the service (`partnerscore serve` fills it from its options).
public struct ServiceConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Finds the policy set folders, at start and at each reload.
    public var policySets: PolicyRegistry.Discovery
    /// Whether `/metrics` answers without a token.
    public var publicMetrics: Bool
    /// The largest request body accepted (413 beyond).
    public var maxBodyBytes: Int
    /// Loaded copies of each policy set: evaluations of one set run at most this many at once.
    public var workers: Int
    /// How often the policy folders are checked for changes; nil: only on `POST /v1/policies/reload`.
    public var watchInterval: Duration?
    /// Limits for policy code that win over each policy's `limits` (`serve --instructions ...`).
    public var limits: LuaLimits.Overrides
    /// How webhooks are delivered.
    public var webhooks: WebhookSettings
    /// The PostgreSQL server whose LISTEN/NOTIFY carries policy reloads to
    /// the other instances sharing the database. Nil: the store's own server
    /// when it is on PostgreSQL; none on SQLite (one host, the folder watcher).
    public var reloadChannel: PostgresConnection.Configuration?

    public init(host: String = "127.0.0.1", port: Int = 8080, policySets: @escaping PolicyRegistry.Discovery,
                publicMetrics: Bool = false, maxBodyBytes: Int = 8 << 20,
                workers: Int = ProcessInfo.processInfo.activeProcessorCount, watchInterval: Duration? = .seconds(1),
                limits: LuaLimits.Overrides = .init(), webhooks: WebhookSettings = WebhookSettings()) {
        self.host = host
        self.port = port
        self.policySets = policySets
        self.publicMetrics = publicMetrics
        self.maxBodyBytes = maxBodyBytes
        self.workers = workers
        self.watchInterval = watchInterval
        self.limits = limits
        self.webhooks = webhooks
    }
}

/// Why the service cannot start.
public struct ServiceStartFailure: Error, CustomStringConvertible {
    public var description: String
}

/// The service: load the policy sets (a broken one stops the start with its
/// file and line), then build the router and the application, with the
/// policy watcher as one of its services.
///
/// `store` must have been opened with the ledger's and the service's
/// migrations (``ServiceSchema``), as `partnerscore` opens every store.
public func buildApplication(_ configuration: ServiceConfiguration, store: PartnerStore,
                             logger: Logger = Logger(label: "partnerscore.serve")) throws -> some ApplicationProtocol {
    // On either engine: a table that is missing makes its query fail.
    let hasTables = (try? store.database.read { db in
        for table in ["api_token", "decision", "task", "outbox"] { _ = try db.row("SELECT 1 FROM \(table) WHERE 1 = 0") }
        return true
    }) ?? false
    guard hasTables else {
        throw ServiceStartFailure(description: "the database lacks the ledger or service tables — open it with the ledger and service migrations (partnerscore init)")
    }
    let metrics = ServiceMetrics()
    let registry: PolicyRegistry
    do {
        registry = try PolicyRegistry(copies: configuration.workers, limits: configuration.limits, metrics: metrics,
                                      check: PolicySetCheck(store: store),
                                      discover: configuration.policySets)
    } catch let failure as ReloadFailure {
        throw ServiceStartFailure(description: "error[policy]: \(failure.message)")
    }
    for warning in registry.currentFailures {
        logger.warning("policy set serves, but sampled partners fail", metadata: ["path": "\(warning.path)", "error": "\(warning.message)"])
    }
    let router = buildRouter(configuration, store: store, registry: registry, metrics: metrics)
    var app = Application(router: router,
                          configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                               serverName: "partnerscore"),
                          logger: logger)
    if let interval = configuration.watchInterval {
        app.addServices(PolicyWatcher(registry: registry, interval: interval, logger: logger))
    }
    if let channel = configuration.reloadChannel ?? store.postgres?.location.configuration {
        let broadcast = PolicyReloadBroadcast(configuration: channel, registry: registry, logger: logger)
        registry.announce(through: broadcast)
        app.addServices(broadcast)
    }
    if configuration.webhooks.enabled {
        app.addServices(WebhookDelivery(store: store, settings: configuration.webhooks, logger: logger))
    }
    return app
}

/// Every route, with its middleware: metrics and errors around everything,
/// the body limit, and under `/v1` the bearer token and each route's role.
func buildRouter(_ configuration: ServiceConfiguration, store: PartnerStore, registry: PolicyRegistry,
                 metrics: ServiceMetrics) -> Router<ServiceContext> {
    let router = Router(context: ServiceContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: BodyLimitMiddleware(maxBytes: configuration.maxBodyBytes))

    let tokens = TokenStore(store.database)
    let ledger = LedgerReader(store: store)
    let evaluations = Evaluations(store: store, registry: registry, metrics: metrics)
    let system = SystemController(store: store, registry: registry, metrics: metrics)

    router.get("health", use: system.health)
    router.get("health/ready", use: system.health)
    router.get("health/live", use: system.live)
    router.get("openapi.json", use: system.openAPI)
    if configuration.publicMetrics {
        router.get("metrics", use: system.prometheus)
    } else {
        router.group().add(middleware: AuthMiddleware(tokens: tokens)).add(middleware: RoleMiddleware(.viewer))
            .get("metrics", use: system.prometheus)
    }

    let api = router.group("v1").add(middleware: AuthMiddleware(tokens: tokens))
    api.addRoutes(PartnersController(ledger: ledger, registry: registry, evaluations: evaluations).endpoints, atPath: "partners")
    api.addRoutes(ActivityController(store: store, registry: registry, metrics: metrics, maxBodyBytes: configuration.maxBodyBytes).endpoints,
                  atPath: "activity")
    api.addRoutes(RunsController(evaluations: evaluations, maxBodyBytes: configuration.maxBodyBytes).endpoints, atPath: "runs")
    api.addRoutes(DecisionsController(ledger: ledger).endpoints, atPath: "decisions")
    api.addRoutes(AlertsController(ledger: ledger).endpoints, atPath: "alerts")
    let incentives = IncentivesController(store: store)
    api.addRoutes(incentives.endpoints, atPath: "incentives")
    api.addRoutes(incentives.partnerEndpoints, atPath: "partners")
    api.addRoutes(PoliciesController(registry: registry).endpoints, atPath: "policies")
    api.addRoutes(TasksController(store: store, maxBodyBytes: configuration.maxBodyBytes).endpoints, atPath: "tasks")
    api.addRoutes(WebhooksController(store: store, maxBodyBytes: configuration.maxBodyBytes).endpoints, atPath: "webhooks")
    return router
}
