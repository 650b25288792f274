#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A policy set's measures, checked and laid out for computing: each
/// measure's type, the event kinds the measures read, and for each kind the
/// measures fed by its events. Built once when a set loads; the snapshot
/// calculator computes every partner's measures with it (``MeasureAccumulator``).
///
/// Checks (``MeasurePlanError`` names the declaration and field): names are
/// lowercase identifiers, unique, and neither a catalogue metric nor a field
/// of the partner table `p`; derived operands exist (with a did-you-mean);
/// no measure depends on itself; operand, kind and field types fit.
public final class MeasurePlan: Sendable {
    /// In the set's declaration order (the order of columns in exports).
    public let declarations: [MeasureDeclaration]
    public let types: [MeasureType]
    /// The kinds some measure reads, built-in and custom, in first-declared order.
    public let kinds: [String]
    /// The kinds that are not built in.
    public let customKinds: [String]
    /// The measures that read events (event and period measures), as the accumulator runs them.
    let readers: [Reader]
    /// Per kind (position in ``kinds``): the readers its events feed.
    let readersOfKind: [[Int]]
    /// The derived measures, each after the measures it reads, with their operands resolved.
    let derived: [(measure: Int, operation: DerivedMeasure.Operation, left: Operand, right: Operand)]

    /// A derived measure's operand: a measure's index, or a catalogue metric's.
    enum Operand: Sendable {
        case measure(Int)
        case metric(Int)
    }
    private let byName: [String: Int]

    /// No measures: snapshots carry the catalogue only.
    public static let empty = try! MeasurePlan([])

    public var count: Int { declarations.count }
    /// The measures policies declared (the first ``shownCount`` declarations;
    /// the hidden ones, incentive bases, come after them).
    public var shownCount: Int { declarations.firstIndex(where: \.isHidden) ?? declarations.count }
    /// No measures at all, shown or hidden: snapshots need no measure pass.
    public var isEmpty: Bool { declarations.isEmpty }
    /// The declared measures' names.
    public var names: [String] { declarations[..<shownCount].map(\.name) }

    /// The position of the measure named `name` (its index in a snapshot's measures).
    public func index(of name: String) -> Int? { byName[name] }

    /// Names that neither measures nor metrics may take: the other fields of the partner table `p`.
    public static let reservedNames: Set<String> = [
        "id", "name", "type", "program", "region", "country", "status", "enrolled", "as_of", "territories", "products",
        "tier", "certifications", "credentials", "attributes", "milestones", "measures",
    ]

