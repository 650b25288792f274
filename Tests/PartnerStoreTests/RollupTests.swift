import Foundation
import GRDB
import PartnerModel
import TestSupport
import Testing
@testable import PartnerStore

/// Snapshots of all partners read the rollups (`event_month`, `event_detail`)
/// plus the events of the months a window cuts through; snapshots of a few
/// chosen partners read their raw events one by one. These tests hold the
/// two to the same answer on a random program, for as-of days that land on
/// month ends, mid-month, the first of a month and a leap day.
@Suite("Rollup snapshots equal the event-by-event computation")
struct RollupTests {
    /// SplitMix64: a small seeded generator, so failures reproduce.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
    }

    static let territories = ["US-CA", "US-TX", "US-NY", "US-WA"]
    static let products = ["voice", "mobile", "sd-wan"]
    /// The custom kinds the random program has (accepted as if policies declared them).
    static let kinds = EventKinds(custom: ["lines_activated", "csat_survey"])

    /// 60 partners, ~6000 events over 2021–2025 of every kind, with cents
    /// amounts (sums that round differently by order), same-day renewals
    /// and attribute changes.
    static func program(seed: UInt64) -> (partners: [Partner], events: [ActivityEvent]) {
        var random = Random(state: seed)
        let start = day("2021-01-01").daysSinceEpoch, end = day("2025-06-30").daysSinceEpoch
        var partners: [Partner] = []
        var events: [ActivityEvent] = []
        for n in 0..<60 {
            let id = String(format: "P%03d", n)
            let territories = (0..<random.int(0...2)).map { _ in random.pick(Self.territories) }
            let products = (0..<random.int(0...2)).map { _ in random.pick(Self.products) }
            partners.append(partner(id, enrolled: Day(daysSinceEpoch: start + Int32(random.int(0...400))).description,
                                    territories: territories, products: products))
            for _ in 0..<random.int(0...200) {
                let date = Day(daysSinceEpoch: Int32(random.int(Int(start)...Int(end))))
                let amount = Double(random.int(0...5_000_000)) / 100
                let kind: ActivityEvent.Kind
                switch random.int(0...19) {
                case 0...7: kind = .portalLogin
                case 8...10: kind = .revenue(amount: amount, currency: "USD", product: random.pick(Self.products))
                case 11, 12: kind = .dealRegistered(territory: random.pick(Self.territories), product: random.pick(Self.products), amount: amount)
                case 13: kind = random.int(0...1) == 0 ? .dealWon(amount: amount)
                    : .dealWon(amount: amount, product: random.pick(Self.products), territory: random.pick(Self.territories))
                case 14: kind = .dealLost(amount: amount)
                case 15: kind = .trainingCompleted(module: random.pick(["onboarding", "voice-101", "mobile-201"]))
                case 16: kind = .certificationEarned(name: random.pick(["Voice Pro", "Mobile Pro"]),
                                                     expires: random.int(0...3) == 0 ? nil : date.adding(days: random.int(-10...500)))
                case 17: kind = .credential(kind: random.pick(["SOC2", "PCI-DSS"]), expires: date.adding(days: random.int(0...400)))
                case 18: kind = .attribute(name: "csat", value: .number(Double(random.int(10...50)) / 10))
                case 19 where random.int(0...1) == 0:
                    kind = random.int(0...1) == 0
                        ? .custom(kind: "lines_activated", .init(amount: Double(random.int(1...40)), product: random.pick(Self.products)))
                        : .custom(kind: "csat_survey", .init(name: random.pick(["q1", "q2"]),
                                                             value: random.int(0...3) == 0 ? .text("n/a") : .number(Double(random.int(1...5)))))
                default: kind = .attribute(name: "tier_note", value: .text(random.pick(["new", "steady", "growing"])))
                }
                events.append(event(id, date.description, kind))
                if random.int(0...30) == 0 {
                    // Another record of the same kind on the same day: the later one wins.
                    events.append(event(id, date.description, kind))
                }
            }
        }
        return (partners, events)
    }

    /// Measures of every aggregation, window and filter, over every kind
    /// (logins, read from `event`; the others from `event_detail`).
    static let measures: MeasurePlan = {
        func m(_ name: String, _ kinds: [String], _ window: MeasureWindow, _ aggregation: Aggregation, number: EventNumber? = nil,
               products: [String] = [], names: [String] = [], authorization: AuthorizationFilter? = nil, ago: Period? = nil,
               format: MeasureType? = nil) -> MeasureDeclaration {
            MeasureDeclaration(name: name, definition: .events(EventAggregate(
                events: EventSelection(kinds: kinds, products: products, names: names, authorization: authorization),
                window: window, aggregation: aggregation, number: number ?? (aggregation == .latestValue ? .value : .amount), ago: ago,
                format: format)), file: "test", line: 1)
        }
        let periods = MeasureDeclaration(name: "months_5k_of_last_4", definition: .periods(PeriodCount(
            events: EventSelection(kinds: ["revenue"]), aggregation: .sum, number: .amount, every: .month, last: 4,
            comparison: .atLeast, threshold: 5000)), file: "test", line: 1)
        let fiscal = MeasureDeclaration(name: "quarters_with_deals", definition: .periods(PeriodCount(
            events: EventSelection(kinds: ["deal_won", "deal_lost"]), aggregation: .count, number: .amount, every: .quarter, last: 3,
            fiscalYearStart: 4, comparison: .atLeast, threshold: 1)), file: "test", line: 1)
        return try! MeasurePlan([
            m("revenue_voice_mobile_3m", ["revenue"], .last(Period(months: 3)), .sum, products: ["voice", "mobile"]),
            m("deals_won_6m", ["deal_won"], .last(Period(months: 6)), .count),
            m("products_sold_12m", ["revenue"], .last(Period(months: 12)), .distinctProducts),
            periods, fiscal,
            m("logins_2w", ["login"], .last(Period(days: 14)), .count),
            m("last_login", ["login"], .allTime, .daysSinceLast),
            m("deal_value_ytd_fy_apr", ["deal_won", "deal_lost"], .toDate(.year, fiscalYearStart: 4), .sum),
            m("revenue_qtd", ["revenue"], .toDate(.quarter, fiscalYearStart: 1), .sum),
            m("revenue_qtd_last_year", ["revenue"], .toDate(.quarter, fiscalYearStart: 1), .sum, ago: Period(months: 12)),
            m("won_territories", ["deal_won"], .sinceEnrolment, .distinctTerritories),
            m("registrations_outside", ["deal_registered"], .last(Period(months: 12)), .count, authorization: .outsideEither),
            m("registrations_inside_90d", ["deal_registered"], .last(Period(days: 90)), .count, authorization: .both),
            m("won_authorized_products", ["deal_won"], .allTime, .count, authorization: .products),
            m("smallest_deal", ["deal_registered"], .allTime, .min),
            m("largest_deal_2023", ["deal_registered", "deal_won"], .dated(from: day("2023-01-01"), to: day("2023-12-31")), .max),
            m("first_training", ["training"], .allTime, .firstDate),
            m("last_certification", ["certification"], .allTime, .lastDate),
            m("modules", ["training"], .allTime, .distinctNames),
            m("latest_csat", ["attribute"], .allTime, .latestValue, names: ["csat"]),
            m("latest_note", ["attribute"], .allTime, .latestValue, names: ["tier_note"]),
            m("lines_activated_3m", ["lines_activated"], .last(Period(months: 3)), .sum, products: ["voice"]),
            m("latest_survey", ["csat_survey"], .allTime, .latestValue),
            m("survey_low", ["csat_survey"], .last(Period(months: 12)), .min, number: .value),
            m("credentials_seen", ["credential"], .sinceEnrolment, .count),
            MeasureDeclaration(name: "revenue_qtd_growth", definition: .derived(DerivedMeasure(.growth, "revenue_qtd", "revenue_qtd_last_year")),
                               file: "test", line: 1),
            MeasureDeclaration(name: "voice_share_3m", definition: .derived(DerivedMeasure(.ratio, "revenue_voice_mobile_3m", "revenue_3m")),
                               file: "test", line: 1),
        ])
    }()

    static let asOfDays = ["2021-06-15", "2022-12-31", "2023-02-28", "2023-03-01", "2023-03-31", "2023-07-01",
                           "2024-01-31", "2024-02-28", "2024-02-29", "2024-03-01", "2024-03-30", "2024-03-31",
                           "2024-05-31", "2024-08-17", "2024-12-31", "2025-02-28", "2025-06-30", "2026-01-01"]

    func expectRollupsMatchEvents(_ store: PartnerStore, _ comment: String) throws {
        let calculator = SnapshotCalculator(store: store, measures: Self.measures)
        let ids = try store.partners().map(\.id)
        for asOf in Self.asOfDays {
            let fromRollups = try calculator.snapshots(asOf: day(asOf))
            let fromEvents = try calculator.snapshots(asOf: day(asOf), partnerIDs: ids)
            #expect(fromRollups.count == fromEvents.count, "\(comment) as of \(asOf)")
            for (a, b) in zip(fromRollups, fromEvents) where a != b {
                let differing = Metric.allCases.filter { !(a.values[$0.rawValue] == b.values[$0.rawValue]
                    || (a.values[$0.rawValue].isNaN && b.values[$0.rawValue].isNaN)) }
                let measures = Self.measures.names.indices.filter { a.measure($0) != b.measure($0) || a.measures.text($0) != b.measures.text($0) }
                Issue.record("\(comment): \(a.partner.id) as of \(asOf) differs in \(differing.map(\.name)) \(a.milestones == b.milestones) \(a.certifications == b.certifications) \(a.attributes == b.attributes), measures \(measures.map { Self.measures.names[$0] })")
            }
        }
    }

    @Test("on a random program, in batches of any order, for month ends, mid-months and a leap day")
    func randomProgram() throws {
        for seed: UInt64 in [1, 2, 3] {
            var (partners, events) = Self.program(seed: seed)
            let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
            try store.upsertPartners(partners)
            // Events arrive in three batches: shuffled, by date, and by partner —
            // rollup rows of the same partner-month are merged across imports.
            var random = Random(state: seed)
            for i in stride(from: events.count - 1, to: 0, by: -1) { events.swapAt(i, random.int(0...i)) }
            let third = events.count / 3
            try store.importEvents(Array(events[..<third]), kinds: Self.kinds)
            try store.importEvents(events[third..<(2 * third)].sorted { $0.date < $1.date }, kinds: Self.kinds)
            try store.importEvents(events[(2 * third)...].sorted { $0.partnerID < $1.partnerID }, kinds: Self.kinds)
            try expectRollupsMatchEvents(store, "seed \(seed)")

            // Partners change authorizations: outside-territory counts follow the current lists.
            for index in partners.indices where index % 3 == 0 {
                partners[index].territories = ["US-TX"]
                partners[index].products = []
            }
            try store.upsertPartners(partners)
            try expectRollupsMatchEvents(store, "seed \(seed) after an upsert")
        }
    }

    @Test("rollups held in memory and flushed often, for events in any order, still add up to the events")
    func smallFlushThreshold() throws {
        let (partners, generated) = Self.program(seed: 6)
        var events = generated
        var random = Random(state: 6)
        for i in stride(from: events.count - 1, to: 0, by: -1) where i % 4 == 0 { events.swapAt(i, random.int(0...i)) }
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try store.upsertPartners(partners)
        for threshold in [1, 5, 64] {
            try store.writer.write { db in
                try db.execute(sql: "DELETE FROM event; DELETE FROM event_month; DELETE FROM event_detail")
                let numbers = try PartnerQueries.numbersByID(GRDBSession(db))
                let writer = try EventWriter(db, rollupFlushThreshold: threshold)
                // Partly sorted, partly shuffled: keys in and out of order, repeated after flushes.
                for (index, event) in events.enumerated() {
                    try writer.insert(try StoredEvent(event, numbers: numbers, kinds: Self.kinds, index: index))
                }
                try writer.finish()
            }
            try expectRollupsMatchEvents(store, "flushed every \(threshold) partner-months")
        }
    }

    @Test("a file import keeps the rollups as the API does; the migration's backfill rebuilds them the same")
    func fileImportAndBackfill() throws {
        let (partners, events) = Self.program(seed: 9)
        let folder = try TemporaryFolder()
        var partnersCSV = partnersHeader
        for p in partners {
            partnersCSV += "\(p.id),\(p.name),agent,\(p.program),NA,US,\(p.territories.joined(separator: ";")),\(p.products.joined(separator: ";")),\(p.enrolled),cam-1,,,\n"
        }
        var eventsCSV = eventsHeader
        for e in events {
            var fields = [e.partnerID, e.date.description, e.kindName, "", "", "", "", "", "", ""]
            switch e.kind {
            case let .revenue(amount, currency, product): fields[3] = "\(amount)"; fields[4] = currency; fields[5] = product
            case let .dealRegistered(territory, product, amount): fields[3] = "\(amount)"; fields[5] = product; fields[6] = territory
            case let .dealWon(amount, product, territory), let .dealLost(amount, product, territory):
                fields[3] = "\(amount)"; fields[5] = product ?? ""; fields[6] = territory ?? ""
            case let .certificationEarned(name, expires), let .credential(name, expires):
                fields[7] = "\"\(name)\""; fields[9] = expires?.description ?? ""
            case let .trainingCompleted(module): fields[7] = module
            case .portalLogin: break
            case let .attribute(name, value):
                fields[7] = name
                switch value {
                case .number(let n): fields[8] = "\(n)"
                case .text(let t): fields[8] = t
                }
            case let .custom(_, custom):
                fields[3] = custom.amount.map { "\($0)" } ?? ""
                fields[5] = custom.product ?? ""
                fields[7] = custom.name ?? ""
                switch custom.value {
                case .number(let n)?: fields[8] = "\(n)"
                case .text(let t)?: fields[8] = t
                case nil: break
                }
            }
            eventsCSV += fields.joined(separator: ",") + "\r\n"
        }
        let fromFiles = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try fromFiles.importFiles([try folder.write("partners.csv", partnersCSV), try folder.write("events.csv", eventsCSV)],
                                  kinds: Self.kinds)
        let fromAPI = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try fromAPI.upsertPartners(partners)
        try fromAPI.importEvents(events, kinds: Self.kinds)
        // The events file read in small chunks (parsed two at a time, written in order): the same rows.
        for chunkSize in [64, 1000, 50_000] {
            let chunked = try PartnerStore(inMemoryExtendingMigrations: { _ in })
            let summary = try chunked.importFiles([folder.path("partners.csv"), folder.path("events.csv")], kinds: Self.kinds,
                                                  chunkSize: chunkSize)
            #expect(summary.events == events.count)
            for sql in ["SELECT * FROM event ORDER BY id", "SELECT * FROM event_detail ORDER BY id"] {
                #expect(try chunked.writer.read { try Row.fetchAll($0, sql: sql) } == fromAPI.writer.read { try Row.fetchAll($0, sql: sql) },
                        "chunks of \(chunkSize) bytes: \(sql)")
            }
        }
        // The file's rows take the import's fast path, the API's the checked
        // one: the same rows, ids and rollups either way.
        for sql in ["SELECT * FROM event ORDER BY id", "SELECT * FROM event_detail ORDER BY id",
                    "SELECT * FROM event_month ORDER BY partnerNumber, month"] {
            let fileRows = try fromFiles.writer.read { try Row.fetchAll($0, sql: sql) }
            #expect(fileRows.count > 0)
            #expect(try fileRows == fromAPI.writer.read { try Row.fetchAll($0, sql: sql) }, "\(sql)")
        }
        let asOf = day("2024-02-29")
        #expect(try SnapshotCalculator(store: fromFiles).snapshots(asOf: asOf).map(\.values.description)
                == SnapshotCalculator(store: fromAPI).snapshots(asOf: asOf).map(\.values.description))
        try expectRollupsMatchEvents(fromFiles, "file import")

        // Rebuild the rollups from the events, as the migration does for an older database.
        try fromFiles.writer.write { db in
            try db.execute(sql: "DELETE FROM event_month; DELETE FROM event_detail")
            try Rollups.backfill(db)
        }
        try expectRollupsMatchEvents(fromFiles, "after the backfill")
        let months = try fromFiles.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM event_month") ?? 0 }
        #expect(months > 0 && months < events.count, "months fold many events into one row")
    }

    @Test("events ingested as JSON objects (the HTTP service's path) keep the rollups too")
    func ingestedObjects() throws {
        let (partners, events) = Self.program(seed: 4)
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try store.upsertPartners(partners)
        let objects: [Any] = events.map { event -> [String: Any] in
            var o: [String: Any] = ["partner_id": event.partnerID, "date": event.date.description, "kind": event.kindName]
            switch event.kind {
            case .revenue(let amount, let currency, let product): o["amount"] = amount; o["currency"] = currency; o["product"] = product
            case .dealRegistered(let territory, let product, let amount): o["territory"] = territory; o["product"] = product; o["amount"] = amount
            case .dealWon(let amount, let product, let territory), .dealLost(let amount, let product, let territory):
                o["amount"] = amount; o["product"] = product; o["territory"] = territory
            case .certificationEarned(let name, let expires): o["name"] = name; if let expires { o["expires"] = expires.description }
            case .trainingCompleted(let module): o["name"] = module
            case .portalLogin: break
            case .credential(let kind, let expires): o["name"] = kind; if let expires { o["expires"] = expires.description }
            case .attribute(let name, let value):
                o["name"] = name
                switch value {
                case .number(let n): o["value"] = n
                case .text(let t): o["value"] = t
                }
            case .custom(_, let custom):
                o["amount"] = custom.amount; o["product"] = custom.product; o["name"] = custom.name
                switch custom.value {
                case .number(let n)?: o["value"] = n
                case .text(let t)?: o["value"] = t
                case nil: break
                }
            }
            return o
        }
        let values = try objects.map { try JSONValue(parsing: JSONSerialization.data(withJSONObject: $0)) }
        try store.database.write { session in _ = try PartnerStore.importEventObjects(values, kinds: Self.kinds, in: session) }
        try expectRollupsMatchEvents(store, "ingested objects")
    }

    @Test("partners computed in chunks (a small chunk size crossing boundaries) give the same snapshots, in id order")
    func chunks() throws {
        var (partners, events) = Self.program(seed: 5)
        // Two programs, interleaved by id, and partner numbers out of id
        // order (inserted in reverse), so chunks are not number ranges.
        for index in partners.indices where index % 2 == 1 { partners[index].program = "saas-resellers" }
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try store.upsertPartners(partners.reversed())
        try store.importEvents(events.sorted { $0.partnerID < $1.partnerID }, kinds: Self.kinds)
        events.removeAll()
        let whole = SnapshotCalculator(store: store, chunkSize: 1_000, measures: Self.measures)
        let ids = try store.partners().map(\.id)
        #expect(ids == ids.sorted() && ids.count == 60)
        for asOf in ["2022-12-31", "2024-02-29", "2024-08-17"].map(day) {
            let expected = try whole.snapshots(asOf: asOf)
            let fromEvents = try whole.snapshots(asOf: asOf, partnerIDs: ids)
            #expect(expected == fromEvents, "one chunk: rollups and events agree as of \(asOf)")
            if asOf == day("2024-08-17") {
                for (i, name) in Self.measures.names.enumerated() {
                    #expect(expected.contains { ($0.measure(i) ?? 0) != 0 || $0.measures.text(i) != nil }, "\(name) is 0 or none for every partner")
                }
            }
            #expect(expected.count > 7 && expected.count <= 60)
            for size in [1, 7, 25] {
                let chunked = SnapshotCalculator(store: store, chunkSize: size, measures: Self.measures)
                #expect(try chunked.snapshots(asOf: asOf) == expected, "rollups in chunks of \(size) as of \(asOf)")
                #expect(try chunked.snapshots(asOf: asOf, partnerIDs: ids) == expected, "events in chunks of \(size)")
                let telecom = try chunked.snapshots(asOf: asOf, programs: ["telecom-agents"])
                #expect(telecom == expected.filter { $0.partner.program == "telecom-agents" }, "one program in chunks of \(size)")
                let some = Array(ids.reversed().prefix(20))
                #expect(try chunked.snapshots(asOf: asOf, partnerIDs: some) == expected.filter { some.contains($0.partner.id) })
            }
        }
    }

    @Test("exact sums do not depend on the order of the amounts")
    func exactSum() {
        var sequential = 0.0
        var exact = ExactSum()
        for amount in [0.1, 0.2, 0.3] {
            sequential += amount
            exact.add(amount)
        }
        #expect(sequential == 0.6000000000000001)
        #expect(exact.value == 0.6, "the correctly rounded sum")
        var random = Random(state: 42)
        let amounts = (0..<1000).map { _ in Double(random.int(0...10_000_000)) / 100 }
        var forward = ExactSum(), backward = ExactSum(), grouped = ExactSum()
        for a in amounts { forward.add(a) }
        for a in amounts.reversed() { backward.add(a) }
        for chunk in stride(from: 0, to: amounts.count, by: 37) {
            var part = ExactSum()
            for a in amounts[chunk..<min(chunk + 37, amounts.count)] { part.add(a) }
            grouped.add(part)
        }
        #expect(forward.value == backward.value && forward.value == grouped.value)
        var decoded = ExactSum()
        forward.encoded.withUnsafeBytes { decoded.add(encoded: $0) }
        #expect(decoded.value == forward.value)
        #expect(ExactSum().value == 0 && ExactSum().value.sign == .plus)
    }
}
