import GRDBSQLite
import PartnerModel

/// What the event scan accumulates for one partner before it becomes a
/// ``PartnerSnapshot``. Counters are plain fields (the hot path for logins
/// and revenue); the rarer, named records live in `Records`, made on first use.
struct PartnerTally {
    // Money is summed exactly (ExactSum): the same result whether events are
    // added one by one or as monthly rollups.
    var revenue1m = ExactSum(), revenue3m = ExactSum(), revenue12m = ExactSum(), revenuePrior12m = ExactSum(),
        revenueTotal = ExactSum()
    var dealsRegistered30d: Int32 = 0, dealsRegistered90d: Int32 = 0, dealsRegistered12m: Int32 = 0
    var dealsWon90d: Int32 = 0, dealsWon12m: Int32 = 0, dealsLost12m: Int32 = 0, dealValueWon12m = ExactSum()
    var dealsOutsideTerritory12m: Int32 = 0
    var dealsOutsideTerritory30d: Int32 = 0
    var trainings12m: Int32 = 0, logins30d: Int32 = 0
    var lastActivity = Int32.min
    var firstLogin = Int32.max, firstTraining = Int32.max, firstDealRegistration = Int32.max
    var firstDealWon = Int32.max, firstRevenue = Int32.max
    var records: Records?
    let territories: [String]
    let products: [String]

    final class Records {
        var certifications: [String: Credential] = [:]
        var credentials: [String: Credential] = [:]
        var attributes: [String: (day: Int32, value: AttributeValue)] = [:]
        var trainingModules: Set<String> = []
    }

    init(partner: Partner) {
        territories = partner.territories
        products = partner.products
    }

    private mutating func namedRecords() -> Records {
        if let records { return records }
        let made = Records()
        records = made
        return made
    }

    mutating func add<Row: EventColumns>(kind: EventKind, day: Int32, row s: Row, windows w: Windows) {
        if day > lastActivity { lastActivity = day }
        switch kind {
        case .login:
            if day < firstLogin { firstLogin = day }
            if day > w.days30 { logins30d += 1 }
        case .revenue:
            if day < firstRevenue { firstRevenue = day }
            let amount = s.amount ?? 0
            addRevenue(on: day, w) { $0.add(amount) }
        case .dealRegistered:
            if day < firstDealRegistration { firstDealRegistration = day }
            if day > w.months12 {
                dealsRegistered12m += 1
                if day > w.days90 { dealsRegistered90d += 1 }
                if day > w.days30 { dealsRegistered30d += 1 }
                let product = string(s.product) ?? "", territory = string(s.territory) ?? ""
                if !Partner.authorizes(territories, where: { $0 == territory }) || !Partner.authorizes(products, where: { $0 == product }) {
                    dealsOutsideTerritory12m += 1
                    if day > w.days30 { dealsOutsideTerritory30d += 1 }
                }
            }
        case .dealWon:
            if day < firstDealWon { firstDealWon = day }
            if day > w.months12 {
                dealsWon12m += 1
                dealValueWon12m.add(s.amount ?? 0)
                if day > w.days90 { dealsWon90d += 1 }
            }
        case .dealLost:
            if day > w.months12 { dealsLost12m += 1 }
        case .training:
            if day < firstTraining { firstTraining = day }
            if day > w.months12 { trainings12m += 1 }
            if let module = string(s.name) { namedRecords().trainingModules.insert(module) }
        case .certification, .credential:
            guard let name = string(s.name) else { return }
            let expires = s.expires.map(Day.init(daysSinceEpoch:))
            let record = Credential(name: name, granted: Day(daysSinceEpoch: day), expires: expires)
            let records = namedRecords()
            // The latest record wins; on the same day the later row.
            if kind == .certification {
                if records.certifications[name].map({ $0.granted.daysSinceEpoch <= day }) ?? true {
                    records.certifications[name] = record
                }
            } else if records.credentials[name].map({ $0.granted.daysSinceEpoch <= day }) ?? true {
                records.credentials[name] = record
            }
        case .custom:
            return
        case .attribute:
            guard let name = string(s.name) else { return }
            let value: AttributeValue
            if let number = s.valueNumber {
                value = .number(number)
            } else if let text = s.valueText {
                value = .text(String(decoding: text, as: UTF8.self))
            } else {
                return
            }
            let records = namedRecords()
            if records.attributes[name].map({ $0.day <= day }) ?? true { records.attributes[name] = (day, value) }
        }
    }

