/// A measure a policy declares over a partner's events: which events, over
/// which window, aggregated how — or derived from two other measures
/// (docs/policies.md, "Measures"). The host computes every declared measure
/// in its snapshot pass; policies read them like catalogue metrics.
///
/// Declarations are plain values, independent of Lua and of the store: the
/// policy loader builds them, ``MeasurePlan`` compiles them, and the snapshot
/// calculator feeds the plan's accumulators.
public struct MeasureDeclaration: Sendable, Hashable {
    /// A lowercase identifier, unique in a policy set.
    public var name: String
    public var definition: MeasureDefinition
    /// What the measure means, in a program designer's words: the
    /// declaration's own `meaning`, or one written from its definition.
    public var meaning: String
    /// Where it is declared: the file and line of its `ps.measure` call.
    public var file: String
    public var line: Int?
    /// Made by the host, not declared: the basis of an incentive rule. The
    /// plan computes it like any measure but policies, exports and
    /// explanations do not see it, and its name need not be an identifier.
    public var isHidden: Bool

    public init(name: String, definition: MeasureDefinition, meaning: String? = nil, file: String, line: Int?, isHidden: Bool = false) {
        self.name = name
        self.definition = definition
        self.meaning = meaning ?? definition.meaning
        self.file = file
        self.line = line
        self.isHidden = isHidden
    }

    /// `file:line`, as messages name the declaration.
    public var location: String { line.map { "\(file):\($0)" } ?? file }
}

public enum MeasureDefinition: Sendable, Hashable {
    /// Events aggregated over a window.
    case events(EventAggregate)
    /// How many of the last N calendar periods met a condition.
    case periods(PeriodCount)
    /// Ratio, difference or growth of two measures or catalogue metrics.
    case derived(DerivedMeasure)
}

/// Which events a measure reads: kinds (built-in or custom) and filters.
/// An event passes when it is of one of the kinds and every filter given holds.
public struct EventSelection: Sendable, Hashable {
    public var kinds: [String]
    /// Only events whose product is one of these (empty: any product).
    public var products: [String]
    public var territories: [String]
    /// Certification, training module, credential kind, attribute or custom-kind name.
    public var names: [String]
    /// Only events whose product and/or territory is inside (or outside) the
    /// partner's own authorizations.
    public var authorization: AuthorizationFilter?
    /// Only events dated on a day when every one of these credentials or
    /// certifications was valid, by the records dated up to that day (an
    /// incentive basis while no gate suspends its benefit; not a field of
    /// `ps.measure`).
    public var whileValid: [ValidityRequirement]

    public init(kinds: [String], products: [String] = [], territories: [String] = [], names: [String] = [],
                authorization: AuthorizationFilter? = nil, whileValid: [ValidityRequirement] = []) {
        self.kinds = kinds
        self.products = products
        self.territories = territories
        self.names = names
        self.authorization = authorization
        self.whileValid = whileValid
    }
}

/// A credential (or contract) kind, or a certification name, that must be
/// valid on an event's day: the latest record of it dated on or before the
/// day was granted by then and expires on or after it (``Credential/isValid(on:)``).
public struct ValidityRequirement: Sendable, Hashable {
    /// `"credential"` or `"certification"`: the event kind recording it.
    public var kind: String
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }
}

/// A filter on the partner's own authorizations (``Partner/authorizes(_:where:)``:
/// an empty list authorizes everything). An event without the field tested
/// (a deal won with no product) is neither inside nor outside.
public enum AuthorizationFilter: String, Sendable, Hashable, CaseIterable {
    /// `authorized = "products"`: the product is one the partner may sell.
    case products
    /// `authorized = "territories"`.
    case territories
    /// `authorized = "both"`: product and territory.
    case both
    /// `unauthorized = "products"`: the product is outside the partner's list.
    case outsideProducts = "outside products"
    /// `unauthorized = "territories"`.
    case outsideTerritories = "outside territories"
    /// `unauthorized = "either"`: product or territory outside (as `deals_outside_territory_*`).
    case outsideEither = "outside either"
}

/// What an event measure computes from the events in its window.
public enum Aggregation: String, Sendable, Hashable, CaseIterable {
    case sum, count
    case distinctProducts = "distinct_products", distinctTerritories = "distinct_territories", distinctNames = "distinct_names"
    case min, max
    case firstDate = "first_date", lastDate = "last_date", daysSinceLast = "days_since_last"
    case latestValue = "latest_value"

    /// Whether it reads a number of each event (`of`: amount or value).
    public var readsNumber: Bool { self == .sum || self == .min || self == .max || self == .latestValue }
}

/// Which number of an event an aggregation reads.
public enum EventNumber: String, Sendable, Hashable, CaseIterable {
    case amount, value
}

/// A calendar period: months, quarters, halves and years (quarters, halves
/// and years start in the fiscal year's first month).
public enum CalendarUnit: String, Sendable, Hashable, CaseIterable {
    case month, quarter, half, year