    public init(_ declarations: [MeasureDeclaration]) throws(MeasurePlanError) {
        self.declarations = declarations
        var byName: [String: Int] = [:]
        for (i, d) in declarations.enumerated() {
            func fail(_ message: String) -> MeasurePlanError { MeasurePlanError(declaration: i, field: "name", message: message) }
            guard d.isHidden || MeasurePlan.isIdentifier(d.name) else {
                throw fail("'\(d.name)' is not a measure name: use lowercase letters, digits and _ (starting with a letter)")
            }
            if Metric(name: d.name) != nil {
                throw fail("'\(d.name)' is a catalogue metric; give the measure a name of its own")
            }
            if MeasurePlan.reservedNames.contains(d.name) {
                throw fail("'\(d.name)' is a field of the partner table p; give the measure another name")
            }
            if let other = byName[d.name] {
                throw fail("measure '\(d.name)' is declared twice (first at \(declarations[other].location))")
            }
            byName[d.name] = i
        }
        self.byName = byName

        // Derived operands, then an order that puts every measure after those it reads.
        var order: [Int] = []
        var state = [UInt8](repeating: 0, count: declarations.count)   // 0 new, 1 on the path, 2 done
        var path: [Int] = []
        func visit(_ i: Int) throws(MeasurePlanError) {
            if state[i] == 2 { return }
            if state[i] == 1 {
                let cycle = path[path.lastIndex(of: i)!...].map { declarations[$0].name } + [declarations[i].name]
                throw MeasurePlanError(declaration: i, field: "operands",
                                       message: "measures depend on each other in a cycle: " + cycle.joined(separator: " → "))
            }
            guard case .derived(let derived) = declarations[i].definition else {
                state[i] = 2
                order.append(i)
                return
            }
            state[i] = 1
            path.append(i)
            for (field, operand) in [("1", derived.left), ("2", derived.right)] {
                if let j = byName[operand] {
                    try visit(j)
                } else if Metric(name: operand) == nil {
                    let candidates = Metric.allCases.map(\.name) + declarations.map(\.name)
                    throw MeasurePlanError(declaration: i, field: "[\(field)]",
                                           message: "no measure or metric named '\(operand)'"
                                               + (Suggestion.closest(to: operand, among: candidates).map { " — did you mean '\($0)'?" }
                                                  ?? " (declare it in measures, or see docs/policies.md for the metrics)"))
                }
            }
            path.removeLast()
            state[i] = 2
            order.append(i)
        }
        for i in declarations.indices { try visit(i) }
        derived = order.compactMap { i in
            guard case .derived(let d) = declarations[i].definition else { return nil }
            func operand(_ name: String) -> Operand { byName[name].map(Operand.measure) ?? .metric(Metric(name: name)!.rawValue) }
            return (i, d.operation, operand(d.left), operand(d.right))
        }

        // Types, operands before the measures that read them.
        var types = [MeasureType](repeating: .number, count: declarations.count)
        for i in order {
            types[i] = try MeasurePlan.type(of: declarations[i], index: i) { name in
                byName[name].map { types[$0] } ?? Metric(name: name).map(MeasureType.init) ?? .number
            }
        }
        self.types = types

        // Kinds and readers.
        var kinds: [String] = []
        var readers: [Reader] = []
        var readersOfKind: [[Int]] = []
        var stride = 0
        for (i, d) in declarations.enumerated() {
            let selection: EventSelection
            switch d.definition {
            case .events(let e): selection = e.events
            case .periods(let p): selection = p.events
            case .derived: continue
            }
            var reader = Reader(measure: i, definition: d.definition, stateOffset: stride)
            // Money sums are made exact decimals (Money.exact), as the catalogue's are.
            reader.money = (try? MeasurePlan.eventType(selection, reader.aggregation, reader.number, reader.format, index: i)) == .money
            stride += reader.stateCount
            // A reader counting events while credentials are valid is fed their records too.
            for kind in selection.kinds + selection.whileValid.map(\.kind) {
                let slot: Int
                if let known = kinds.firstIndex(of: kind) {
                    slot = known
                } else {
                    slot = kinds.count
                    kinds.append(kind)
                    readersOfKind.append([])
                }
                if !readersOfKind[slot].contains(readers.count) { readersOfKind[slot].append(readers.count) }
            }
            reader.kindCount = selection.kinds.count
            readers.append(reader)
        }
        self.kinds = kinds
        kindBytes = kinds.map { Array($0.utf8) }
        customKinds = kinds.filter { !ActivityEvent.Kind.isBuiltIn($0) }
        self.readers = readers
        self.readersOfKind = readersOfKind
        statesPerPartner = stride
        usesAuthorizations = readers.contains { $0.selection.authorization != nil }
        // Per reader, per requirement: the kind slot of its records.
        validitySlots = readers.map { reader in reader.selection.whileValid.map { kinds.firstIndex(of: $0.kind)! } }
        validityNames = readers.map { reader in reader.selection.whileValid.map { Array($0.name.utf8) } }
    }

    /// Accumulator states per partner (a period measure has one per period).
    let statesPerPartner: Int
    private let kindBytes: [[UInt8]]
    /// Whether some measure filters by the partner's authorizations.
    let usesAuthorizations: Bool
    /// Per reader, the kind slot and name (bytes) of each validity requirement (empty for most).
    let validitySlots: [[Int]]
    let validityNames: [[[UInt8]]]

    /// The position of `kind` in ``kinds``, if some measure reads it.
    public func kindSlot(_ kind: String) -> Int? { kinds.firstIndex(of: kind) }

