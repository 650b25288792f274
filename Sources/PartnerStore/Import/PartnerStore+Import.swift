import Foundation
import GRDB
import PartnerModel

extension PartnerStore {
    /// Import partners and events from CSV and JSON Lines files in ONE
    /// transaction: partner files first (whatever the order given), then
    /// event files. The first bad record aborts the whole import with a
    /// ``PartnerStoreError`` naming its file, line and field; nothing is
    /// written then. Partners are upserted by id.
    ///
    /// Files are streamed: memory does not grow with their size. Event files
    /// are parsed on a second thread while this one writes.
    ///
    /// - Parameter kinds: the event kinds accepted (custom kinds are refused
    ///   unless the policies in use declare them).
    /// - Parameter displayNames: how to name a file in messages, by path
    ///   (default: the path as given) — e.g. a fixture's inline records.
    /// - Parameter progress: called with the number of records read so far,
    ///   about every `progressInterval` records.
    @discardableResult
    public func importFiles(_ paths: [String], kinds: EventKinds = .builtIn, displayNames: [String: String] = [:],
                            progressInterval: Int = 100_000, progress: ((Int) -> Void)? = nil) throws -> ImportSummary {
        try importFiles(paths, kinds: kinds, displayNames: displayNames, progressInterval: progressInterval, chunkSize: 1 << 20,
                        progress: progress)
    }

    /// The same, reading files in chunks of about `chunkSize` bytes (tests
    /// make them small to cross chunk boundaries).
    @discardableResult
    func importFiles(_ paths: [String], kinds: EventKinds = .builtIn, displayNames: [String: String] = [:],
                     progressInterval: Int = 100_000, chunkSize: Int, progress: ((Int) -> Void)? = nil) throws -> ImportSummary {
        let files = try paths.map { try ImportFile(path: $0, display: displayNames[$0], chunkSize: chunkSize) }
        var seenPaths = Set<String>()
        for (path, file) in zip(paths, files) where !seenPaths.insert(URL(fileURLWithPath: path).standardizedFileURL.path).inserted {
            throw PartnerStoreError("the file is named twice", file: file.display, hint: "name each file once")
        }
        let partnerFiles = files.filter { $0.content == .partners }
        let eventFiles = files.filter { $0.content == .events }
        var counter = ImportProgress(interval: progressInterval, report: progress)
        if let postgres {
            return try postgres.writeSession { session in
                try PostgresImport.importFiles(session, partnerFiles: partnerFiles, eventFiles: eventFiles, kinds: kinds,
                                               progress: &counter)
            }
        }
        let writeback = EarlyWriteback(for: self)
        defer { writeback?.stop() }
        return try reclaimingSpaceOnFailure { try writer.writeWithoutTransaction { db in
            // Foreign keys are checked here, not by SQLite: every event's
            // partner number comes from the partner table in this same
            // transaction and every kind from EventKinds (the writer adds a
            // custom kind to event_kind before its first event), so SQLite's two
            // parent look-ups per inserted row would only cost time.
            // (PRAGMA foreign_keys cannot change inside a transaction.)
            let foreignKeys = try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false
            if foreignKeys { try db.execute(sql: "PRAGMA foreign_keys = OFF") }
            defer { if foreignKeys { try? db.execute(sql: "PRAGMA foreign_keys = ON") } }
            var summary = ImportSummary(partnersAdded: 0, partnersUpdated: 0, events: 0)
            try db.inTransaction {
                summary = try importRecords(db)
                return .commit
            }
            return summary
        } }

        func importRecords(_ db: Database) throws -> ImportSummary {
            var summary = ImportSummary(partnersAdded: 0, partnersUpdated: 0, events: 0)
            let partners = try PartnerWriter(db)
            for file in partnerFiles {
                try ImportReading.partners(of: file) { batch in
                    for (partner, statusGiven) in batch { try partners.upsert(partner, statusGiven: statusGiven) }
                    counter.advance(by: batch.count)
                }
            }
            summary.partnersAdded = partners.added
            summary.partnersUpdated = partners.updated
            guard !eventFiles.isEmpty else { return summary }
            let numbers = try PartnerQueries.numbersByID(GRDBSession(db))
            let events = try EventWriter(db)
            for file in eventFiles {
                try ImportReading.events(of: file, numbers: numbers, kinds: kinds) { batch in
                    try events.insert(batch)
                    summary.events += batch.count
                    counter.advance(by: batch.count)
                }
            }
            try events.finish()
            return summary
        }
    }
}

/// Counts the records an import has read and reports every multiple of
/// `interval` passed, as when counting one by one.
struct ImportProgress {
    let interval: Int
    let report: ((Int) -> Void)?
    private(set) var records = 0

    init(interval: Int, report: ((Int) -> Void)?) {
        self.interval = interval
        self.report = report
    }