    public var months: Int {
        switch self {
        case .month: 1
        case .quarter: 3
        case .half: 6
        case .year: 12
        }
    }

    /// The first day of the period holding `day`, for a fiscal year starting
    /// in month `fiscalYearStart` (1 = January).
    public func start(of day: Day, fiscalYearStart: Int) -> Day {
        let (y, m, _) = day.components
        let index = y * 12 + (m - 1)
        let offset = ((index - (fiscalYearStart - 1)) % months + months) % months
        let first = index - offset
        return Day(year: first / 12, month: first % 12 + 1, day: 1) ?? day
    }

    /// The first day of the period `count` periods after the one starting on `start`.
    func start(after start: Day, count: Int) -> Day { start.adding(months: months * count) }
}

/// The days a measure counts, as of the evaluation day D (events are always
/// dated on or before D — or D − ago).
public enum MeasureWindow: Sendable, Hashable {
    /// The last N days, weeks, months or years: `(D − N, D]`, month ends clamped.
    case last(Period)
    /// From the first day of D's calendar (fiscal) month, quarter, half or year to D.
    case toDate(CalendarUnit, fiscalYearStart: Int)
    /// From the enrolment day to D.
    case sinceEnrolment
    /// Every event up to D.
    case allTime
    /// From `from` to `to` (both included), and never after D.
    case dated(from: Day, to: Day)
    /// The days of a dated window inside D's calendar (fiscal) period to
    /// date: a promotion's days of the current payment period (incentives).
    case datedToDate(from: Day, to: Day, CalendarUnit, fiscalYearStart: Int)
}

/// `ps.measure`: events aggregated over a window.
public struct EventAggregate: Sendable, Hashable {
    public var events: EventSelection
    public var window: MeasureWindow
    public var aggregation: Aggregation
    /// The number sum, min, max and latest_value read (amount unless `of = "value"`;
    /// latest_value reads the value unless `of = "amount"`).
    public var number: EventNumber
    /// The window is taken as of D − ago (the same window last year: `ago = "12 months"`).
    public var ago: Period?
    /// A declared format for a custom kind's amount or value (`format = "money"`).
    public var format: MeasureType?

    public init(events: EventSelection, window: MeasureWindow, aggregation: Aggregation, number: EventNumber,
                ago: Period? = nil, format: MeasureType? = nil) {
        self.events = events
        self.window = window
        self.aggregation = aggregation
        self.number = number
        self.ago = ago
        self.format = format
    }
}

/// `ps.periods`: how many of the last `last` calendar periods, the last one
/// being D's (counted up to D), had an aggregate meeting a condition.
public struct PeriodCount: Sendable, Hashable {
    public var events: EventSelection
    public var aggregation: Aggregation
    public var number: EventNumber
    public var every: CalendarUnit
    public var last: Int
    public var fiscalYearStart: Int
    public var comparison: Comparison
    public var threshold: Double
    public var ago: Period?
    public var format: MeasureType?

    public init(events: EventSelection, aggregation: Aggregation, number: EventNumber, every: CalendarUnit, last: Int,
                fiscalYearStart: Int = 1, comparison: Comparison, threshold: Double, ago: Period? = nil,
                format: MeasureType? = nil) {
        self.events = events
        self.aggregation = aggregation
        self.number = number
        self.every = every
        self.last = last
        self.fiscalYearStart = fiscalYearStart
        self.comparison = comparison
        self.threshold = threshold
        self.ago = ago
        self.format = format
    }
}

/// `ps.ratio`, `ps.difference`, `ps.growth` of two operands, each a declared
/// measure or a catalogue metric.
public struct DerivedMeasure: Sendable, Hashable {
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// a / b (none when b is 0 or none).
        case ratio
        /// a − b.
        case difference
        /// (a − b) / b (none when b is 0 or none).
        case growth
    }

    public var operation: Operation
    public var left: String
    public var right: String

    public init(_ operation: Operation, _ left: String, _ right: String) {
        self.operation = operation
        self.left = left
        self.right = right
    }
}

/// What kind of value a measure (or metric) holds, which decides how it is
/// shown and where it may be used.
public enum MeasureType: String, Sendable, Hashable, CaseIterable {
    /// An exact sum of money amounts (shown in whole units).
    case money
    /// A count or plain number.
    case number
    /// A day (shown as YYYY-MM-DD; criteria take days_since_last instead).
    case date
    /// A number of days.
    case days
    /// An event's value: a number or a text.
    case value
    /// A ratio (shown as a percentage).
    case ratio

    /// The type of a catalogue metric.
    public init(_ metric: Metric) {
        if metric.isMoney {
            self = .money
        } else if metric.isRatio {
            self = .ratio
        } else if metric == .daysSinceLastActivity || metric == .tenureDays {
            self = .days
        } else {
            self = .number
        }
    }

    /// Whether criteria, health components and flags can compare it with a number.
    public var isComparable: Bool { self != .date }
}