    /// The kind slot of a kind given as UTF-8 bytes (as a store reads it), without making a String.
    public func kindSlot(bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        for slot in kindBytes.indices where kindBytes[slot].count == bytes.count {
            if kindBytes[slot].withUnsafeBufferPointer({ Bytes.equal($0, bytes) }) { return slot }
        }
        return nil
    }

    /// The fields of kind `slot`'s events its measures read (a store may
    /// leave the others out of what it reads).
    public func fields(ofKind slot: Int) -> EventFields {
        var fields: EventFields = []
        for r in readersOfKind[slot] {
            let reader = readers[r]
            if reader.aggregation.readsNumber { fields.insert(reader.number == .amount ? .amount : .value) }
            if !reader.products.isEmpty || reader.aggregation == .distinctProducts { fields.insert(.product) }
            if !reader.territories.isEmpty || reader.aggregation == .distinctTerritories { fields.insert(.territory) }
            if !reader.names.isEmpty || reader.aggregation == .distinctNames { fields.insert(.name) }
            if validitySlots[r].contains(slot) { fields.formUnion([.name, .expires]) }
            switch reader.selection.authorization {
            case .products?, .outsideProducts?: fields.insert(.product)
            case .territories?, .outsideTerritories?: fields.insert(.territory)
            case .both?, .outsideEither?: fields.formUnion([.product, .territory])
            case nil: break
            }
        }
        return fields
    }

    /// The earliest day (exclusive) any measure reading kind `slot` needs as
    /// of `asOf`, so a store can skip older events: `Int32.min` when some
    /// measure reads all time or since enrolment.
    public func lowerBound(ofKind slot: Int, asOf: Day) -> Int32 {
        var lowest = Int32.max
        for r in readersOfKind[slot] {
            // Validity records count from the first: the latest one before a day decides it.
            if validitySlots[r].contains(slot) { return .min }
            let bounds = readers[r].bounds(asOf: asOf)
            if bounds.sinceEnrolment { return .min }
            lowest = Swift.min(lowest, bounds.low)
        }
        return lowest
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else { return false }
        return name.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") }
    }
}

/// A declaration the plan refuses: which one (its position in the list
/// given), the field, and what is wrong.
public struct MeasurePlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var declaration: Int
    public var field: String
    public var message: String

    public var description: String { "measures[\(declaration + 1)].\(field): \(message)" }
}

// MARK: - Types

extension MeasurePlan {
    /// The type of a declaration; errors for kinds, fields and operands that do not fit.
    static func type(of d: MeasureDeclaration, index: Int, operandType: (String) -> MeasureType) throws(MeasurePlanError) -> MeasureType {
        func fail(_ field: String, _ message: String) -> MeasurePlanError {
            MeasurePlanError(declaration: index, field: field, message: message)
        }
        switch d.definition {
        case .events(let e):
            try check(e.events, index: index)
            return try eventType(e.events, e.aggregation, e.number, e.format, index: index)
        case .periods(let p):
            try check(p.events, index: index)
            guard p.last >= 1 && p.last <= 120 else { throw fail("last", "expected how many periods to look at, 1 to 120") }
            guard (1...12).contains(p.fiscalYearStart) else { throw fail("fiscal_year_start", "expected a month, 1 to 12") }
            let measured = try eventType(p.events, p.aggregation, p.number, p.format, index: index)
            guard measured.isComparable, measured != .value else {
                throw fail("aggregate", "a period is counted by comparing a number with a threshold; '\(p.aggregation.rawValue)' gives a \(measured.rawValue)")
            }
            return .number
        case .derived(let derived):
            let a = operandType(derived.left), b = operandType(derived.right)
            for (position, operand, type) in [("[1]", derived.left, a), ("[2]", derived.right, b)] where type == .date || type == .value {
                throw fail(position, "'\(operand)' is a \(type == .date ? "date" : "value that may be text"); \(derived.operation.rawValue) needs numbers"
                           + (type == .date ? " (use days_since_last for recency)" : ""))
            }
            switch derived.operation {
            case .ratio, .growth:
                if derived.operation == .growth && a != b {
                    throw fail("[2]", "growth compares like with like: '\(derived.left)' is \(a.rawValue), '\(derived.right)' is \(b.rawValue)")
                }
                return .ratio
            case .difference:
                guard a == b else {
                    throw fail("[2]", "a difference needs two values of one type: '\(derived.left)' is \(a.rawValue), '\(derived.right)' is \(b.rawValue)")
                }
                return a
            }
        }
    }

