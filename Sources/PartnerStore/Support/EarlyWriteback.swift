import CWriteback
import Foundation
import GRDB

/// Keeps the disk busy while a long transaction runs: every `interval` it
/// asks the kernel to start writing what SQLite has written so far to the
/// database's WAL (and, while the commit checkpoints, to the database file).
///
/// Without it, the hundreds of megabytes a big run or import writes sit in
/// the page cache until the checkpoint's fsyncs, and the disk writes them
/// all at the end while nothing else happens. Starting writeback early is
/// what PostgreSQL's `*_flush_after` settings do. It changes nothing about
/// durability: SQLite still syncs when it must; the writes are only earlier.
///
/// ```swift
/// let writeback = EarlyWriteback(for: store)   // nil for a store in memory
/// defer { writeback?.stop() }
/// try store.writer.write { db in ... }          // the commit's checkpoint included
/// ```
public final class EarlyWriteback: @unchecked Sendable {
    private let paths: [String]
    private let interval: TimeInterval
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Start for the database file at `path`.
    init(databasePath path: String, interval: TimeInterval = 0.1) {
        paths = [path + "-wal", path]
        self.interval = interval
        let thread = Thread { [self] in run() }
        thread.name = "partnerscore.writeback"
        thread.stackSize = 64 << 10
        thread.start()
    }

    private func run() {
        var descriptors: [String: Int32] = [:]
        defer {
            for fd in descriptors.values { close(fd) }
            finished.signal()
        }
        while stopped.wait(timeout: .now() + interval) == .timedOut {
            for path in paths {
                if descriptors[path] == nil {
                    let fd = open(path, O_RDONLY | O_CLOEXEC)
                    if fd < 0 { continue }   // not created yet
                    descriptors[path] = fd
                }
                _ = ps_start_writeback(descriptors[path]!)   // advisory: a failure only means no head start
            }
        }
    }

    /// Start for `store`'s database file; nil for a store in memory.
    public convenience init?(for store: PartnerStore) {
        guard case .sqlite(let writer) = store.backend, let pool = writer as? DatabasePool else { return nil }
        self.init(databasePath: pool.path)
    }

    /// Stop, and wait until the thread has closed its files.
    public func stop() {
        stopped.signal()
        finished.wait()
    }
}