    /// Fold in one `event_month` row (columns as ``Rollups/monthColumns``)
    /// of a month that no window bound cuts through and that ends on or
    /// before the as-of day: every event in it is on the same side of every
    /// bound, so testing the month's first day decides for all of them —
    /// the same result as ``add(kind:day:row:windows:)`` for each event.
    /// Revenue dated `day` (an event's day, or a whole month's first day):
    /// `add` it to the total and to every window the day falls in.
    @inline(__always)
    private mutating func addRevenue(on day: Int32, _ w: Windows, _ add: (inout ExactSum) -> Void) {
        add(&revenueTotal)
        if day > w.months12 {
            add(&revenue12m)
            if day > w.months3 { add(&revenue3m) }
            if day > w.month1 { add(&revenue1m) }
        } else if day > w.months24 {
            add(&revenuePrior12m)
        }
    }

    /// Fold in a partner's logins up to the as-of day given as their first
    /// and last day and how many fall in the last 30 days (a store that
    /// counts them itself): what ``add(kind:day:row:windows:)`` makes of
    /// each login, since a login adds nothing else.
    mutating func addLogins(first: Int32, last: Int32, within30Days: Int32) {
        if first < firstLogin { firstLogin = first }
        if last > lastActivity { lastActivity = last }
        logins30d += within30Days
    }

    mutating func addMonth(row s: OpaquePointer, firstDay: Int32, windows w: Windows) {
        func day(_ column: Int32) -> Int32? {
            sqlite3_column_type(s, column) == SQLITE_NULL ? nil : sqlite3_column_int(s, column)
        }
        func sum(_ column: Int32) -> ExactSum {
            var sum = ExactSum()
            if let blob = sqlite3_column_blob(s, column) {
                sum.add(encoded: UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(s, column))))
            }
            return sum
        }
        let lastDay = sqlite3_column_int(s, 10)
        if lastDay > lastActivity { lastActivity = lastDay }
        let logins = Int32(sqlite3_column_int64(s, 2))
        if logins > 0 {
            if let first = day(3), first < firstLogin { firstLogin = first }
            if firstDay > w.days30 { logins30d += logins }
        }
        if let first = day(5) {
            if first < firstRevenue { firstRevenue = first }
            let revenue = sum(4)
            addRevenue(on: firstDay, w) { $0.add(revenue) }
        }
        let won = Int32(sqlite3_column_int64(s, 6))
        if won > 0 {
            if let first = day(8), first < firstDealWon { firstDealWon = first }
            if firstDay > w.months12 {
                dealsWon12m += won
                dealValueWon12m.add(sum(7))
                if firstDay > w.days90 { dealsWon90d += won }
            }
        }
        if firstDay > w.months12 { dealsLost12m += Int32(sqlite3_column_int64(s, 9)) }
    }

    private func string(_ bytes: UnsafeBufferPointer<UInt8>?) -> String? {
        bytes.map { String(decoding: $0, as: UTF8.self) }
    }

    func snapshot(partner: Partner, windows w: Windows) -> PartnerSnapshot {
        let asOf = w.asOf
        var snapshot = PartnerSnapshot(partner: partner, asOf: asOf)
        func set(_ metric: Metric, _ value: Double) { snapshot.values[metric.rawValue] = value }
        // Money as exact decimals (Money.exact): 4273.44, never 4273.4400000000005.
        let revenue12m = revenue12m.money, revenuePrior12m = revenuePrior12m.money
        set(.revenue1m, revenue1m.money)
        set(.revenue3m, revenue3m.money)
        set(.revenue12m, revenue12m)
        set(.revenuePrior12m, revenuePrior12m)
        set(.revenueGrowth, revenuePrior12m == 0 ? .nan : (revenue12m - revenuePrior12m) / revenuePrior12m)
        set(.revenueTotal, revenueTotal.money)
        set(.dealsRegistered30d, Double(dealsRegistered30d))
        set(.dealsRegistered90d, Double(dealsRegistered90d))
        set(.dealsRegistered12m, Double(dealsRegistered12m))
        set(.dealsWon90d, Double(dealsWon90d))
        set(.dealsWon12m, Double(dealsWon12m))
        set(.dealsLost12m, Double(dealsLost12m))
        set(.dealValueWon12m, dealValueWon12m.money)
        let closed = dealsWon12m + dealsLost12m
        set(.winRate12m, closed == 0 ? .nan : Double(dealsWon12m) / Double(closed))
        set(.dealsOutsideTerritory12m, Double(dealsOutsideTerritory12m))
        set(.dealsOutsideTerritory30d, Double(dealsOutsideTerritory30d))

        let certifications = (records?.certifications.values).map { $0.sorted { $0.name < $1.name } } ?? []
        let credentials = (records?.credentials.values).map { $0.sorted { $0.name < $1.name } } ?? []
        let activeCertifications = certifications.filter { $0.isValid(on: asOf) }
        set(.certificationsActive, Double(activeCertifications.count))
        for (metric, days) in [(Metric.certificationsExpiring30d, 30), (.certificationsExpiring60d, 60), (.certificationsExpiring90d, 90)] {
            set(metric, Double(activeCertifications.filter { ($0.daysUntilExpiry(from: asOf)).map { (0...days).contains($0) } ?? false }.count))
        }
        set(.trainingsCompleted, Double(records?.trainingModules.count ?? 0))
        set(.trainings12m, Double(trainings12m))
        set(.logins30d, Double(logins30d))
        set(.daysSinceLastActivity, lastActivity == .min ? .nan : Double(w.day - lastActivity))
        set(.tenureDays, Double(max(0, partner.enrolled.days(until: asOf))))
        set(.tenureMonths, Double(SnapshotCalculator.wholeMonths(from: partner.enrolled, to: asOf)))
        let activeCredentials = credentials.filter { $0.isValid(on: asOf) }.count
        set(.credentialsActive, Double(activeCredentials))
        set(.credentialsExpired, Double(credentials.count - activeCredentials))

        snapshot.certifications = certifications
        snapshot.credentials = credentials
        func day(_ value: Int32) -> Day? { value == .max ? nil : Day(daysSinceEpoch: value) }
        snapshot.milestones = MilestoneDates(firstLogin: day(firstLogin), firstTraining: day(firstTraining),
                                             firstDealRegistration: day(firstDealRegistration),
                                             firstDealWon: day(firstDealWon), firstRevenue: day(firstRevenue))
        snapshot.attributes = records?.attributes.mapValues(\.value) ?? [:]
        return snapshot
    }
}