    /// Filters must name fields the kinds have.
    private static func check(_ selection: EventSelection, index: Int) throws(MeasurePlanError) {
        guard !selection.kinds.isEmpty else { throw MeasurePlanError(declaration: index, field: "kind", message: "expected an event kind") }
        for (field, needed, given) in [("products", EventFields.product, !selection.products.isEmpty),
                                       ("territories", .territory, !selection.territories.isEmpty),
                                       ("names", .name, !selection.names.isEmpty)] where given {
            if let kind = selection.kinds.first(where: { !EventFields.of(kind: $0).contains(needed) }) {
                throw MeasurePlanError(declaration: index, field: field,
                                       message: "\(kind) events have no \(needed.names[0]) (they carry: \(fieldList(kind)))")
            }
        }
        if let authorization = selection.authorization {
            let needed: EventFields = switch authorization {
            case .products, .outsideProducts: .product
            case .territories, .outsideTerritories: .territory
            case .both, .outsideEither: [.product, .territory]
            }
            let field = [.products, .territories, .both].contains(authorization) ? "authorized" : "unauthorized"
            if let kind = selection.kinds.first(where: { !EventFields.of(kind: $0).isSuperset(of: needed) }) {
                throw MeasurePlanError(declaration: index, field: field,
                                       message: "\(kind) events have no \(needed.names.joined(separator: " and ")) to check against the partner's authorizations (they carry: \(fieldList(kind)))")
            }
        }
    }

    private static func fieldList(_ kind: String) -> String {
        let names = EventFields.of(kind: kind).names
        return names.isEmpty ? "no fields but the date" : names.joined(separator: ", ")
    }

    private static func eventType(_ selection: EventSelection, _ aggregation: Aggregation, _ number: EventNumber,
                                  _ format: MeasureType?, index: Int) throws(MeasurePlanError) -> MeasureType {
        func fail(_ field: String, _ message: String) -> MeasurePlanError {
            MeasurePlanError(declaration: index, field: field, message: message)
        }
        func needs(_ field: EventFields, for what: String) throws(MeasurePlanError) {
            if let kind = selection.kinds.first(where: { !EventFields.of(kind: $0).contains(field) }) {
                throw fail("aggregate", "\(what) reads the \(field.names[0]) of each event, and \(kind) events have none (they carry: \(fieldList(kind)))")
            }
        }
        switch aggregation {
        case .count: return .number
        case .distinctProducts:
            try needs(.product, for: "distinct_products")
            return .number
        case .distinctTerritories:
            try needs(.territory, for: "distinct_territories")
            return .number
        case .distinctNames:
            try needs(.name, for: "distinct_names")
            return .number
        case .firstDate, .lastDate: return .date
        case .daysSinceLast: return .days
        case .sum, .min, .max, .latestValue:
            try needs(number == .amount ? .amount : .value, for: aggregation.rawValue)
            if let format {
                guard format == .money || format == .number else {
                    throw fail("format", "expected \"money\" or \"number\"")
                }
                return format
            }
            if number == .value { return aggregation == .latestValue ? .value : .number }
            let money = selection.kinds.filter { EventFields.amountIsMoney(kind: $0) }
            if money.isEmpty { return .number }
            if money.count < selection.kinds.count {
                let other = selection.kinds.first { !EventFields.amountIsMoney(kind: $0) }!
                throw fail("kind", "the amounts of \(money.joined(separator: ", ")) are money and those of \(other) are not; "
                           + "measure them separately, or declare format = \"money\"")
            }
            return .money
        }
    }
}

