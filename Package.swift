// swift-tools-version: 6.0
import PackageDescription

// Targets, bottom up (see docs/ARCHITECTURE.md):
//   CLua          Debian's liblua5.4 as a system library
//   CLuaSandbox   C half of the Lua host: allocator, limits, sandbox, trampolines
//   LuaHost       sandboxed Lua states, values, errors, limits (Swift)
//   PartnerModel  the domain's value types: days, partners, events, snapshots, metrics
//   PartnerStore  the SQLite store (GRDB): schema, atomic import, as-of snapshots, export
//   ProgramGenerator  seeded synthetic partner programs written as import files
//   partnerscore  the command-line tool
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
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        .target(
            name: "CLuaSandbox",
            dependencies: ["CLua"]
        ),
        .target(
            name: "LuaHost",
            dependencies: ["CLua", "CLuaSandbox"]
        ),
        .target(
            name: "PartnerModel"
        ),
        .target(
            name: "PartnerStore",
            dependencies: [
                "PartnerModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        .target(
            name: "ProgramGenerator",
            dependencies: ["PartnerModel"]
        ),
        .executableTarget(
            name: "partnerscore",
            dependencies: [
                "LuaHost",
                "PartnerModel",
                "PartnerStore",
                "ProgramGenerator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "partnerscore-bench",
            dependencies: ["LuaHost"],
            path: "Sources/Benchmarks"
        ),
        .testTarget(
            name: "LuaHostTests",
            dependencies: ["LuaHost"]
        ),
        .testTarget(
            name: "PartnerModelTests",
            dependencies: ["PartnerModel"]
        ),
        .testTarget(
            name: "PartnerStoreTests",
            dependencies: ["PartnerStore", "PartnerModel"]
        ),
        .testTarget(
            name: "ProgramGeneratorTests",
            dependencies: ["ProgramGenerator", "PartnerModel"]
        ),
        .testTarget(
            name: "CommandLineTests",
            dependencies: ["partnerscore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
