import ArgumentParser
import Foundation
import GRDB
import PartnerModel
import PartnerStore
import ProgramEvaluation
import ScoringService

/// The `--db PATH` option of the commands that use the partner store.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The partner database file (SQLite).", completion: .file())
    var path: String

    /// Open an existing store; a missing file is an error (a typo must not make a new, empty database).
    func openExisting() throws -> PartnerStore { try openExistingStore(at: path) }
}

/// Open the store at `path`, which must exist (a typo must not make a new, empty database).
func openExistingStore(at path: String) throws -> PartnerStore {
    guard FileManager.default.fileExists(atPath: path) else {
        throw CommandFailure("no database at \(path) — create it with: partnerscore init --db \(path)")
    }
    return try openStore(at: path)
}

/// Open (creating if needed) the store at `path` with every table the tool
/// uses: the partner data, the evaluation ledger and the service's tokens
/// and idempotency keys.
func openStore(at path: String) throws -> PartnerStore {
    openedStorePath = path
    return try PartnerStore(path: path) { migrator in
        LedgerSchema.register(in: &migrator)
        ServiceSchema.register(in: &migrator)
    }
}

/// The database the command opened, for messages about a lock or a full
/// disk (one command opens one store; set before anything can fail).
nonisolated(unsafe) var openedStorePath: String?

/// Run a store command body, turning store and database errors into
/// messages for the user (stderr, exit 1).
func reportingStoreFailures<T>(_ body: () throws -> T) throws -> T {
    try reportingFailures {
        do {
            return try body()
        } catch let error as PartnerStoreError {
            throw CommandFailure("error: " + error.description)
        } catch let error as DatabaseError {
            if let path = openedStorePath, let trouble = PartnerStore.trouble(error, databasePath: path) {
                throw CommandFailure("error: " + trouble.description)
            }
            throw CommandFailure("error: database: \(error.message ?? error.description)")
        } catch let error as DayParseError {
            throw CommandFailure("error: \(error.description) — \(error.hint)")
        }
    }
}

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
