import PartnerModel

/// Writing checked partners and events into PostgreSQL, inside the caller's
/// one transaction: events by one `COPY … FROM STDIN` (streamed as the
/// files are read), partners by COPY into a temporary table and two
/// set-based statements (update the known ids, insert the new ones).
/// Into an empty `event` table, the copy is a ``PostgresInitialLoad``
/// (indexes built after it, ids sent with the rows).
/// Records are read and checked exactly as for SQLite (``ImportReading``,
/// ``ImportRecord``, ``StoredEvent``): the same refusals and messages, and a
/// refusal aborts the transaction, so nothing is written.
enum PostgresImport {
    /// The event columns COPY fills, in ``encode(_:firstID:into:)``'s order.
    static let eventColumns = ["partnernumber", "day", "kind", "amount", "currency", "product", "territory", "name", "value",
                               "valuenumber", "expires"]

    static func importFiles(_ session: PostgresSession, partnerFiles: [ImportFile], eventFiles: [ImportFile], kinds: EventKinds,
                            progress: inout ImportProgress) throws -> ImportSummary {
        var summary = ImportSummary(partnersAdded: 0, partnersUpdated: 0, events: 0)
        for file in partnerFiles {
            var partners: [(partner: Partner, statusGiven: Bool)] = []
            try ImportReading.partners(of: file) { batch in
                partners += batch
                progress.advance(by: batch.count)
            }
            let (added, updated) = try upsert(session, partners)
            summary.partnersAdded += added
            summary.partnersUpdated += updated
        }
        guard !eventFiles.isEmpty else { return summary }
        let numbers = try PartnerQueries.numbersByID(session)
        try addCustomKinds(session, kinds)
        let initialLoad = try PostgresInitialLoad.begin(session)
        try session.copyFrom(table: "event", columns: initialLoad == nil ? eventColumns : ["id"] + eventColumns) { send in
            var text = CopyText()
            for file in eventFiles {
                try ImportReading.events(of: file, numbers: numbers, kinds: kinds) { batch in
                    encode(batch, firstID: initialLoad.map { $0.firstID + Int64(summary.events) }, into: &text)
                    try send(text.take())
                    summary.events += batch.count
                    progress.advance(by: batch.count)
                }
            }
        }
        try initialLoad?.finish(session, events: summary.events)
        // The planner's statistics: a large table without them is read whole
        // for every group of partners' events (a parallel sequential scan),
        // until autovacuum gets to it. ANALYZE samples (~0.6 s for 10M events).
        try session.execute("ANALYZE partner, event", [])
        return summary
    }

    /// Events given as values (the API's batches), checked as SQLite's ``PartnerStore/importEvents(_:kinds:)`` checks them.
    static func importEvents(_ session: PostgresSession, _ events: [ActivityEvent], kinds: EventKinds) throws -> ImportSummary {
        let numbers = try PartnerQueries.numbersByID(session, ids: events.map(\.partnerID))
        let stored = try events.enumerated().map { index, event in
            try StoredEvent(event, numbers: numbers, kinds: kinds, index: index)
        }
        try write(session, stored, kinds: kinds)
        return ImportSummary(partnersAdded: 0, partnersUpdated: 0, events: events.count)
    }

    /// Checked events, by COPY inside the session's transaction.
    static func write(_ session: PostgresSession, _ events: [StoredEvent], kinds: EventKinds) throws {
        var batch = EventBatch()
        batch.reserve(events.count)
        for event in events { batch.append(event) }
        try addCustomKinds(session, kinds)
        try session.copyFrom(table: "event", columns: eventColumns) { send in
            var text = CopyText()
            encode(batch, into: &text)
            try send(text.take())
        }
    }

    /// The custom kinds `kinds` accepts, in `event_kind` (which `event.kind`
    /// references) before the copy: a copy cannot stop to add one at its
    /// first event, as SQLite's writer does, so every accepted kind is added.
    private static func addCustomKinds(_ session: PostgresSession, _ kinds: EventKinds) throws {
        for name in kinds.custom {
            try session.execute("INSERT INTO event_kind (name) VALUES (?) ON CONFLICT DO NOTHING", [.text(name)])
        }
    }