extension SnapshotCalculator {
    /// Whole calendar months from `start` to `end` (0 when `end` is earlier):
    /// the largest m with start + m months ≤ end, month ends clamped.
    static func wholeMonths(from start: Day, to end: Day) -> Int {
        guard start <= end else { return 0 }
        let (y1, m1, _) = start.components, (y2, m2, _) = end.components
        var months = (y2 - y1) * 12 + (m2 - m1)
        while months > 0 && start.adding(months: months) > end { months -= 1 }
        return months
    }
}

/// One event as the accumulators (``PartnerTally``, ``MeasureAccumulator``)
/// read it, whatever engine it came from: the fields of
/// ``SnapshotCalculator/eventColumns`` after the partner, day and kind.
/// Texts are valid while the row is being added.
protocol EventColumns {
    var amount: Double? { get }
    var product: UnsafeBufferPointer<UInt8>? { get }
    var territory: UnsafeBufferPointer<UInt8>? { get }
    var name: UnsafeBufferPointer<UInt8>? { get }
    /// An attribute's value when it is a number.
    var valueNumber: Double? { get }
    /// An attribute's value when it is a text.
    var valueText: UnsafeBufferPointer<UInt8>? { get }
    var expires: Int32? { get }
    /// The event's id: of two events on one day, the higher is the later.
    var sequence: Int64 { get }
}

/// The current row of a SQLite statement selecting ``SnapshotCalculator/eventColumns``.
struct SQLiteEventRow: EventColumns {
    let s: OpaquePointer
    init(_ s: OpaquePointer) { self.s = s }

    @inline(__always) private func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let text = sqlite3_column_text(s, column) else { return nil }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(s, column)))
    }

    var amount: Double? { sqlite3_column_type(s, 3) == SQLITE_NULL ? nil : sqlite3_column_double(s, 3) }
    var product: UnsafeBufferPointer<UInt8>? { bytes(4) }
    var territory: UnsafeBufferPointer<UInt8>? { bytes(5) }
    var name: UnsafeBufferPointer<UInt8>? { bytes(6) }
    var valueNumber: Double? {
        switch sqlite3_column_type(s, 7) {
        case SQLITE_INTEGER, SQLITE_FLOAT: sqlite3_column_double(s, 7)
        default: nil
        }
    }
    var valueText: UnsafeBufferPointer<UInt8>? { sqlite3_column_type(s, 7) == SQLITE_TEXT ? bytes(7) : nil }
    var expires: Int32? { sqlite3_column_type(s, 8) == SQLITE_NULL ? nil : sqlite3_column_int(s, 8) }
    var sequence: Int64 { sqlite3_column_int64(s, 9) }
}
