import PartnerModel

/// Reading partners on PostgreSQL: the queries of ``PartnerRow`` (same
/// columns, order and filters), rows read through ``SQLRow``.
enum PostgresPartners {
    /// Partners in ascending id order, filtered by program and/or id, with ids after `after`, at most `limit`.
    static func page(_ db: any SQLSession, programs: [String]?, partnerIDs: [String]?, enrolledBy: Day? = nil,
                     after: String? = nil, limit: Int? = nil) throws -> [(number: Int64, partner: Partner)] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let enrolledBy {
            conditions.append("enrolled <= ?")
            arguments.append(.integer(Int64(enrolledBy.daysSinceEpoch)))
        }
        if let programs {
            conditions.append("program IN (\(placeholders(programs.count)))")
            arguments += programs.map(SQLValue.text)
        }
        if let partnerIDs {
            conditions.append("id IN (\(placeholders(partnerIDs.count)))")
            arguments += partnerIDs.map(SQLValue.text)
        }
        if let after {
            conditions.append("id > ?")
            arguments.append(.text(after))
        }
        var sql = "SELECT \(PartnerRow.columns) FROM partner"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY id"
        if let limit { sql += " LIMIT \(limit)" }
        var page: [(number: Int64, partner: Partner)] = []
        try db.forEachRow(sql, arguments) { row in page.append((row.int64(0) ?? 0, try partner(from: row))) }
        return page
    }

    /// `?, ?, …`; an empty list matches nothing (`IN ()` is not SQL).
    private static func placeholders(_ count: Int) -> String {
        count == 0 ? "NULL" : PostgresSession.placeholders(count)
    }

    static func partner(from row: SQLRow) throws -> Partner {
        let id = row.string(1) ?? ""
        guard let type = row.string(3).flatMap(PartnerType.init(rawValue:)),
              let status = row.string(13).flatMap(PartnerStatus.init(rawValue:)) else {
            throw PartnerStoreError("partner \(id) has an unknown type or status in the database")
        }
        func day(_ i: Int) -> Day? { row.int64(i).map { Day(daysSinceEpoch: Int32($0)) } }
        return Partner(id: id, name: row.string(2) ?? "", type: type, program: row.string(4) ?? "", region: row.string(5) ?? "",
                       country: row.string(6) ?? "", territories: PartnerRow.decodeList(row.string(7) ?? "[]"),
                       products: PartnerRow.decodeList(row.string(8) ?? "[]"), enrolled: day(9) ?? Day(daysSinceEpoch: 0),
                       channelAccountManager: row.string(10) ?? "", tier: row.string(11), tierSince: day(12), status: status)
    }
}