    /// Append a batch's rows in COPY's text format, columns as ``eventColumns``,
    /// preceded by the id when `firstID` is given (the first row's; the next rows count on from it).
    static func encode(_ batch: EventBatch, firstID: Int64? = nil, into out: inout CopyText) {
        batch.withText { text in
            func field(_ ref: TextRef) {
                out.separator()
                if ref.isNull { return out.null() }
                out.text(UnsafeBufferPointer(rebasing: text[Int(ref.offset)..<Int(ref.offset + ref.count)]))
            }
            var id = firstID ?? 0
            for row in batch.rows {
                if firstID != nil {
                    out.integer(id)
                    out.separator()
                    id += 1
                }
                out.integer(row.partnerNumber)
                out.separator()
                out.integer(Int64(row.day))
                if row.kind == .custom {
                    field(row.customKind)
                } else {
                    out.separator()
                    out.bytes.append(contentsOf: row.kind.name.utf8)
                }
                out.separator()
                if row.hasAmount { out.real(row.amount) } else { out.null() }
                field(row.currency)
                field(row.product)
                field(row.territory)
                field(row.name)
                field(row.valueKind == 2 ? row.valueText : .none)
                out.separator()
                if row.valueKind == 1 { out.real(row.number) } else { out.null() }
                out.separator()
                if row.expires != .min { out.integer(Int64(row.expires)) } else { out.null() }
                out.endRow()
            }
        }
    }

    /// Insert or update partners by id (a partner's `statusGiven` false, or
    /// a nil tier, keeps the stored value, as on SQLite). Ids are unique in
    /// `partners`. Returns how many were added and updated.
    static func upsert(_ session: PostgresSession, _ partners: [(partner: Partner, statusGiven: Bool)]) throws -> (added: Int, updated: Int) {
        guard !partners.isEmpty else { return (0, 0) }
        try session.execute("""
            CREATE TEMPORARY TABLE IF NOT EXISTS partner_import (
                ord bigint, id text COLLATE "C", name text, type text, program text, region text, country text,
                territories text, products text, enrolled integer, channelAccountManager text, tier text,
                tierSince integer, status text
            ) ON COMMIT DROP
            """, [])
        try session.execute("TRUNCATE partner_import", [])
        try session.copyFrom(table: "partner_import", columns: ["ord", "id", "name", "type", "program", "region", "country",
                                                                 "territories", "products", "enrolled", "channelaccountmanager",
                                                                 "tier", "tiersince", "status"]) { send in
            var text = CopyText()
            for (ord, (partner, statusGiven)) in partners.enumerated() {
                let values: [SQLValue] = [
                    .integer(Int64(ord)), .text(partner.id), .text(partner.name), .text(partner.type.rawValue),
                    .text(partner.program), .text(partner.region), .text(partner.country),
                    .text(PartnerRow.encodeList(partner.territories)), .text(PartnerRow.encodeList(partner.products)),
                    .integer(Int64(partner.enrolled.daysSinceEpoch)), .text(partner.channelAccountManager),
                    SQLValue(partner.tier, SQLValue.text), SQLValue(partner.tierSince) { .integer(Int64($0.daysSinceEpoch)) },
                    statusGiven ? .text(partner.status.rawValue) : .null,
                ]
                text.append(values)
                if text.bytes.count >= 1 << 20 { try send(text.take()) }
            }
            if !text.bytes.isEmpty { try send(text.take()) }
        }
        let updated = try session.execute("""
            UPDATE partner p SET name = i.name, type = i.type, program = i.program, region = i.region, country = i.country,
                territories = i.territories, products = i.products, enrolled = i.enrolled,
                channelAccountManager = i.channelAccountManager, tier = COALESCE(i.tier, p.tier),
                tierSince = COALESCE(i.tierSince, p.tierSince), status = COALESCE(i.status, p.status)
            FROM partner_import i WHERE p.id = i.id
            """, [])
        let added = try session.execute("""
            INSERT INTO partner (id, name, type, program, region, country, territories, products, enrolled,
                                 channelAccountManager, tier, tierSince, status)
            SELECT id, name, type, program, region, country, territories, products, enrolled, channelAccountManager,
                   tier, tierSince, COALESCE(status, 'active')
            FROM partner_import i WHERE NOT EXISTS (SELECT 1 FROM partner p WHERE p.id = i.id) ORDER BY ord
            """, [])
        return (added, updated)
    }
}
