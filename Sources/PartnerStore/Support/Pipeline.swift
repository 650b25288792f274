import Foundation

/// Runs `produce` on a second thread, handing its batches to `consume` on
/// this one; at most `capacity` batches wait in between. `put` returns false
/// when the consumer gave up (the producer should stop). The first error of
/// either side stops both and is rethrown here. The import parses with it;
/// an evaluation run computes snapshots with it.
public enum Pipeline {
    /// Records per batch of an import.
    static let batchSize = 4096
    /// Batches waiting between an import's reading and writing threads.
    public static let batchesInFlight = 4

    public static func run<Batch: Sendable>(capacity: Int = batchesInFlight,
                                            produce: @escaping @Sendable (_ put: (Batch) -> Bool) throws -> Void,
                                            consume: (Batch) throws -> Void) throws {
        let queue = BatchQueue<Batch>(capacity: capacity)
        let producer = Thread {
            do {
                try produce { queue.put($0) }
                queue.finish(nil)
            } catch {
                queue.finish(error)
            }
        }
        producer.stackSize = 8 << 20
        producer.start()
        do {
            while let batch = try queue.take() { try consume(batch) }
        } catch {
            queue.cancel()
            queue.waitUntilProducerStops()
            throw error
        }
    }
}

/// A bounded hand-over of batches from one producer thread to one consumer.
final class BatchQueue<Batch>: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [Batch] = []
    private let capacity: Int
    private var finished = false
    private var failure: Error?
    private var cancelled = false
    private var producerStopped = false

    init(capacity: Int) { self.capacity = capacity }

    /// False when the consumer gave up (the producer should stop).
    func put(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !cancelled { condition.wait() }
        if cancelled {
            producerStopped = true
            condition.broadcast()
            return false
        }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    func finish(_ error: Error?) {
        condition.lock()
        finished = true
        failure = error
        producerStopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, nil when the producer finished; rethrows its error.
    func take() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        if !batches.isEmpty {
            let batch = batches.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilProducerStops() {
        condition.lock()
        while !producerStopped { condition.wait() }
        condition.unlock()
    }
}