// MARK: - Readers

extension MeasurePlan {
    /// An event or period measure as the accumulator runs it.
    struct Reader: Sendable {
        let measure: Int
        let selection: EventSelection
        let aggregation: Aggregation
        let number: EventNumber
        let window: MeasureWindow
        let ago: Period?
        /// Period measures: the unit, how many, the fiscal start, the condition.
        let every: CalendarUnit?
        let periods: Int
        let fiscalYearStart: Int
        let comparison: Comparison
        let threshold: Double
        let stateOffset: Int
        var kindCount = 0
        /// Whether what it aggregates is money.
        var money = false
        let format: MeasureType?
        /// The filters' names as bytes (compared without Strings).
        let products: [[UInt8]], territories: [[UInt8]], names: [[UInt8]]

        init(measure: Int, definition: MeasureDefinition, stateOffset: Int) {
            self.measure = measure
            self.stateOffset = stateOffset
            switch definition {
            case .events(let e):
                (selection, aggregation, number, window, ago, format) = (e.events, e.aggregation, e.number, e.window, e.ago, e.format)
                (every, periods, fiscalYearStart, comparison, threshold) = (nil, 1, 1, .atLeast, 0)
            case .periods(let p):
                (selection, aggregation, number, window, ago, format) = (p.events, p.aggregation, p.number, .allTime, p.ago, p.format)
                (every, periods, fiscalYearStart, comparison, threshold) = (p.every, p.last, p.fiscalYearStart, p.comparison, p.threshold)
            case .derived:
                preconditionFailure("a derived measure reads no events")
            }
            products = selection.products.map { Array($0.utf8) }
            territories = selection.territories.map { Array($0.utf8) }
            names = selection.names.map { Array($0.utf8) }
        }

        var stateCount: Int { periods }

        /// The measure's own as-of day: D, or D − ago.
        func asOf(_ day: Day) -> Day { ago.map { $0.before(day) } ?? day }

        /// The days counted as of `asOf`: `(low, high]`; since enrolment, the
        /// low bound is each partner's enrolment day − 1. Period measures:
        /// `starts` holds each period's exclusive low bound, oldest first.
        func bounds(asOf day: Day) -> Bounds {
            let end = asOf(day)
            let high = end.daysSinceEpoch
            if let every {
                let current = every.start(of: end, fiscalYearStart: fiscalYearStart)
                let starts = (0..<periods).map { k in
                    every.start(after: current, count: k - (periods - 1)).daysSinceEpoch - 1
                }
                return Bounds(low: starts[0], high: high, sinceEnrolment: false, starts: starts)
            }
            switch window {
            case .last(let period): return Bounds(low: period.before(end).daysSinceEpoch, high: high)
            case .toDate(let unit, let fiscal): return Bounds(low: unit.start(of: end, fiscalYearStart: fiscal).daysSinceEpoch - 1, high: high)
            case .sinceEnrolment: return Bounds(low: .min, high: high, sinceEnrolment: true)
            case .allTime: return Bounds(low: .min, high: high)
            case .dated(let from, let to): return Bounds(low: from.daysSinceEpoch - 1, high: Swift.min(high, to.daysSinceEpoch))
            case .datedToDate(let from, let to, let unit, let fiscal):
                let start = Swift.max(from, unit.start(of: end, fiscalYearStart: fiscal))
                return Bounds(low: start.daysSinceEpoch - 1, high: Swift.min(high, to.daysSinceEpoch))
            }
        }
    }

    struct Bounds: Sendable {
        var low: Int32
        var high: Int32
        var sinceEnrolment = false
        var starts: [Int32] = []
    }
}

/// Byte comparisons for names read from a store.
enum Bytes {
    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0 else { return true }
        return memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    /// Whether `bytes` equals one of `list`.
    @inline(__always)
    static func contains(_ list: [[UInt8]], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for item in list where item.count == bytes.count {
            if item.withUnsafeBufferPointer({ equal($0, bytes) }) { return true }
        }
        return false
    }
}
