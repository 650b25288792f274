import Foundation
import GRDB
import GRDBSQLite
import PartnerModel

/// Reading partners out of the `partner` table.
enum PartnerRow {
    static let columns = "number, id, name, type, program, region, country, territories, products, enrolled, channelAccountManager, tier, tierSince, status"

    /// Visit partners in ascending id order, filtered by program and/or id.
    static func forEach(_ db: Database, programs: [String]?, partnerIDs: [String]?,
                        _ body: ((number: Int64, partner: Partner)) throws -> Void) throws {
        var conditions: [String] = []
        var arguments = StatementArguments()
        filter(programs: programs, programColumn: "program", partnerIDs: partnerIDs, &conditions, &arguments)
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM partner\(whereClause) ORDER BY id", arguments: arguments)
        while let row = try rows.next() {
            try body((row[0], try partner(from: row)))
        }
    }

    /// Up to `limit` partners enrolled on or before `enrolledBy`, filtered
    /// by program and/or id, with ids after `after`, in ascending id order:
    /// one page of a walk through the partners that holds no statement open
    /// between pages (the caller may write in the same transaction).
    static func page(_ db: Database, programs: [String]?, partnerIDs: [String]?, enrolledBy: Day,
                     after: String?, limit: Int) throws -> [(number: Int64, partner: Partner)] {
        // `+program` keeps SQLite on the id index (the order wanted) rather
        // than the program index and a sort of the whole program per page.
        var conditions = ["enrolled <= ?"]
        var arguments: StatementArguments = [enrolledBy.daysSinceEpoch]
        filter(programs: programs, programColumn: "+program", partnerIDs: partnerIDs, &conditions, &arguments)
        if let after {
            conditions.append("id > ?")
            arguments += [after]
        }
        let sql = "SELECT \(columns) FROM partner WHERE \(conditions.joined(separator: " AND ")) ORDER BY id LIMIT \(limit)"
        var page: [(number: Int64, partner: Partner)] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() { page.append((row[0], try partner(from: row))) }
        return page
    }

    /// The conditions (and their arguments) for "of these programs" and "with
    /// these ids"; `programColumn` is `program`, or `+program` to keep SQLite
    /// off the program index.
    private static func filter(programs: [String]?, programColumn: String, partnerIDs: [String]?,
                               _ conditions: inout [String], _ arguments: inout StatementArguments) {
        if let programs {
            conditions.append("\(programColumn) IN (\(databaseQuestionMarks(count: programs.count)))")
            arguments += StatementArguments(programs)
        }
        if let partnerIDs {
            conditions.append("id IN (\(databaseQuestionMarks(count: partnerIDs.count)))")
            arguments += StatementArguments(partnerIDs)
        }
    }

    static func partner(from row: Row) throws -> Partner {
        let id: String = row[1]
        guard let type = PartnerType(rawValue: row[3]), let status = PartnerStatus(rawValue: row[13]) else {
            throw PartnerStoreError("partner \(id) has an unknown type or status in the database")
        }
        return Partner(id: id, name: row[2], type: type, program: row[4], region: row[5], country: row[6],
                       territories: decodeList(row[7]), products: decodeList(row[8]),
                       enrolled: Day(daysSinceEpoch: row[9]), channelAccountManager: row[10],
                       tier: row[11], tierSince: (row[12] as Int32?).map(Day.init(daysSinceEpoch:)), status: status)
    }

    /// `["a","b"]` without escapes → its items; nil for anything else.
    private static func splitPlainList(_ b: UnsafeBufferPointer<UInt8>) -> [String]? {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        guard b.count >= 4, b[0] == UInt8(ascii: "["), b[1] == quote, b[b.count - 2] == quote, b[b.count - 1] == UInt8(ascii: "]"),
              !b.contains(UInt8(ascii: "\\")) else { return nil }
        var items: [String] = []
        var start = 2
        var i = 2
        let end = b.count - 2
        while i < end {
            if b[i] == quote && i + 2 < b.count && b[i + 1] == comma && b[i + 2] == quote {
                items.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
                i += 3
                start = i
            } else {
                i += 1
            }
        }
        items.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self))
        return items
    }

    /// A list as a JSON array of strings.
    static func encodeList(_ list: [String]) -> String { JSONText.list(list) }

    static func decodeList(_ text: String) -> [String] {
        // Fast path for lists without escapes (what the store itself writes).
        // Items are split at `","` on the UTF-8 bytes (Foundation's
        // components(separatedBy:) cost a tenth of a 100k-partner snapshot run).
        var text = text
        if let items = text.withUTF8(splitPlainList) { return items }
        if text == "[]" { return [] }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] ?? []
    }
}

/// Inserts or updates partners by id with one reused statement.
final class PartnerWriter {
    private let statement: Statement
    private let lookup: Statement
    private(set) var added = 0
    private(set) var updated = 0

    init(_ db: Database) throws {
        // ?12 tier, ?13 tierSince, ?14 status: NULL keeps the stored value on update.
        statement = try db.makeStatement(sql: """
            INSERT INTO partner (id, name, type, program, region, country, territories, products, enrolled,
                                 channelAccountManager, tier, tierSince, status)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, COALESCE(?13, 'active'))
            ON CONFLICT (id) DO UPDATE SET
                name = ?2, type = ?3, program = ?4, region = ?5, country = ?6, territories = ?7, products = ?8,
                enrolled = ?9, channelAccountManager = ?10,
                tier = COALESCE(?11, tier), tierSince = COALESCE(?12, tierSince), status = COALESCE(?13, status)
            """)
        lookup = try db.makeStatement(sql: "SELECT 1 FROM partner WHERE id = ?")
    }

    /// Returns true when the partner was new.
    @discardableResult
    func upsert(_ partner: Partner, statusGiven: Bool) throws -> Bool {
        // Bound through SQLite's C API: GRDB's StatementArguments cost more
        // than the statements themselves on a 100k-partner file.
        let l = lookup.sqliteStatement
        bindText(l, 1, partner.id)
        let code = sqlite3_step(l)
        sqlite3_reset(l)
        guard code == SQLITE_ROW || code == SQLITE_DONE else {
            throw PartnerStoreError("could not look up partner \(partner.id): \(String(cString: sqlite3_errstr(code)))")
        }
        let exists = code == SQLITE_ROW
        let s = statement.sqliteStatement
        bindText(s, 1, partner.id)
        bindText(s, 2, partner.name)
        bindText(s, 3, partner.type.rawValue)
        bindText(s, 4, partner.program)
        bindText(s, 5, partner.region)
        bindText(s, 6, partner.country)
        bindText(s, 7, PartnerRow.encodeList(partner.territories))
        bindText(s, 8, PartnerRow.encodeList(partner.products))
        sqlite3_bind_int(s, 9, partner.enrolled.daysSinceEpoch)
        bindText(s, 10, partner.channelAccountManager)
        bindText(s, 11, partner.tier)
        if let since = partner.tierSince { sqlite3_bind_int(s, 12, since.daysSinceEpoch) } else { sqlite3_bind_null(s, 12) }
        bindText(s, 13, statusGiven ? partner.status.rawValue : nil)
        try step(s, "partner \(partner.id)")
        if exists { updated += 1 } else { added += 1 }
        return !exists
    }
}