// MARK: - Event kinds and their fields

/// The fields an event of a kind may carry, which measures may filter and aggregate by.
public struct EventFields: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let amount = EventFields(rawValue: 1)
    public static let product = EventFields(rawValue: 2)
    public static let territory = EventFields(rawValue: 4)
    public static let name = EventFields(rawValue: 8)
    public static let value = EventFields(rawValue: 16)
    /// A credential's or certification's expiry.
    public static let expires = EventFields(rawValue: 32)

    /// The fields of a kind: a built-in kind's (README, "Data formats"); every field for a custom kind.
    public static func of(kind: String) -> EventFields {
        switch kind {
        case "revenue": [.amount, .product]
        case "deal_registered", "deal_won", "deal_lost": [.amount, .product, .territory]
        case "certification", "training", "credential": [.name]
        case "attribute": [.name, .value]
        case "login": []
        default: [.amount, .product, .territory, .name, .value]
        }
    }

    /// Built-in kinds whose amount is money.
    public static func amountIsMoney(kind: String) -> Bool {
        ["revenue", "deal_registered", "deal_won", "deal_lost"].contains(kind)
    }

    public var names: [String] {
        [(EventFields.amount, "amount"), (.product, "product"), (.territory, "territory"), (.name, "name"), (.value, "value")]
            .compactMap { contains($0.0) ? $0.1 : nil }
    }
}

extension ActivityEvent.Kind {
    /// Whether `name` is one of the kinds the host knows.
    public static func isBuiltIn(_ name: String) -> Bool { names.contains(name) }
}

// MARK: - Meaning in words

extension MeasureDefinition {
    /// The definition in a designer's words ("sum of the amount of revenue
    /// events for products voice, mobile in the last 3 months").
    public var meaning: String {
        switch self {
        case .events(let e):
            return "\(e.aggregation.words(e.number)) \(e.events.words) \(e.window.words)" + (e.ago.map { ", \($0) ago" } ?? "")
        case .periods(let p):
            let what = "\(p.aggregation.words(p.number)) \(p.events.words)"
            let fiscal = p.fiscalYearStart == 1 || p.every == .month ? "" : " (fiscal years from month \(p.fiscalYearStart))"
            return "how many of the last \(p.last) calendar \(p.every.rawValue)s\(fiscal) (the current one to date) had the "
                + "\(what) \(p.comparison.symbol) \(Self.number(p.threshold))" + (p.ago.map { ", \($0) ago" } ?? "")
        case .derived(let d):
            switch d.operation {
            case .ratio: return "\(d.left) / \(d.right)"
            case .difference: return "\(d.left) − \(d.right)"
            case .growth: return "growth of \(d.left) over \(d.right): (\(d.left) − \(d.right)) / \(d.right)"
            }
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension Aggregation {
    func words(_ number: EventNumber) -> String {
        switch self {
        case .sum: "sum of the \(number.rawValue) of"
        case .count: "number of"
        case .distinctProducts: "distinct products of"
        case .distinctTerritories: "distinct territories of"
        case .distinctNames: "distinct names of"
        case .min: "smallest \(number.rawValue) of"
        case .max: "largest \(number.rawValue) of"
        case .firstDate: "date of the first of"
        case .lastDate: "date of the last of"
        case .daysSinceLast: "days since the last of"
        case .latestValue: "\(number.rawValue) of the latest of"
        }
    }
}

extension EventSelection {
    var words: String {
        var text = kinds.joined(separator: " or ") + " events"
        if !products.isEmpty { text += " for products " + products.joined(separator: ", ") }
        if !territories.isEmpty { text += " in territories " + territories.joined(separator: ", ") }
        if !names.isEmpty { text += " named " + names.joined(separator: ", ") }
        if !whileValid.isEmpty { text += " dated while " + whileValid.map { "\($0.kind) \($0.name)" }.joined(separator: " and ") + " was valid" }
        if let authorization {
            let words = switch authorization {
            case .products: " for authorized products"
            case .territories: " in authorized territories"
            case .both: " for authorized products in authorized territories"
            case .outsideProducts: " for products outside the partner's authorizations"
            case .outsideTerritories: " in territories outside the partner's authorizations"
            case .outsideEither: " outside the partner's authorized products or territories"
            }
            text += words
        }
        return text
    }
}

extension MeasureWindow {
    var words: String {
        switch self {
        case .last(let period): "in the last \(period)"
        case .toDate(let unit, let fiscal):
            "\(unit.rawValue) to date" + (fiscal == 1 || unit == .month ? "" : " (fiscal years from month \(fiscal))")
        case .sinceEnrolment: "since enrolment"
        case .allTime: "of all time"
        case .dated(let from, let to): "from \(from) to \(to)"
        case .datedToDate(let from, let to, let unit, let fiscal):
            "from \(from) to \(to), in the \(unit.rawValue) to date" + (fiscal == 1 || unit == .month ? "" : " (fiscal years from month \(fiscal))")
        }
    }
}