    mutating func advance(by count: Int) {
        let before = records
        records += count
        guard let report else { return }
        for reached in stride(from: (before / interval + 1) * interval, through: records, by: interval) { report(reached) }
    }
}

/// Reading an import's files into checked batches, the same for both
/// engines: the one record checker (``ImportRecord``), on a second thread
/// (two for CSV events) while the caller writes the batches in file order.
enum ImportReading {
    /// The partners of a partners file, in batches; refuses an id listed twice.
    static func partners(of file: ImportFile, _ consume: ([(partner: Partner, statusGiven: Bool)]) throws -> Void) throws {
        try Pipeline.run(produce: { put in
            var ids = [String: Int]()
            var batch: [(partner: Partner, statusGiven: Bool)] = []
            while let record = try file.next() {
                let (partner, statusGiven) = try record.partner()
                if let earlier = ids.updateValue(record.line, forKey: partner.id) {
                    throw PartnerStoreError("duplicate partner id '\(partner.id)' (first on line \(earlier))",
                                            file: file.display, line: record.line, field: "id",
                                            hint: "list each partner once per file")
                }
                batch.append((partner, statusGiven))
                if batch.count == 1024 {
                    guard put(batch) else { return }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { _ = put(batch) }
        }, consume: consume)
    }

    /// The events of an events file, checked against the partners (`numbers`) and `kinds`, in batches.
    static func events(of file: ImportFile, numbers: [String: Int64], kinds: EventKinds,
                       _ consume: (EventBatch) throws -> Void) throws {
        if let (csv, positions) = file.csvEvents {
            // CSV: parsed and checked on two threads, chunk by chunk, written here in order.
            return try ParallelEvents.run(file: file, records: csv, positions: positions, numbers: numbers, kinds: kinds,
                                          write: consume)
        }
        // JSON Lines: parsed and checked on a second thread into batches while this one writes the previous ones.
        try Pipeline.run(produce: { put in
            var batch = EventBatch()
            batch.reserve(Pipeline.batchSize)
            while try file.appendNextEvent(to: &batch, numbers: numbers, kinds: kinds) {
                if batch.count == Pipeline.batchSize {
                    guard put(batch) else { return }
                    batch = EventBatch()
                    batch.reserve(Pipeline.batchSize)
                }
            }
            if batch.count > 0 { _ = put(batch) }
        }, consume: consume)
    }
}

// MARK: - Events as JSON objects (the HTTP API)

extension PartnerStore {
    /// The partners a batch of event objects names: each object's
    /// `partner_id` text, in order (an object without one names none; the
    /// import refuses it).
    public static func partnerIDs(of objects: [JSONValue]) -> [String] {
        objects.compactMap { if case .string(let id)? = $0["partner_id"] { id } else { nil } }
    }

    /// Add events given as JSON objects — keys as an events file's columns
    /// (`partner_id`, `date`, `kind`, `amount`, ...), values as a JSON Lines
    /// import accepts them — with exactly the checks of a file import.
    ///
    /// Runs inside the caller's write transaction `session` (either engine), so the caller can
    /// record more in the same transaction; nothing is written when one event
    /// is refused. A refusal is a ``PartnerStoreError`` whose `file` is
    /// `batch` and `index` the 0-based index of the bad object, with no line.
    /// `kinds` are the kinds accepted, as for a file import.
    @discardableResult
    public static func importEventObjects(_ objects: [JSONValue], kinds: EventKinds = .builtIn, batch: String = "events",
                                          in session: any SQLSession) throws -> ImportSummary {
        let numbers = try PartnerQueries.numbersByID(session, ids: partnerIDs(of: objects))
        var events: [StoredEvent] = []
        events.reserveCapacity(objects.count)
        for (index, element) in objects.enumerated() {
            do {
                guard case .object(let object) = element else {
                    throw PartnerStoreError("expected a JSON object, found \(element.kindName)",
                                            hint: "send each event as an object like {\"partner_id\": \"P1\", \"date\": \"2026-01-31\", \"kind\": \"login\"}")
                }
                let record = try JSONLines.record(object, content: .events, file: batch, line: 0)
                events.append(try record.event(numbers: numbers, kinds: kinds))
            } catch var error as PartnerStoreError {
                (error.file, error.line, error.index) = (batch, nil, index)
                if error.code == nil { error.code = "invalid_event" }
                throw error
            }
        }
        // The one bulk writer per engine.
        switch session {
        case let sqlite as GRDBSession:
            let writer = try EventWriter(sqlite.db)
            for event in events { try writer.insert(event) }
            try writer.finish()   // the month rollups held in memory
        case let postgres as PostgresSession:
            try PostgresImport.write(postgres, events, kinds: kinds)
        default:
            preconditionFailure("no event writer for \(type(of: session))")
        }
        return ImportSummary(partnersAdded: 0, partnersUpdated: 0, events: objects.count)
    }
}
