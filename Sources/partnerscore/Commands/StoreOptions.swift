import ArgumentParser
import Foundation
import GRDB
import PartnerModel
import PartnerStore
import ProgramEvaluation
import ScoringService

/// The `--db` option of the commands that use the partner store: the one
/// place every verb reads where its store is.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("db"),
            help: ArgumentHelp("The partner database: a SQLite file, or a postgresql:// URL.",
                               discussion: "Without --db, the \(StoreOptions.environmentVariable) environment variable names it; --db wins when both are given.",
                               valueName: "PATH|URL"),
            completion: .file())
    var db: String?

    /// The environment variable naming the store when `--db` is not given.
    static let environmentVariable = "PARTNERSCORE_DATABASE_URL"

    func validate() throws {
        guard db != nil || Self.fromEnvironment != nil else {
            throw ValidationError("name the database with --db PATH (a SQLite file) or --db postgresql://…, or set \(Self.environmentVariable)")
        }
    }

    private static var fromEnvironment: String? {
        ProcessInfo.processInfo.environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Where the store is: `--db`, else the environment variable (``validate()`` made sure there is one).
    var path: String { db ?? Self.fromEnvironment ?? "" }

    /// The location for messages (a URL without its password).
    var display: String { displayName(ofStore: path) }

    /// The store as a report names it: a SQLite file by its name, a PostgreSQL database by its URL without the password.
    var reportSource: String {
        PostgresLocation.isURL(path) ? display : URL(fileURLWithPath: path).lastPathComponent
    }

    /// Open an existing store; a missing file is an error (a typo must not make a new, empty database).
    func openExisting() throws -> PartnerStore { try openExistingStore(at: path) }
}

/// A store location for messages: a path as given, a URL without its password.
func displayName(ofStore location: String) -> String {
    guard PostgresLocation.isURL(location) else { return location }
    return (try? PostgresLocation(url: location))?.description ?? location
}

/// Open the store at `location`, which must exist: a SQLite file (a typo
/// must not make a new, empty database) or a PostgreSQL database.
func openExistingStore(at location: String) throws -> PartnerStore {
    guard PostgresLocation.isURL(location) || FileManager.default.fileExists(atPath: location) else {
        throw CommandFailure("no database at \(location) — create it with: partnerscore init --db \(location)")
    }
    return try openStore(at: location)
}

/// Open (creating if needed) the store at `location` with every table the
/// tool uses, on either engine: the partner data, the evaluation ledger and
/// the service's tokens and idempotency keys.
func openStore(at location: String) throws -> PartnerStore {
    if !PostgresLocation.isURL(location) { openedStorePath = location }
    return try PartnerStore(location: location) { migrations in
        LedgerSchema.register(in: &migrations)
        ServiceSchema.register(in: &migrations)
    }
}

/// The database the command opened, for messages about a lock or a full
/// disk (one command opens one store; set before anything can fail).
nonisolated(unsafe) var openedStorePath: String?

/// Buffered text output to a file or stdout.
final class TextOutput {
    private let handle: FileHandle
    private let ownsHandle: Bool
    private var buffer: [UInt8] = []

    init(path: String?) throws {
        if let path, path != "-" {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CommandFailure("error: cannot write \(path) — check that its folder exists and is writable")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            ownsHandle = true
        } else {
            handle = FileHandle.standardOutput
            ownsHandle = false
        }
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func write(bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        if ownsHandle { try handle.close() }
    }
}

/// True when stderr is a terminal (progress is shown only then).
var stderrIsTerminal: Bool { isatty(2) == 1 }

func printError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
