import PartnerModel
import TestSupport
import Testing

/// Declared measures compiled into a plan and computed from plain events,
/// without a store: windows, every aggregation, filters, periods and
/// derived measures, and the plan's refusals.
@Suite("Measures compute from plain events as their declarations say")
struct MeasureTests {

    static func partner(enrolled: String = "2025-03-10", products: [String] = ["voice", "mobile"],
                        territories: [String] = ["US-CA"]) -> Partner {
        Partner(id: "P1", name: "One", type: .agent, program: "telecom-agents", region: "NA", country: "US",
                territories: territories, products: products, enrolled: day(enrolled), channelAccountManager: "cam")
    }

    static func events(_ kind: String, _ window: MeasureWindow, _ aggregation: Aggregation, number: EventNumber = .amount,
                       products: [String] = [], authorization: AuthorizationFilter? = nil, ago: Period? = nil) -> MeasureDefinition {
        .events(EventAggregate(events: EventSelection(kinds: [kind], products: products, authorization: authorization),
                               window: window, aggregation: aggregation, number: number, ago: ago))
    }

    /// One event as the store would feed it.
    struct Fed {
        var kind: String
        var day: String
        var amount: Double? = nil
        var product: String? = nil
        var territory: String? = nil
        var name: String? = nil
        var number: Double? = nil
        var text: String? = nil
        /// Its id in the store (ties on a day go to the higher); by default its position in the list.
        var id: Int64 = -1
    }

    /// The values of `declarations` for one partner fed `events` (in the order given) as of `asOf`.
    static func compute(_ declarations: [(String, MeasureDefinition)], _ events: [Fed], asOf: String,
                        partner: Partner = partner(), catalogue: [Double] = []) throws -> (MeasurePlan, MeasureValues) {
        let plan = try MeasurePlan(declarations.map { MeasureDeclaration(name: $0.0, definition: $0.1, file: "test.lua", line: 1) })
        var accumulator = MeasureAccumulator(plan: plan, asOf: day(asOf), partners: [partner])
        for (sequence, e) in events.enumerated() {
            guard let slot = plan.kindSlot(e.kind) else { continue }
            func with(_ text: String?, _ body: (UnsafeBufferPointer<UInt8>?) -> Void) {
                guard var text else { return body(nil) }
                text.withUTF8 { body($0) }
            }
            with(e.product) { product in
                with(e.territory) { territory in
                    with(e.name) { name in
                        with(e.text) { text in
                            accumulator.add(partner: 0, kind: slot, MeasureEvent(
                                day: day(e.day).daysSinceEpoch, sequence: e.id >= 0 ? e.id : Int64(sequence), amount: e.amount, number: e.number,
                                text: text, product: product, territory: territory, name: name))
                        }
                    }
                }
            }
        }
        let catalogue = catalogue.isEmpty ? Array(repeating: Double.nan, count: Metric.allCases.count) : catalogue
        return (plan, accumulator.values(partner: 0, catalogue: catalogue))
    }

    static func value(_ result: (MeasurePlan, MeasureValues), _ name: String) -> Double? {
        let v = result.1.values[result.0.index(of: name)!]
        return v.isNaN ? nil : v
    }

