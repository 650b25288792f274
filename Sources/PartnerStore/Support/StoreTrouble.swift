import Foundation
import GRDB

/// What happens when a write cannot finish, and what a user is told.
///
/// - A failed large transaction (an import or a run that filled the disk)
///   leaves the WAL file at the size it reached: SQLite keeps the file to
///   reuse it, so the volume stays full. After such a failure the WAL is
///   checkpointed and truncated to nothing (``reclaimingSpaceOnFailure(_:)``).
/// - A write that waited the busy timeout for another process's write lock,
///   or that found the disk full, gets a message naming the cause and what
///   to do (``trouble(_:)``), instead of SQLite's "database is locked".
extension PartnerStore {
    /// How long a write waits for another writer before it gives up (the busy timeout), by default.
    public static let lockWait: TimeInterval = 10

    /// The WAL size kept after a checkpoint (`PRAGMA journal_size_limit`):
    /// beyond it, SQLite truncates the file when it next restarts the WAL.
    static let walSizeLimit = 64 << 20

    /// Run `body` (a write transaction); when it throws and left the WAL
    /// over ``walSizeLimit`` or the disk full, truncate the WAL before
    /// rethrowing, so the failure gives the space back.
    public func reclaimingSpaceOnFailure<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            reclaimSpace(after: error)
            throw error
        }
    }

    /// The same for an asynchronous write (the service's).
    public func reclaimingSpaceOnFailure<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            reclaimSpace(after: error)
            throw error
        }
    }

    /// Checkpoint and truncate the WAL if `error` filled the disk or the WAL grew past the limit.
    public func reclaimSpace(after error: any Error) {
        guard case .sqlite(let writer) = backend, let pool = writer as? DatabasePool else { return }
        // A full disk is SQLITE_FULL; a write refused otherwise (a file size or quota limit) an I/O error.
        let code = (error as? DatabaseError)?.resultCode
        let full = code == .SQLITE_FULL || code == .SQLITE_IOERR
        let walSize = (try? FileManager.default.attributesOfItem(atPath: pool.path + "-wal")[.size] as? Int) ?? 0
        guard full || walSize > Self.walSizeLimit else { return }
        // TRUNCATE waits (the busy timeout) for readers still on the WAL, then empties the file.
        _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    /// A database error a user can act on, in words: the disk is full, or
    /// another process holds the write lock (naming it when the system can).
    /// Nil for other errors.
    public func trouble(_ error: DatabaseError) -> PartnerStoreError? {
        guard case .sqlite(let writer) = backend else { return nil }
        return Self.trouble(error, databasePath: writer.path)
    }

    /// The same for the database file at `path` (when the store could not be opened).
    public static func trouble(_ error: DatabaseError, databasePath path: String) -> PartnerStoreError? {
        let name = URL(fileURLWithPath: path).lastPathComponent
        switch error.resultCode {
        case .SQLITE_FULL:
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            return PartnerStoreError("the disk holding \(name) is full; nothing of this write was kept",
                                     hint: "free space on that volume (df -h \(folder)) and run it again")
        case .SQLITE_IOERR:
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            return PartnerStoreError("writing \(name) failed (\(error.message ?? "disk I/O error")); nothing of this write was kept",
                                     hint: "check the disk holding it (df -h \(folder): space, quota, a file size limit) and run it again")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            let holder = writeLockHolder(databasePath: path).map { "process \($0.pid) (\($0.command))" }
                ?? "another process (an import, a run, the service or a token command)"
            return PartnerStoreError("the database \(name) is locked: \(holder) is writing to it; this write waited for it and gave up, writing nothing",
                                     hint: "run this again when that one has finished")
        default:
            return nil
        }
    }

    /// The process holding the WAL write lock of the database at `path`:
    /// SQLite takes it as a POSIX lock on byte 120 of the `-shm` file, which
    /// `F_GETLK` reports with its owner. Nil when no other process holds it
    /// or the system does not say.
    public static func writeLockHolder(databasePath path: String) -> (pid: Int32, command: String)? {
        let fd = open(path + "-shm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 120
        lock.l_len = 1
        guard fcntl(fd, F_GETLK, &lock) == 0, lock.l_type != Int16(F_UNLCK), lock.l_pid > 0 else { return nil }
        let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(lock.l_pid)/cmdline"))) ?? Data()
        let words = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard let program = words.first else { return (lock.l_pid, "command unknown") }
        // The program's name and its first arguments: enough to recognise `partnerscore import --db ...`.
        var command = ([URL(fileURLWithPath: program).lastPathComponent] + words.dropFirst().prefix(3)).joined(separator: " ")
        if words.count > 4 { command += " …" }
        return (lock.l_pid, command)
    }
}
