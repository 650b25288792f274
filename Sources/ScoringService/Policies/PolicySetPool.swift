import Foundation
import PolicyEngine

/// Copies of one policy set version, one per worker: a ``PolicySet`` owns a
/// Lua state that must never be used by two threads at once, so a caller
/// checks a copy out for the duration of one evaluation (or one run) and the
/// work runs on a thread of its own, off Swift's cooperative pool.
///
/// When every copy is busy, callers wait in line (first come, first served).
final class PolicySetPool: @unchecked Sendable {
    /// A checked-out copy. Only the holder touches `set`.
    private final class Worker: @unchecked Sendable {
        let set: PolicySet
        init(_ set: PolicySet) { self.set = set }
    }

    private let lock = NSLock()
    private var free: [Worker]
    private var waiting: [CheckedContinuation<Worker, Never>] = []
    let size: Int

    init(_ sets: [PolicySet]) {
        precondition(!sets.isEmpty)
        free = sets.map(Worker.init)
        size = sets.count
    }

    /// Run `body` with a copy of the set on a worker thread; the copy is
    /// returned to the pool afterwards, whatever happens.
    func run<T: Sendable>(_ body: @escaping @Sendable (PolicySet) throws -> T) async throws -> T {
        let worker = await checkOut()
        defer { checkIn(worker) }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try body(worker.set) })
            }
        }
    }

    private func checkOut() async -> Worker {
        await withCheckedContinuation { continuation in
            lock.withLock {
                if let worker = free.popLast() {
                    continuation.resume(returning: worker)
                } else {
                    waiting.append(continuation)
                }
            }
        }
    }

    private func checkIn(_ worker: Worker) {
        let next: CheckedContinuation<Worker, Never>? = lock.withLock {
            if waiting.isEmpty {
                free.append(worker)
                return nil
            }
            return waiting.removeFirst()
        }
        next?.resume(returning: worker)
    }
}
