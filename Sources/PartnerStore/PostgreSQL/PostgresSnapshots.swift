import PartnerModel
import PostgresNIO

extension SnapshotCalculator {
    /// Partners (of ``chunkSize``) per events query: their events are held
    /// in memory at once (about 100 bytes each).
    static let postgresPartnersPerQuery = 500

    /// Snapshots on PostgreSQL, inside the transaction `session` holds: the
    /// partners a page at a time, in id order, and their events up to the
    /// as-of day fed into the same accumulators (``PartnerTally``,
    /// ``MeasureAccumulator``) as on SQLite, in (partner, day, id) order —
    /// so the snapshots are the same, bit for bit. No statement is open
    /// while `body` runs, so it may write.
    public func forEachSnapshot(in session: PostgresSession, asOf: Day, programs: [String]? = nil, partnerIDs: [String]? = nil,
                                _ body: (PartnerSnapshot) throws -> Void) throws {
        let windows = Windows(asOf: asOf)
        var after: String?
        while true {
            let chunk = try PostgresPartners.page(session, programs: programs, partnerIDs: partnerIDs, enrolledBy: asOf,
                                                  after: after, limit: chunkSize)
            guard let last = chunk.last else { return }
            after = last.partner.id
            var tallies = chunk.map { PartnerTally(partner: $0.partner) }
            var accumulator = measures.isEmpty ? nil : MeasureAccumulator(plan: measures, asOf: asOf, partners: chunk.map(\.partner))
            let index = ChunkIndex(numbers: chunk.map(\.number))
            for start in stride(from: 0, to: chunk.count, by: Self.postgresPartnersPerQuery) {
                let numbers = chunk[start..<min(start + Self.postgresPartnersPerQuery, chunk.count)].map(\.number)
                let events = try PostgresEvents(session, partners: numbers, through: windows.day)
                events.forEach { number, day, kind, row in
                    guard let position = index.position(of: number) else { return }
                    if let builtIn = EventKind(bytes: kind.baseAddress!, count: kind.count) {
                        tallies[position].add(kind: builtIn, day: day, row: row, windows: windows)
                    }
                    if accumulator != nil, let slot = accumulator!.plan.kindSlot(bytes: kind) {
                        Self.feed(row, day) { accumulator!.add(partner: position, kind: slot, $0) }
                    }
                }
            }
            try Self.emit(chunk, tallies, accumulator, windows, body)
            if chunk.count < chunkSize { return }
        }
    }
}

/// Some partners' events up to a day, read from PostgreSQL in (partner,
/// day, id) order: plain fields and positions in one buffer of text, as
/// an ``EventBatch`` holds them.
struct PostgresEvents {
    struct Event {
        var number: Int64
        var id: Int64
        var amount: Double?
        var valueNumber: Double?
        var day: Int32
        var expires: Int32?
        var kind: TextRef
        var product = TextRef.none, territory = TextRef.none, name = TextRef.none, valueText = TextRef.none
    }

    private(set) var events: [Event] = []
    private(set) var text: [UInt8] = []

    init(_ session: PostgresSession, partners: [Int64], through day: Int32) throws {
        guard !partners.isEmpty else { return }
        // amount::float8 is the nearest double to the stored decimal, as
        // SQLite holds it (PostgreSQL converts through the decimal text).
        let sql = """
            SELECT partnerNumber, day, kind, amount::float8, product, territory, name, value, expires, id, valueNumber
            FROM event WHERE partnerNumber IN (\(PostgresSession.placeholders(partners.count))) AND day <= ?
            ORDER BY partnerNumber, day, id
            """
        try session.forEachRawRow(sql, partners.map(SQLValue.integer) + [.integer(Int64(day))]) { row in
            var cells = row.makeIterator()
            func next() -> ByteBuffer? { cells.next()!.bytes }
            func int(_ buffer: ByteBuffer?) -> Int64? {
                guard var buffer else { return nil }
                switch buffer.readableBytes {
                case 8: return buffer.readInteger(as: Int64.self)
                case 4: return buffer.readInteger(as: Int32.self).map(Int64.init)
                default: return buffer.readInteger(as: Int16.self).map(Int64.init)
                }
            }
            func double(_ buffer: ByteBuffer?) -> Double? {
                guard var buffer else { return nil }
                return buffer.readInteger(as: UInt64.self).map(Double.init(bitPattern:))
            }
            func store(_ buffer: ByteBuffer?) -> TextRef {
                guard let buffer else { return .none }
                let offset = Int32(text.count)
                buffer.withUnsafeReadableBytes { text.append(contentsOf: $0) }
                return TextRef(offset: offset, count: Int32(buffer.readableBytes))
            }
            let number = int(next()) ?? 0
            let day = Int32(int(next()) ?? 0)
            var event = Event(number: number, id: 0, amount: nil, valueNumber: nil, day: day, expires: nil, kind: store(next()))
            event.amount = double(next())
            event.product = store(next())
            event.territory = store(next())
            event.name = store(next())
            event.valueText = store(next())
            event.expires = int(next()).map { Int32($0) }
            event.id = int(next()) ?? 0
            event.valueNumber = double(next())
            events.append(event)
        }
    }

    /// Each event: partner number, day, kind's bytes and the row.
    func forEach(_ body: (Int64, Int32, UnsafeBufferPointer<UInt8>, Row) -> Void) {
        let padded = text.isEmpty ? [0] : text
        padded.withUnsafeBufferPointer { base in
            for event in events {
                let row = Row(event: event, base: base)
                body(event.number, event.day, row.bytes(event.kind)!, row)
            }
        }
    }

    struct Row: EventColumns {
        let event: Event
        let base: UnsafeBufferPointer<UInt8>

        @inline(__always) func bytes(_ ref: TextRef) -> UnsafeBufferPointer<UInt8>? {
            ref.isNull ? nil : UnsafeBufferPointer(rebasing: base[Int(ref.offset)..<Int(ref.offset + ref.count)])
        }

        var amount: Double? { event.amount }
        var product: UnsafeBufferPointer<UInt8>? { bytes(event.product) }
        var territory: UnsafeBufferPointer<UInt8>? { bytes(event.territory) }
        var name: UnsafeBufferPointer<UInt8>? { bytes(event.name) }
        var valueNumber: Double? { event.valueNumber }
        var valueText: UnsafeBufferPointer<UInt8>? { bytes(event.valueText) }
        var expires: Int32? { event.expires }
        var sequence: Int64 { event.id }
    }
}
