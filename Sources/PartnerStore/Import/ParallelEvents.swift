import Foundation

/// Reads a CSV events file on two threads while the caller writes, in file
/// order.
///
/// Why: with the writer's work cut down, CSV.swift's parsing (about 85% of
/// the reading thread) became the import's bottleneck while the writing
/// thread waited a quarter of the time. ``ChunkedFile`` cuts the file into
/// chunks of whole records, so each chunk can be parsed on its own
/// (``CSVChunk``): two workers take chunks in turn, parse and check them
/// into ``EventBatch``es, and the caller writes the batches strictly in
/// chunk order. Lines are counted within each chunk and made the file's
/// lines as the caller reaches the chunk (it knows how many came before),
/// so an error names the same line as a sequential read would; the first
/// bad record in file order is the one reported, and nothing after it is
/// written.
enum ParallelEvents {
    static let workers = 2
    /// Chunks parsed ahead of the one being written (memory: about 2 MB each).
    static let ahead = 6

    static func run(file: ImportFile, records: CSVRecords, positions: [Int], numbers: [String: Int64], kinds: EventKinds,
                    write: (EventBatch) throws -> Void) throws {
        // The rest of the chunk the header came in, read here.
        var first = EventBatch()
        var rows = CSVEventRows(positions: positions, numbers: numbers, kinds: kinds)
        while let (line, fields) = try records.nextInCurrentChunk() {
            try file.append(line: line, fields: fields, to: &first, rows: &rows)
        }
        if first.count > 0 { try write(first) }
        var linesBefore = records.linesRead

        let coordinator = Coordinator(file: records.file)
        let header = records.header
        for _ in 0..<workers {
            let thread = Thread { [file] in
                var rows = CSVEventRows(positions: positions, numbers: numbers, kinds: kinds)
                while let (sequence, chunk) = coordinator.take() {
                    var result = Result()
                    do {
                        guard let chunk = try chunk.get() else { break }
                        var parsed = try CSVChunk(chunk, display: file.display, header: header)
                        result.batch.reserve(32_768)
                        while let (line, fields) = try parsed.next() {
                            try file.append(line: line, fields: fields, to: &result.batch, rows: &rows)
                        }
                        result.lines = parsed.linesRead
                    } catch {
                        result.failure = error
                    }
                    coordinator.put(sequence, result)
                }
                coordinator.workerStopped()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        defer { coordinator.stop() }
        while let result = coordinator.next() {
            if let failure = result.failure {
                if let error = failure as? PartnerStoreError { throw error.shifted(by: linesBefore) }
                throw failure
            }
            try write(result.batch)
            linesBefore += result.lines
        }
    }

    struct Result: Sendable {
        var batch = EventBatch()
        var lines = 0
        var failure: (any Error)?
    }

    /// Hands out chunks in file order (sequence numbers) and collects the
    /// workers' results for the caller in that order; bounded ahead.
    final class Coordinator: @unchecked Sendable {
        private let condition = NSCondition()
        private let file: ChunkedFile
        private var handedOut = 0
        private var consumed = 0
        /// Set when a chunk read returned nil or failed: the number of results to expect.
        private var total: Int?
        private var results: [Int: Result] = [:]
        private var stopped = false
        private var running = ParallelEvents.workers

        init(file: ChunkedFile) { self.file = file }

        /// The next chunk to parse (read in order under the lock), or nil when
        /// there is none or the caller stopped. A read error is handed out as
        /// the chunk's result to report in order.
        func take() -> (Int, Swift.Result<ArraySlice<UInt8>?, Error>)? {
            condition.lock()
            defer { condition.unlock() }
            while !stopped && total == nil && handedOut - consumed >= ParallelEvents.ahead { condition.wait() }
            guard !stopped, total == nil else { return nil }
            let sequence = handedOut
            let chunk = Swift.Result { try file.nextChunk() }
            switch chunk {
            case .success(nil):
                total = sequence
                condition.broadcast()
                return nil
            case .success:
                handedOut += 1
            case .failure:
                handedOut += 1
                total = handedOut
            }
            return (sequence, chunk)
        }

        func put(_ sequence: Int, _ result: Result) {
            condition.lock()
            results[sequence] = result
            condition.broadcast()
            condition.unlock()
        }

        /// The next result in file order, nil after the last.
        func next() -> Result? {
            condition.lock()
            defer { condition.unlock() }
            while true {
                if let result = results.removeValue(forKey: consumed) {
                    consumed += 1
                    condition.broadcast()
                    return result
                }
                if let total, consumed >= total { return nil }
                if running == 0 {
                    // Every worker stopped without this chunk: only after stop(), never silently.
                    consumed += 1
                    return Result(failure: PartnerStoreError("a chunk of the file was not read (the import was stopped)"))
                }
                condition.wait()
            }
        }

        func workerStopped() {
            condition.lock()
            running -= 1
            condition.broadcast()
            condition.unlock()
        }

        /// Stop handing out chunks and wait until the workers have stopped.
        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            while running > 0 { condition.wait() }
            condition.unlock()
        }
    }
}