    @Test("the last N months is (D − N months, D], month ends clamped; days and weeks count days")
    func lastWindows() throws {
        let revenue: [Fed] = [
            Fed(kind: "revenue", day: "2026-02-28", amount: 1),     // on the bound of 1 month before 2026-03-31: out
            Fed(kind: "revenue", day: "2026-03-01", amount: 10),
            Fed(kind: "revenue", day: "2026-03-31", amount: 100),   // on D: in
            Fed(kind: "revenue", day: "2026-04-01", amount: 1000),  // after D: never
            Fed(kind: "revenue", day: "2025-12-31", amount: 10_000),
        ]
        let r = try Self.compute([("m1", Self.events("revenue", .last(Period(months: 1)), .sum)),
                                  ("m3", Self.events("revenue", .last(Period(months: 3)), .sum)),
                                  ("d31", Self.events("revenue", .last(Period(days: 31)), .sum)),
                                  ("w1", Self.events("revenue", .last(Period(days: 7)), .count))],
                                 revenue, asOf: "2026-03-31")
        #expect(Self.value(r, "m1") == 110, "(2026-02-28, 2026-03-31]")
        #expect(Self.value(r, "m3") == 111, "(2025-12-31, 2026-03-31]: the bound itself is out")
        #expect(Self.value(r, "d31") == 110)
        #expect(Self.value(r, "w1") == 1)
        // A leap year: one month before 2024-03-31 is 2024-02-29.
        let leap = try Self.compute([("m1", Self.events("revenue", .last(Period(months: 1)), .sum))],
                                    [Fed(kind: "revenue", day: "2024-02-29", amount: 5), Fed(kind: "revenue", day: "2024-03-01", amount: 7)],
                                    asOf: "2024-03-31")
        #expect(Self.value(leap, "m1") == 7)
    }

    @Test("to-date windows start at D's calendar or fiscal period; since enrolment, all time and dated windows")
    func otherWindows() throws {
        let events = ["2025-01-15", "2025-03-31", "2025-04-01", "2025-06-30", "2025-07-01", "2025-10-01", "2025-11-10", "2025-11-12"]
            .map { Fed(kind: "deal_won", day: $0, amount: 1) }
        let r = try Self.compute([
            ("mtd", Self.events("deal_won", .toDate(.month, fiscalYearStart: 1), .count)),
            ("qtd", Self.events("deal_won", .toDate(.quarter, fiscalYearStart: 1), .count)),
            ("htd", Self.events("deal_won", .toDate(.half, fiscalYearStart: 1), .count)),
            ("ytd", Self.events("deal_won", .toDate(.year, fiscalYearStart: 1), .count)),
            ("fytd_apr", Self.events("deal_won", .toDate(.year, fiscalYearStart: 4), .count)),
            ("fqtd_feb", Self.events("deal_won", .toDate(.quarter, fiscalYearStart: 2), .count)),
            ("since_enrolment", Self.events("deal_won", .sinceEnrolment, .count)),
            ("ever", Self.events("deal_won", .allTime, .count)),
            ("promo", Self.events("deal_won", .dated(from: day("2025-03-31"), to: day("2025-12-31")), .count)),
            ("since_spring_deal", Self.events("deal_won", .dated(from: day("2025-03-01"), to: day("2025-06-30")), .daysSinceLast)),
        ], events, asOf: "2025-11-10")
        #expect(Self.value(r, "mtd") == 1, "November 1 – 10")
        #expect(Self.value(r, "qtd") == 2, "October 1 – November 10")
        #expect(Self.value(r, "htd") == 3, "July 1 – November 10")
        #expect(Self.value(r, "ytd") == 7)
        #expect(Self.value(r, "fytd_apr") == 5, "the fiscal year began 2025-04-01")
        #expect(Self.value(r, "fqtd_feb") == 1, "fiscal quarters from February: November 1 – 10")
        #expect(Self.value(r, "since_enrolment") == 6, "enrolled 2025-03-10: the January deal is before")
        #expect(Self.value(r, "ever") == 7, "the event after D never counts")
        #expect(Self.value(r, "promo") == 6, "from 2025-03-31, up to D")
        #expect(Self.value(r, "since_spring_deal") == 133, "the last deal of the window (June 30), counted to D")
    }

