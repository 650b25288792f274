import GRDB
import PartnerModel

/// What the metrics need of one partner as of a day, read for all partners
/// at once by two aggregate queries over the event table (never one query
/// per partner).
struct PartnerFacts {
    var number: Int64
    var program: String
    var enrolled: Int32
    var status: PartnerStatus
    var firstLogin: Int32?
    var firstTraining: Int32?
    var firstDealRegistration: Int32?
    var firstDealWon: Int32?
    var firstRevenue: Int32?
    var lastActivity: Int32?
    var revenue12m: Double
    var revenuePrior12m: Double
    var dealsRegistered12m: Int
    var dealsOutside12m: Int
    var certificationsActive = 0
    var certificationsExpiring90d = 0

    /// Every partner enrolled on or before `asOf`, in partner number order.
    static func load(_ db: Database, asOf: Day) throws -> [PartnerFacts] {
        let d = asOf.daysSinceEpoch
        let b12 = asOf.adding(months: -12).daysSinceEpoch, b24 = asOf.adding(months: -24).daysSinceEpoch
        // Windows are half-open (bound, asOf] like the snapshot's. A deal
        // registration is outside when the partner has a territory list
        // that lacks its territory, or a product list that lacks its product
        // (an empty list authorizes everything) — as the snapshot counts it.
        let rows = try Row.fetchCursor(db, sql: """
            SELECT p.number, p.program, p.enrolled, p.status,
                   MIN(CASE WHEN e.kind = 'login' THEN e.day END),
                   MIN(CASE WHEN e.kind = 'training' THEN e.day END),
                   MIN(CASE WHEN e.kind = 'deal_registered' THEN e.day END),
                   MIN(CASE WHEN e.kind = 'deal_won' THEN e.day END),
                   MIN(CASE WHEN e.kind = 'revenue' THEN e.day END),
                   MAX(e.day),
                   TOTAL(CASE WHEN e.kind = 'revenue' AND e.day > :b12 THEN e.amount END),
                   TOTAL(CASE WHEN e.kind = 'revenue' AND e.day > :b24 AND e.day <= :b12 THEN e.amount END),
                   COUNT(CASE WHEN e.kind = 'deal_registered' AND e.day > :b12 THEN 1 END),
                   COUNT(CASE WHEN e.kind = 'deal_registered' AND e.day > :b12 AND (
                           (p.territories <> '[]' AND COALESCE(e.territory, '') NOT IN (SELECT value FROM json_each(p.territories)))
                        OR (p.products <> '[]' AND COALESCE(e.product, '') NOT IN (SELECT value FROM json_each(p.products))))
                         THEN 1 END)
            FROM partner p LEFT JOIN event e ON e.partnerNumber = p.number AND e.day <= :d
            WHERE p.enrolled <= :d
            GROUP BY p.number
            ORDER BY p.number
            """, arguments: ["d": d, "b12": b12, "b24": b24])
        var facts: [PartnerFacts] = []
        var index: [Int64: Int] = [:]
        while let row = try rows.next() {
            let number: Int64 = row[0]
            index[number] = facts.count
            facts.append(PartnerFacts(
                number: number, program: row[1], enrolled: row[2],
                status: PartnerStatus(rawValue: row[3]) ?? .active,
                firstLogin: row[4], firstTraining: row[5], firstDealRegistration: row[6], firstDealWon: row[7],
                firstRevenue: row[8], lastActivity: row[9], revenue12m: Money.exact(row[10]), revenuePrior12m: Money.exact(row[11]),
                dealsRegistered12m: row[12], dealsOutside12m: row[13]))
        }
        // Certifications: the latest record of each (partner, name) wins —
        // on the same day the later row, as in the snapshot; valid when it
        // has no expiry or expires on or after the day.
        let certifications = try Row.fetchCursor(db, sql: """
            SELECT partnerNumber, COUNT(*), COUNT(CASE WHEN expires IS NOT NULL AND expires <= :d + 90 THEN 1 END)
            FROM (SELECT partnerNumber, expires,
                         ROW_NUMBER() OVER (PARTITION BY partnerNumber, name ORDER BY day DESC, id DESC) AS latest
                  FROM event WHERE kind = 'certification' AND day <= :d AND name IS NOT NULL)
            WHERE latest = 1 AND (expires IS NULL OR expires >= :d)
            GROUP BY partnerNumber
            """, arguments: ["d": d])
        while let row = try certifications.next() {
            guard let i = index[row[0]] else { continue }
            facts[i].certificationsActive = row[1]
            facts[i].certificationsExpiring90d = row[2]
        }
        return facts
    }
}
