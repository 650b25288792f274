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

/// Buffered text output to stdout or to a file, where the file appears only
/// complete: the text goes to a temporary file beside it (created with the
/// mode a new file gets, or the existing file's), renamed over the path by
/// `close()` and removed if the command fails first — so a failed command
/// leaves an existing file as it was and no half-written one. A path that is
/// not a regular file (`/dev/null`, a FIFO) is written in place: renaming
/// over it would replace the device with a file. A symbolic link's target is
/// replaced, not the link.
final class TextOutput {
    private let handle: FileHandle
    private let ownsHandle: Bool
    private var buffer: [UInt8] = []
    /// The temporary file and the path it becomes at `close()`.
    private var pending: (temporary: String, destination: String)?

    init(path: String?) throws {
        buffer.reserveCapacity(1 << 20)
        guard let path, path != "-" else {
            handle = FileHandle.standardOutput
            ownsHandle = false
            return
        }
        let destination = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map {
            $0.hasPrefix("/") ? $0 : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent($0)
        } ?? path
        func cannotWrite(_ reason: String) -> CommandFailure {
            CommandFailure("error: cannot write \(path) — \(reason)")
        }
        var info = stat()
        let exists = stat(destination, &info) == 0
        if exists && info.st_mode & S_IFMT == S_IFDIR {
            throw cannotWrite("it is a folder; give a file name")
        }
        if exists && info.st_mode & S_IFMT != S_IFREG {
            guard let special = FileHandle(forWritingAtPath: destination) else { throw cannotWrite(String(cString: strerror(errno))) }
            handle = special
            ownsHandle = true
            return
        }
        let url = URL(fileURLWithPath: destination)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw cannotWrite("check that its folder exists and is writable") }
        if exists { fchmod(fd, info.st_mode & 0o7777) }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        ownsHandle = true
        pending = (temporary, destination)
    }

    deinit {
        if let pending { unlink(pending.temporary) }
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

    /// Write what is buffered and, for a file, put it in place.
    func close() throws {
        try flush()
        if ownsHandle { try handle.close() }
        if let pending {
            guard rename(pending.temporary, pending.destination) == 0 else {
                throw CommandFailure("error: cannot write \(pending.destination) — \(String(cString: strerror(errno)))")
            }
            self.pending = nil
        }
    }
}

/// True when stderr is a terminal (progress is shown only then).
var stderrIsTerminal: Bool { isatty(2) == 1 }

func printError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