    @Test("every aggregation, in any feeding order; an empty window gives 0 for sums and counts, none for the rest")
    func aggregations() throws {
        let events: [Fed] = [Fed]([
            Fed(kind: "revenue", day: "2026-01-10", amount: 0.1, product: "voice"),
            Fed(kind: "revenue", day: "2026-02-10", amount: 0.2, product: "mobile"),
            Fed(kind: "revenue", day: "2026-02-10", amount: 0.3, product: "voice"),
            Fed(kind: "deal_won", day: "2026-02-11", amount: 50, product: nil, territory: "US-TX"),
            Fed(kind: "attribute", day: "2026-01-01", name: "tier_note", text: "new"),
            Fed(kind: "attribute", day: "2026-02-01", name: "tier_note", text: "steady"),
            Fed(kind: "attribute", day: "2026-02-01", name: "csat", number: 4.5),
        ]).enumerated().map { var e = $1; e.id = Int64($0); return e }
        let declarations: [(String, MeasureDefinition)] = [
            ("sum", Self.events("revenue", .allTime, .sum)),
            ("count", Self.events("revenue", .allTime, .count)),
            ("product_count", Self.events("revenue", .allTime, .distinctProducts)),
            ("territory_count", Self.events("deal_won", .allTime, .distinctTerritories)),
            ("name_count", Self.events("attribute", .allTime, .distinctNames)),
            ("low", Self.events("revenue", .allTime, .min)),
            ("high", Self.events("revenue", .allTime, .max)),
            ("first", Self.events("revenue", .allTime, .firstDate)),
            ("last", Self.events("revenue", .allTime, .lastDate)),
            ("since", Self.events("revenue", .allTime, .daysSinceLast)),
            ("latest", Self.events("attribute", .allTime, .latestValue, number: .value)),
            ("empty_sum", Self.events("revenue", .last(Period(days: 1)), .sum)),
            ("empty_count", Self.events("revenue", .last(Period(days: 1)), .count)),
            ("empty_max", Self.events("revenue", .last(Period(days: 1)), .max)),
            ("empty_last", Self.events("revenue", .last(Period(days: 1)), .lastDate)),
        ]
        let forward = try Self.compute(declarations, events, asOf: "2026-03-01")
        let backward = try Self.compute(declarations, events.reversed(), asOf: "2026-03-01")
        #expect(forward.1 == backward.1, "the order events arrive in changes nothing")
        let r = forward
        #expect(Self.value(r, "sum") == 0.6, "exact: 0.1 + 0.2 + 0.3 is 0.6, not 0.6000000000000001")
        #expect(Self.value(r, "count") == 3)
        #expect(Self.value(r, "product_count") == 2)
        #expect(Self.value(r, "territory_count") == 1)
        #expect(Self.value(r, "name_count") == 2)
        #expect(Self.value(r, "low") == 0.1 && Self.value(r, "high") == 0.3)
        #expect(Self.value(r, "first") == Double(day("2026-01-10").daysSinceEpoch))
        #expect(Self.value(r, "last") == Double(day("2026-02-10").daysSinceEpoch))
        #expect(Self.value(r, "since") == 19)
        // Latest on 2026-02-01: two events that day, the later one (csat, fed last) wins.
        #expect(Self.value(r, "latest") == 4.5 && r.1.text(r.0.index(of: "latest")!) == nil)
        #expect(Self.value(r, "empty_sum") == 0 && Self.value(r, "empty_count") == 0)
        #expect(Self.value(r, "empty_max") == nil && Self.value(r, "empty_last") == nil)
        #expect(r.0.types == [.money, .number, .number, .number, .number, .money, .money, .date, .date, .days, .value,
                              .money, .number, .money, .date])
        // A text latest value travels as text.
        let text = try Self.compute([("note", Self.events("attribute", .allTime, .latestValue, number: .value))],
                                    Array(events[4...5]), asOf: "2026-03-01")
        #expect(Self.value(text, "note") == nil && text.1.text(0) == "steady")
    }

    @Test("filters by product and by the partner's own authorizations; an empty list authorizes everything")
    func filters() throws {
        let events: [Fed] = [
            Fed(kind: "deal_registered", day: "2026-01-10", amount: 1, product: "voice", territory: "US-CA"),
            Fed(kind: "deal_registered", day: "2026-01-11", amount: 1, product: "sd-wan", territory: "US-CA"),
            Fed(kind: "deal_registered", day: "2026-01-12", amount: 1, product: "voice", territory: "US-TX"),
            Fed(kind: "deal_won", day: "2026-01-13", amount: 1, product: nil, territory: nil),
        ]
        let declarations: [(String, MeasureDefinition)] = [
            ("voice", Self.events("deal_registered", .allTime, .count, products: ["voice", "mobile"])),
            ("inside", Self.events("deal_registered", .allTime, .count, authorization: .both)),
            ("outside", Self.events("deal_registered", .allTime, .count, authorization: .outsideEither)),
            ("outside_products", Self.events("deal_registered", .allTime, .count, authorization: .outsideProducts)),
            ("won_outside", Self.events("deal_won", .allTime, .count, authorization: .outsideEither)),
            ("won_inside", Self.events("deal_won", .allTime, .count, authorization: .products)),
        ]
        let r = try Self.compute(declarations, events, asOf: "2026-03-01")
        #expect(Self.value(r, "voice") == 2)
        #expect(Self.value(r, "inside") == 1)
        #expect(Self.value(r, "outside") == 2)
        #expect(Self.value(r, "outside_products") == 1)
        #expect(Self.value(r, "won_outside") == 0 && Self.value(r, "won_inside") == 0, "a deal without a product is neither")
        let unrestricted = try Self.compute(declarations, events, asOf: "2026-03-01",
                                            partner: Self.partner(products: [], territories: []))
        #expect(Self.value(unrestricted, "inside") == 3 && Self.value(unrestricted, "outside") == 0,
                "a partner with no listed products or territories may sell everything everywhere")
        #expect(Partner.authorizes([String](), where: { _ in false }))
    }

    @Test("periods meeting a condition: the last N calendar months, the current one to date")
    func periods() throws {
        let monthly: [Fed] = [
            Fed(kind: "revenue", day: "2026-06-30", amount: 9000),   // before the 4 months
            Fed(kind: "revenue", day: "2026-07-01", amount: 5000),   // July: exactly 5,000
            Fed(kind: "revenue", day: "2026-08-15", amount: 4999.99),
            Fed(kind: "revenue", day: "2026-09-10", amount: 2500),
            Fed(kind: "revenue", day: "2026-09-30", amount: 2500),
            Fed(kind: "revenue", day: "2026-10-14", amount: 6000),   // October, up to D
            Fed(kind: "revenue", day: "2026-10-20", amount: 6000),   // after D
        ]
        func periods(_ last: Int, _ threshold: Double, every: CalendarUnit = .month, fiscal: Int = 1) -> MeasureDefinition {
            .periods(PeriodCount(events: EventSelection(kinds: ["revenue"]), aggregation: .sum, number: .amount, every: every,
                                 last: last, fiscalYearStart: fiscal, comparison: .atLeast, threshold: threshold))
        }
        let r = try Self.compute([("months_5k_of_last_4", periods(4, 5000)), ("months_6k_of_last_1", periods(1, 6000)),
                                  ("quarters", periods(2, 10_000, every: .quarter)),
                                  ("fiscal_quarters", periods(2, 10_000, every: .quarter, fiscal: 2))],
                                 monthly, asOf: "2026-10-15")
        #expect(Self.value(r, "months_5k_of_last_4") == 3, "July, September and October to date; not August")
        #expect(Self.value(r, "months_6k_of_last_1") == 1)
        #expect(Self.value(r, "quarters") == 1, "Q3 has 14,999.99; Q4 to date only 6,000")
        #expect(Self.value(r, "fiscal_quarters") == 2, "fiscal quarters from February: May–Jul has 14,000, Aug–Oct 15,999.99")
    }

    @Test("derived measures: ratio, difference and growth of measures and metrics; none when dividing by 0 or none")
    func derived() throws {
        var catalogue = Array(repeating: Double.nan, count: Metric.allCases.count)
        catalogue[Metric.revenue12m.rawValue] = 400
        let events: [Fed] = [Fed(kind: "revenue", day: "2026-01-10", amount: 100, product: "k8s"),
                             Fed(kind: "revenue", day: "2025-01-10", amount: 80, product: "k8s")]
        let r = try Self.compute([
            ("share", .derived(DerivedMeasure(.ratio, "k8s_12m", "revenue_12m"))),
            ("k8s_12m", Self.events("revenue", .last(Period(months: 12)), .sum, products: ["k8s"])),
            ("k8s_prior", Self.events("revenue", .last(Period(months: 12)), .sum, products: ["k8s"], ago: Period(months: 12))),
            ("net", .derived(DerivedMeasure(.difference, "k8s_12m", "k8s_prior"))),
            ("growth", .derived(DerivedMeasure(.growth, "k8s_12m", "k8s_prior"))),
            ("nothing", Self.events("revenue", .last(Period(days: 1)), .sum)),
            ("per_nothing", .derived(DerivedMeasure(.ratio, "k8s_12m", "nothing"))),
        ], events, asOf: "2026-03-01", catalogue: catalogue)
        #expect(Self.value(r, "share") == 0.25)
        #expect(Self.value(r, "k8s_prior") == 80)
        #expect(Self.value(r, "net") == 20)
        #expect(Self.value(r, "growth") == 0.25)
        #expect(Self.value(r, "per_nothing") == nil)
        #expect(r.0.types[r.0.index(of: "share")!] == .ratio && r.0.types[r.0.index(of: "net")!] == .money)
    }

    @Test("the plan refuses unknown operands (with a did-you-mean), cycles, clashing names and types that do not fit")
    func refusals() throws {
        func refusal(_ declarations: [(String, MeasureDefinition)]) -> MeasurePlanError? {
            do {
                _ = try MeasurePlan(declarations.map { MeasureDeclaration(name: $0.0, definition: $0.1, file: "x.lua", line: 3) })
                return nil
            } catch { return error }
        }
        let sum = Self.events("revenue", .allTime, .sum)
        let unknown = refusal([("a", sum), ("r", .derived(DerivedMeasure(.ratio, "a", "revenue_12n")))])
        #expect(unknown?.declaration == 1 && unknown?.message.contains("did you mean 'revenue_12m'") == true)
        let cycle = refusal([("a", .derived(DerivedMeasure(.difference, "b", "revenue_12m"))),
                             ("b", .derived(DerivedMeasure(.difference, "c", "revenue_12m"))),
                             ("c", .derived(DerivedMeasure(.difference, "a", "revenue_12m")))])
        #expect(cycle?.message.contains("cycle: a → b → c → a") == true)
        #expect(refusal([("revenue_12m", sum)])?.message.contains("catalogue metric") == true)
        #expect(refusal([("id", sum)])?.message.contains("partner table") == true)
        #expect(refusal([("Bad-Name", sum)]) != nil)
        #expect(refusal([("a", sum), ("a", sum)])?.message.contains("declared twice") == true)
        let mixed = refusal([("a", sum), ("n", Self.events("revenue", .allTime, .count)),
                             ("d", .derived(DerivedMeasure(.difference, "a", "n")))])
        #expect(mixed?.message.contains("one type") == true)
        #expect(refusal([("f", Self.events("revenue", .allTime, .firstDate)),
                         ("r", .derived(DerivedMeasure(.ratio, "f", "revenue_12m")))])?.message.contains("date") == true)
        #expect(refusal([("x", Self.events("login", .allTime, .sum))])?.message.contains("login events have none") == true)
        #expect(refusal([("x", Self.events("certification", .allTime, .count, products: ["voice"]))])?.field == "products")
        #expect(refusal([("x", .events(EventAggregate(events: EventSelection(kinds: ["revenue", "lines_activated"]),
                                                      window: .allTime, aggregation: .sum, number: .amount)))])?.field == "kind")
    }

    @Test("names and meanings are data an editor can list")
    func meanings() throws {
        let plan = try MeasurePlan([MeasureDeclaration(name: "revenue_voice_mobile_3m",
                                                       definition: Self.events("revenue", .last(Period(months: 3)), .sum, products: ["voice", "mobile"]),
                                                       file: "a.lua", line: 9)])
        #expect(plan.names == ["revenue_voice_mobile_3m"])
        #expect(plan.types == [.money])
        #expect(plan.declarations[0].meaning == "sum of the amount of revenue events for products voice, mobile in the last 3 months")
        #expect(plan.customKinds.isEmpty && plan.kinds == ["revenue"])
    }
}
