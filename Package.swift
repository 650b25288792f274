// swift-tools-version: 6.0
import PackageDescription

// Targets, bottom up (see docs/ARCHITECTURE.md):
//   CLua               Debian's liblua5.4 as a system library
//   CLuaSandbox        C half of the Lua host: allocator, limits, sandbox, trampolines, watchdog
//   LuaHost            sandboxed Lua states, values, errors, limits (Swift)
//   PartnerModel       the domain's value types: days, partners, events, snapshots, metrics
//   CWriteback         the one system call the store needs that Swift's Glibc lacks (sync_file_range)
//   PartnerStore       the partner and event store on SQLite (GRDB) or PostgreSQL (postgres-nio): schema, atomic import, as-of snapshots, export
//   ProgramGenerator   seeded synthetic partner programs written as import files
//   PolicyEngine       loads and validates policy sets; evaluates partners against them
//   ProgramEvaluation  evaluation runs: snapshots → policy → decision ledger, in one transaction
//   PolicyToolchain    the designer's tools: fixture tests, coverage, check, diff
//   ProgramAnalytics   program metrics from the store and the decision log; the HTML report with SVG charts
//   ScoringService     the HTTP API (Hummingbird): auth, ingest, evaluations, hot-reloaded policies
//   partnerscore       the command-line tool
let package = Package(
    name: "partnerscore",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "partnerscore", targets: ["partnerscore"]),
        .library(name: "LuaHost", targets: ["LuaHost"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        .target(
            name: "CLuaSandbox",
            dependencies: ["CLua"],
            // Link the VM from Debian's static liblua5.4.a (same -dev package)
            // into the executable: the interpreter then runs without the
            // shared library's position-independent code, ~20% faster on a
            // policy call (docs/performance.md). --whole-archive makes these
            // definitions win over the -llua5.4 that pkg-config adds.
            linkerSettings: [.unsafeFlags([
                "-Xlinker", "--whole-archive", "-Xlinker", "-l:liblua5.4.a", "-Xlinker", "--no-whole-archive",
            ])]
        ),
        .target(
            name: "LuaHost",
            dependencies: ["CLua", "CLuaSandbox"]
        ),
        .target(
            name: "PartnerModel"
        ),
        .target(
            name: "CWriteback"
        ),
        .target(
            name: "PartnerStore",
            dependencies: [
                "PartnerModel", "CWriteback",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .target(
            name: "ProgramGenerator",
            dependencies: ["PartnerModel"]
        ),
        .target(
            name: "PolicyEngine",
            dependencies: ["LuaHost", "PartnerModel", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "ProgramEvaluation",
            dependencies: [
                "PartnerModel", "PartnerStore", "PolicyEngine",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "PolicyToolchain",
            dependencies: ["LuaHost", "PartnerModel", "PartnerStore", "PolicyEngine", "ProgramEvaluation"]
        ),
        .target(
            name: "ProgramAnalytics",
            dependencies: [
                "PartnerModel", "PartnerStore", "PolicyEngine", "ProgramEvaluation",
            ]
        ),
        .target(
            name: "ScoringService",
            dependencies: [
                "PartnerModel", "PartnerStore", "PolicyEngine", "ProgramEvaluation", "PolicyToolchain",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .executableTarget(
            name: "partnerscore",
            dependencies: [
                "LuaHost",
                "PartnerModel",
                "PartnerStore",
                "ProgramGenerator",
                "PolicyEngine",
                "ProgramEvaluation",
                "PolicyToolchain",
                "ProgramAnalytics",
                "ScoringService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "partnerscore-bench",
            dependencies: ["LuaHost", "PartnerModel", "PartnerStore", "ProgramGenerator", "PolicyEngine"],
            path: "Sources/Benchmarks"
        ),
        // Helpers every test target shares (days, temporary and policy folders, fixture programs), each written once.
        .target(
            name: "TestSupport",
            dependencies: ["PartnerModel", "PartnerStore", "PolicyEngine", "ProgramEvaluation"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "LuaHostTests",
            dependencies: ["TestSupport", "LuaHost"]
        ),
        .testTarget(
            name: "PartnerModelTests",
            dependencies: ["TestSupport", "PartnerModel"]
        ),
        .testTarget(
            name: "PartnerStoreTests",
            // The generator and the bundled sets' measures: snapshots compared across engines.
            dependencies: ["TestSupport", "PartnerStore", "PartnerModel", "ProgramGenerator", "PolicyEngine"]
        ),
        .testTarget(
            name: "ProgramGeneratorTests",
            dependencies: ["TestSupport", "ProgramGenerator", "PartnerModel"]
        ),
        .testTarget(
            name: "PolicyEngineTests",
            dependencies: ["TestSupport", "PolicyEngine"]
        ),
        .testTarget(
            name: "ProgramEvaluationTests",
            dependencies: ["TestSupport", "ProgramEvaluation", "PartnerStore", "PolicyEngine", "ProgramGenerator", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "PolicyToolchainTests",
            dependencies: ["TestSupport", "PolicyToolchain", "PolicyEngine", "ProgramEvaluation", "PartnerStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "ProgramAnalyticsTests",
            dependencies: ["TestSupport", "ProgramAnalytics", "ProgramEvaluation", "PartnerStore", "PolicyEngine",
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "ScoringServiceTests",
            dependencies: [
                "TestSupport",
                "ScoringService", "PartnerStore", "PartnerModel", "PolicyEngine", "ProgramEvaluation",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "CommandLineTests",
            dependencies: [
                "TestSupport",
                "partnerscore",
                // A test holds a database's write lock as another process would.
                .product(name: "GRDB", package: "GRDB.swift"),
                // A webhook receiver for the real `serve` (kill -9 during delivery).
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                // serve's own readiness, polled as a client would (ServeCommandTests).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
