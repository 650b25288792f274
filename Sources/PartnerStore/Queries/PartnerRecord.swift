import PartnerModel

/// A row of the `partner` table: the store's partner number and the partner.
///
/// The one reader of a partner row for queries through ``SQLSession``; other
/// owners that join `partner` (the ledger's partner list) select
/// ``columns(_:)`` and read the row with ``init(_:at:)``.
public struct PartnerRecord: Sendable {
    /// The store's key for the partner (what other tables refer to).
    public var number: Int64
    public var partner: Partner

    public init(number: Int64, partner: Partner) {
        self.number = number
        self.partner = partner
    }

    /// How many columns ``columns(_:)`` selects.
    public static let columnCount = 14

    /// The partner's columns, qualified by `alias` (`p` → `p.number, p.id, …`), in the order ``init(_:at:)`` reads them.
    public static func columns(_ alias: String) -> String {
        PartnerRow.columns.split(separator: ",").map { "\(alias).\($0.trimmingCharacters(in: .whitespaces))" }
            .joined(separator: ", ")
    }

    /// The partner in `row` from column `start` on (as ``columns(_:)`` selected them).
    public init(_ row: SQLRow, at start: Int = 0) throws {
        let id = try row.requiredText(start + 1)
        guard let type = PartnerType(rawValue: try row.requiredText(start + 3)),
              let status = PartnerStatus(rawValue: try row.requiredText(start + 13)) else {
            throw PartnerStoreError("partner \(id) has an unknown type or status in the database")
        }
        number = try row.requiredInt64(start)
        partner = Partner(id: id, name: try row.requiredText(start + 2), type: type, program: try row.requiredText(start + 4),
                          region: try row.requiredText(start + 5), country: try row.requiredText(start + 6),
                          territories: PartnerRow.decodeList(try row.requiredText(start + 7)),
                          products: PartnerRow.decodeList(try row.requiredText(start + 8)),
                          enrolled: try row.requiredDay(start + 9), channelAccountManager: try row.requiredText(start + 10),
                          tier: row.string(start + 11), tierSince: row.day(start + 12), status: status)
    }
}

/// Named reads of the partner and event tables, in SQL both engines run.
public enum PartnerQueries {

    /// The partner's number and program, if the store holds it.
    public static func reference(_ session: any SQLSession, partnerID: String) throws -> (number: Int64, program: String)? {
        try session.row("SELECT number, program FROM partner WHERE id = ?", [.text(partnerID)]).map {
            (try $0.requiredInt64(0), try $0.requiredText(1))
        }
    }

    /// The partner's number, if the store holds it.
    public static func number(_ session: any SQLSession, partnerID: String) throws -> Int64? {
        try reference(session, partnerID: partnerID)?.number
    }

    /// Up to `size` partners of `programs`, spread evenly over their ids (every
    /// ⌊count / size⌋-th in id order), in id order, with the latest enrolment
    /// among them; nil when the programs have no partners.
    public static func sample(_ session: any SQLSession, programs: [String], size: Int) throws -> (ids: [String], lastEnrolled: Day)? {
        guard size > 0, !programs.isEmpty else { return nil }
        let ids = try session.rows("""
            SELECT id FROM (
                SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS position, COUNT(*) OVER () AS total
                FROM partner WHERE program IN (\(type(of: session).placeholders(programs.count)))) numbered
            WHERE position % (CASE WHEN total / ? > 1 THEN total / ? ELSE 1 END) = 0 ORDER BY id LIMIT ?
            """, programs.map { .text($0) } + [SQLValue(size), SQLValue(size), SQLValue(size)]).map { try $0.requiredText(0) }
        guard !ids.isEmpty,
              let enrolled = try session.row("SELECT MAX(enrolled) FROM partner WHERE id IN (\(type(of: session).placeholders(ids.count)))",
                                             ids.map { .text($0) })?.day(0) else { return nil }
        return (ids, enrolled)
    }

    /// Partner id → number for every stored partner.
    static func numbersByID(_ session: any SQLSession) throws -> [String: Int64] {
        var numbers: [String: Int64] = [:]
        try session.forEachRow("SELECT id, number FROM partner", []) { numbers[$0.string(0) ?? ""] = $0.int64(1) }
        return numbers
    }

    /// Partner id → number for the partners a batch of events names (either
    /// engine): an ingest request reads its few partners, not every one
    /// (100k partners cost each request ~0.4 s). When some id is not found
    /// byte for byte, every partner is read, so the lookup matches ids as
    /// ``numbersByID(_:)``'s dictionary does (Swift compares strings by
    /// canonical equivalence) and an unknown partner is refused as before.
    static func numbersByID(_ session: any SQLSession, ids: [String]) throws -> [String: Int64] {
        let wanted = Array(Set(ids))
        var numbers: [String: Int64] = [:]
        for start in stride(from: 0, to: wanted.count, by: 500) {
            let chunk = wanted[start..<min(start + 500, wanted.count)]
            try session.forEachRow("SELECT id, number FROM partner WHERE id IN (\(type(of: session).placeholders(chunk.count)))",
                                   chunk.map(SQLValue.text)) { numbers[$0.string(0) ?? ""] = $0.int64(1) }
        }
        return numbers.count == wanted.count ? numbers : try numbersByID(session)
    }

    /// The day of the latest event held, if any.
    public static func latestEventDay(_ session: any SQLSession) throws -> Day? {
        try session.row("SELECT MAX(day) FROM event").flatMap { $0.day(0) }
    }
}
