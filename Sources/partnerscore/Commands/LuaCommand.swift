import ArgumentParser
import Foundation
import LuaHost
import PartnerModel
import PartnerStore
import PolicyEngine
import PolicyToolchain

extension Partnerscore {
    /// Run a Lua file in the policy sandbox and print its result as JSON.
    struct LuaCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lua",
            abstract: "Run a Lua file in the policy sandbox and print its return value as JSON.",
            discussion: """
                The file runs exactly as a policy would: only the base, string, table, math \
                and utf8 libraries; no global writes; require "partnerscore" loads the policy \
                library, and other modules resolve from the file's folder and the lib folder \
                beside it — or, with --policies SET, exactly as that set's policies resolve them \
                (the set's folder, then its lib folder or --lib). With --partner ID and --db or \
                --fixture, and --as-of, the partner's snapshot is the global p (and the chunk's \
                first argument, ...), exactly the table a policy function receives. --partner \
                FILE.json instead gives a JSON object as p, as written (e.g. what `return p` \
                printed, edited). print() writes to stderr.
                """
        )

        @Argument(help: "The Lua file to run.", completion: .file(extensions: ["lua"]))
        var file: String

        @Option(name: .customLong("policies"), help: ArgumentHelp("Resolve require as this policy set's policies do.",
                                                                 valueName: "SET"), completion: .directory)
        var policySet: String?

        @OptionGroup var library: LibraryOption

        @Option(help: ArgumentHelp("Give the file this partner's snapshot as p (with --db or --fixture, and --as-of), "
                                   + "or the JSON object in FILE.json.", valueName: "ID|FILE.json"))
        var partner: String?

        @Option(help: ArgumentHelp("Read the partner from this database (a SQLite file or a postgresql:// URL).", valueName: "PATH|URL"),
                completion: .file())
        var db: String?

        @Option(help: ArgumentHelp("Read the partner from this fixture file (the format partnerscore test reads).",
                                   valueName: "FILE.json"), completion: .file(extensions: ["json"]))
        var fixture: String?

        @Option(name: .customLong("as-of"), help: "The snapshot's day (YYYY-MM-DD).")
        var asOf: String?

        @OptionGroup var limits: LimitOptions

        @Flag(help: "Indent the JSON output.")
        var pretty = false

        /// `--partner FILE.json` alone: p as written in the file.
        var partnerFile: String? {
            guard let partner, db == nil, fixture == nil, partner.hasSuffix(".json") else { return nil }
            return partner
        }

        func validate() throws {
            if partnerFile != nil {
                guard asOf == nil else { throw ValidationError("--as-of dates a snapshot from --db or --fixture; a JSON file is p as written") }
            } else if partner != nil {
                guard (db == nil) != (fixture == nil) else {
                    throw ValidationError("--partner needs one of --db or --fixture (or names a JSON file holding p)")
                }
                guard asOf != nil else { throw ValidationError("--partner needs --as-of") }
            } else if db != nil || fixture != nil || asOf != nil {
                throw ValidationError("--db, --fixture and --as-of give a partner's snapshot: name it with --partner ID")
            }
        }

        func run() throws {
            try reportingFailures { try runLua() }
        }

        private func runLua() throws {
            let modules: ModuleResolver
            if let policySet {
                let url = URL(fileURLWithPath: policySet)
                modules = .forPolicySet(at: url, displayPath: PolicyOptions.display(policySet), library: library.root)
            } else {
                let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
                let display = file.contains("/") ? String(file[..<file.lastIndex(of: "/")!]) : "."
                modules = .forPolicySet(at: directory, displayPath: display.isEmpty ? "/" : display, library: library.root)
            }
            let lua = try LuaState(modules: modules, limits: limits.luaLimits)
            try HostLibrary.install(in: lua)
            lua.output = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
            var arguments: [LuaValue] = []
            if let p = try partnerFile.map(Self.table(inJSONFile:)) ?? sampleSnapshot().map({ SnapshotTable.luaValue($0.0, measures: $0.1) }) {
                try lua.setGlobal("p", p)
                arguments.append(p)
            }
            let chunk = try lua.load(contentsOf: file)
            defer { lua.release(chunk) }
            let result = try lua.call(chunk, arguments).first ?? .nil
            print(try result.jsonString(pretty: pretty))
        }

        /// The JSON object in `path` as a Lua table.
        static func table(inJSONFile path: String) throws -> LuaValue {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw CommandFailure("error: cannot read \(path): \(error.localizedDescription)")
            }
            guard let value = try? JSONDecoder().decode(JSONLuaValue.self, from: data).value, case .table = value else {
                throw CommandFailure("error: \(path) does not hold a JSON object — write p as { \"id\": \"P-1\", \"revenue_12m\": 50000, ... }")
            }
            return value
        }

        /// The partner's snapshot as of the day, from the database or the fixture,
        /// with the measures of the set given with --policies.
        private func sampleSnapshot() throws -> (PartnerSnapshot, MeasurePlan)? {
            guard let partner, let asOf else { return nil }
            let day = try Day(parsing: asOf)
            let measures = try policySet.map {
                try PolicyOptions.load(URL(fileURLWithPath: $0), display: PolicyOptions.display($0), library: library.root).measures
            } ?? .empty
            let store: PartnerStore
            let source: String
            if let db {
                store = try openExistingStore(at: db)
                source = db
            } else {
                let url = URL(fileURLWithPath: fixture!)
                let loaded = try Fixture(url: url, display: fixture!)
                let folder = url.deletingLastPathComponent().deletingLastPathComponent()
                store = try FixtureRunner(setDirectory: folder, displayPath: folder.relativePath)
                    .store(for: loaded, kinds: EventKinds(custom: measures.customKinds))
                source = fixture!
            }
            let calculator = SnapshotCalculator(store: store, measures: measures)
            guard let snapshot = try calculator.snapshots(asOf: day, partnerIDs: [partner]).first else {
                throw CommandFailure("error: no partner \(partner) enrolled by \(day) in \(source) — check the id and the date")
            }
            return (snapshot, measures)
        }
    }
}

/// A JSON value as a Lua value: objects become tables, arrays sequences,
/// whole numbers integers (as in the tables policy functions receive).
struct JSONLuaValue: Decodable {
    let value: LuaValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .nil
        } else if let b = try? container.decode(Bool.self) {
            value = .boolean(b)
        } else if let i = try? container.decode(Int64.self) {
            value = .integer(i)
        } else if let d = try? container.decode(Double.self) {
            value = .number(d)
        } else if let s = try? container.decode(String.self) {
            value = .string(s)
        } else if let items = try? container.decode([JSONLuaValue].self) {
            value = .array(items.map(\.value))
        } else {
            value = .table(try container.decode([String: JSONLuaValue].self).mapValues(\.value))
        }
    }
}
