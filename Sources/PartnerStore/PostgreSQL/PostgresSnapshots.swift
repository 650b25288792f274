import PartnerModel
import PostgresNIO

extension SnapshotCalculator {
    /// Snapshots on PostgreSQL, inside the transaction `session` holds: the
    /// partners a page at a time, in id order, and their events up to the
    /// as-of day fed into the same accumulators (``PartnerTally``,
    /// ``MeasureAccumulator``) as on SQLite, each kind's in (partner, day,
    /// id) order — so the snapshots are the same, bit for bit. No statement
    /// is open while `body` runs, so it may write.
    ///
    /// Two things keep the connection busy instead of taking turns with this
    /// thread (docs/performance.md): the next group of partners' queries is
    /// sent before this group's rows are decoded, and logins — two thirds of
    /// a program's events, adding only a first day, a last day and a 30-day
    /// count — are counted by the server, unless a measure reads them.
    public func forEachSnapshot(in session: PostgresSession, asOf: Day, programs: [String]? = nil, partnerIDs: [String]? = nil,
                                _ body: (PartnerSnapshot) throws -> Void) throws {
        let windows = Windows(asOf: asOf)
        let countLogins = measures.kindSlot(EventKind.login.name) == nil
        try forEachChunk(asOf: asOf, body) { after in
            try PostgresPartners.page(session, programs: programs, partnerIDs: partnerIDs, enrolledBy: asOf, after: after, limit: chunkSize)
        } add: { chunk, tallies, accumulator, index in
            // Groups of even size (a run's chunk of 1,024: three of 342, not 500, 500 and 24).
            let count = (chunk.count + postgresPartnersPerQuery - 1) / postgresPartnersPerQuery
            let size = (chunk.count + count - 1) / count
            let groups = stride(from: 0, to: chunk.count, by: size).map { chunk[$0..<min($0 + size, chunk.count)].map(\.number) }
            var next: PostgresEvents.Pending? = PostgresEvents.send(session, partners: groups[0], windows: windows, countLogins: countLogins)
            for g in groups.indices {
                let current = next!
                next = g + 1 < groups.count
                    ? PostgresEvents.send(session, partners: groups[g + 1], windows: windows, countLogins: countLogins) : nil
                let (events, logins) = try current.receive()
                for login in logins {
                    guard let position = index.position(of: login.number) else { continue }
                    tallies[position].addLogins(first: login.first, last: login.last, within30Days: login.within30Days)
                }
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

    /// A partner's logins up to the as-of day, as the server counts them.
    struct Logins {
        var number: Int64
        var first: Int32, last: Int32
        var within30Days: Int32
    }

    /// The queries of some partners' events, sent (``PostgresSession/send(_:_:)``).
    struct Pending {
        let events: PostgresSession.PendingRows
        let logins: PostgresSession.PendingRows?

        func receive() throws -> (PostgresEvents, [Logins]) {
            let events = PostgresEvents(try self.events.rows())
            var logins: [Logins] = []
            if let counted = try self.logins?.rows() {
                logins.reserveCapacity(counted.count)
                for row in counted {
                    var cells = row.makeIterator()
                    func int() -> Int64 { PostgresEvents.int(cells.next()!.bytes) ?? 0 }
                    logins.append(Logins(number: int(), first: Int32(int()), last: Int32(int()), within30Days: Int32(int())))
                }
            }
            return (events, logins)
        }
    }

    /// Send the queries of `partners`' events up to the as-of day: with
    /// `countLogins`, every kind but logins one by one and the logins counted.
    static func send(_ session: PostgresSession, partners: [Int64], windows: Windows, countLogins: Bool) -> Pending {
        let numbers = partners.map(SQLValue.integer)
        let through = SQLValue.integer(Int64(windows.day))
        // amount::float8 is the nearest double to the stored decimal, as
        // SQLite holds it (PostgreSQL converts through the decimal text).
        let events = session.send("""
            SELECT partnerNumber, day, kind, amount::float8, product, territory, name, value, expires, id, valueNumber
            FROM event WHERE partnerNumber IN (\(PostgresSession.placeholders(partners.count))) AND day <= ?
            \(countLogins ? "AND kind <> 'login'" : "")
            ORDER BY partnerNumber, day, id
            """, numbers + [through])
        guard countLogins else { return Pending(events: events, logins: nil) }
        let logins = session.send("""
            SELECT partnerNumber, min(day), max(day), count(*) FILTER (WHERE day > ?)
            FROM event WHERE partnerNumber IN (\(PostgresSession.placeholders(partners.count))) AND day <= ? AND kind = 'login'
            GROUP BY partnerNumber
            """, [.integer(Int64(windows.days30))] + numbers + [through])
        return Pending(events: events, logins: logins)
    }

    static func int(_ buffer: ByteBuffer?) -> Int64? {
        guard var buffer else { return nil }
        switch buffer.readableBytes {
        case 8: return buffer.readInteger(as: Int64.self)
        case 4: return buffer.readInteger(as: Int32.self).map(Int64.init)
        default: return buffer.readInteger(as: Int16.self).map(Int64.init)
        }
    }

    init(_ result: PostgresQueryResult) {
        for row in result.rows {
            var cells = row.makeIterator()
            func next() -> ByteBuffer? { cells.next()!.bytes }
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
            let number = Self.int(next()) ?? 0
            let day = Int32(Self.int(next()) ?? 0)
            var event = Event(number: number, id: 0, amount: nil, valueNumber: nil, day: day, expires: nil, kind: store(next()))
            event.amount = double(next())
            event.product = store(next())
            event.territory = store(next())
            event.name = store(next())
            event.valueText = store(next())
            event.expires = Self.int(next()).map { Int32($0) }
            event.id = Self.int(next()) ?? 0
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
