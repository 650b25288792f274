/// One event as a store hands it to the measures: plain values, and its
/// texts as UTF-8 bytes valid only during ``MeasureAccumulator/add(partner:kind:_:)``
/// (no String is made per event; any store engine can feed them).
public struct MeasureEvent {
    public var day: Int32
    /// The event's id: of two events on one day, the higher is the later.
    public var sequence: Int64
    public var amount: Double?
    /// The event's value, when it is a number.
    public var number: Double?
    /// The event's value, when it is a text.
    public var text: UnsafeBufferPointer<UInt8>?
    public var product: UnsafeBufferPointer<UInt8>?
    public var territory: UnsafeBufferPointer<UInt8>?
    public var name: UnsafeBufferPointer<UInt8>?
    /// A credential's or certification's last valid day (nil: it does not expire, or the kind has none).
    public var expires: Int32?

    public init(day: Int32, sequence: Int64, amount: Double? = nil, number: Double? = nil, text: UnsafeBufferPointer<UInt8>? = nil,
                product: UnsafeBufferPointer<UInt8>? = nil, territory: UnsafeBufferPointer<UInt8>? = nil,
                name: UnsafeBufferPointer<UInt8>? = nil) {
        self.day = day
        self.sequence = sequence
        self.amount = amount
        self.number = number
        self.text = text
        self.product = product
        self.territory = territory
        self.name = name
    }
}

/// A partner's measure values: one per measure of the plan (NaN: none; a
/// date as its day number), and the text of `latest_value` measures whose
/// latest value is a text.
public struct MeasureValues: Sendable, Hashable {
    public var values: [Double]
    /// (measure, text), by measure; most partners have none.
    public var texts: [MeasureText]

    public init(values: [Double] = [], texts: [MeasureText] = []) {
        self.values = values
        self.texts = texts
    }

    public static func == (a: MeasureValues, b: MeasureValues) -> Bool {
        a.texts == b.texts && a.values.elementsEqual(b.values) { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(values.count) }

    /// The text value of measure `index`, if it has one.
    public func text(_ index: Int) -> String? {
        for t in texts where t.measure == index { return t.text }
        return nil
    }
}

public struct MeasureText: Sendable, Hashable {
    public var measure: Int
    public var text: String

    public init(measure: Int, text: String) {
        self.measure = measure
        self.text = text
    }
}

/// Computes the measures of a chunk of partners from their events, fed one
/// event at a time in any order (``add(partner:kind:_:)``), then read per
/// partner (``values(partner:catalogue:)``). The result depends only on the
/// events fed, never on their order: sums are exact (``ExactSum``), ties on
/// a day go to the higher sequence, distinct counts count byte-equal names once.
///
/// Nothing is allocated per event except the first time a distinct name or
/// a latest text is seen for a partner (copied into the chunk's own bytes).
public struct MeasureAccumulator {
    public let plan: MeasurePlan
    public let asOf: Day
    /// The readers with their bounds resolved as of the day, in plan order.
    private let cores: [Core]
    private let kindReaders: [[Int]]
    private let stride: Int
    private let partnerCount: Int
    private var states: [State]
    private var distinct = DistinctSet()
    /// Each partner's enrolment day (since-enrolment windows).
    private let enrolled: [Int32]
    /// Each partner's authorized products and territories as bytes (only when a measure filters by them).
    private let authorizations: [AuthorizedNames]
    /// Bytes of the latest text values.
    private var textBytes: [UInt8] = []
    /// Readers counting only days when credentials are valid (``EventSelection/whileValid``):
    /// their events and the partners' validity records are kept per partner and
    /// summed when read, so the result does not depend on the order events come in.
    private var gatedEvents: [[GatedEvent]] = []
    private var validityRecords: [[ValidityRecord]] = []

    struct GatedEvent {
        var reader: Int32
        var day: Int32
        var amount: Double
    }

    struct ValidityRecord {
        var reader: Int32
        var requirement: Int32
        var day: Int32
        var sequence: Int64
        var expires: Int32?
    }

    struct Core {
        var low: Int32
        var high: Int32
        /// The measure's own as-of day (D, or D − ago), which days_since_last counts to.
        var end: Int32
        var sinceEnrolment: Bool
        var aggregation: Aggregation
        var readsValue: Bool
        /// Sums of money are exact decimals (``Money/exact(_:)``).
        var money: Bool
        var stateOffset: Int
        var periods: Int
        var hasNameFilters: Bool
        var authorization: AuthorizationFilter?
        /// Counts only days when credentials were valid (``EventSelection/whileValid``).
        var gated: Bool
    }

    /// One accumulator state; a period measure has one per period.
    struct State {
        var count: Int64 = 0
        var sum = ExactSum()
        var low = Double.infinity
        var high = -Double.infinity
        var firstDay = Int32.max
        var lastDay = Int32.min
        var lastSequence = Int64.min
        var latestNumber = Double.nan
        /// The latest text value in `textBytes` (count < 0: none).
        var latestText: (offset: Int32, count: Int32) = (0, -1)
    }

    struct AuthorizedNames {
        var products: [[UInt8]]
        var territories: [[UInt8]]
    }

    /// Periods' exclusive low bounds, per reader (empty for event measures).
    private let starts: [[Int32]]

    public init(plan: MeasurePlan, asOf: Day, partners: [Partner]) {
        self.plan = plan
        self.asOf = asOf
        var cores: [Core] = [], starts: [[Int32]] = []
        for reader in plan.readers {
            let b = reader.bounds(asOf: asOf)
            cores.append(Core(low: b.low, high: b.high, end: reader.asOf(asOf).daysSinceEpoch, sinceEnrolment: b.sinceEnrolment, aggregation: reader.aggregation,
                              readsValue: reader.number == .value, money: reader.money, stateOffset: reader.stateOffset, periods: reader.periods,
                              hasNameFilters: !reader.products.isEmpty || !reader.territories.isEmpty || !reader.names.isEmpty,
                              authorization: reader.selection.authorization, gated: !reader.selection.whileValid.isEmpty))
            starts.append(b.starts)
        }
        self.cores = cores
        self.starts = starts
        kindReaders = plan.readersOfKind
        stride = plan.statesPerPartner
        partnerCount = partners.count
        states = Array(repeating: State(), count: partners.count * plan.statesPerPartner)
        enrolled = cores.contains(where: \.sinceEnrolment) ? partners.map(\.enrolled.daysSinceEpoch) : []
        authorizations = plan.usesAuthorizations
            ? partners.map { AuthorizedNames(products: $0.products.map { Array($0.utf8) }, territories: $0.territories.map { Array($0.utf8) }) }
            : []
        if plan.validitySlots.contains(where: { !$0.isEmpty }) {
            gatedEvents = Array(repeating: [], count: partners.count)
            validityRecords = Array(repeating: [], count: partners.count)
        }
    }

    /// Fold in one event of kind `slot` (``MeasurePlan/kindSlot(bytes:)``) of the partner at `position`.
    public mutating func add(partner position: Int, kind slot: Int, _ event: MeasureEvent) {
        for r in kindReaders[slot] {
            let core = cores[r]
            if core.gated, addValidity(r, slot, position, event) { continue }
            guard event.day <= core.high else { continue }
            if core.sinceEnrolment {
                guard event.day >= enrolled[position] else { continue }
            } else if event.day <= core.low {
                continue
            }
            if core.hasNameFilters || core.authorization != nil, !passes(r, core, position, event) { continue }
            var state = position * stride + core.stateOffset
            if core.periods > 1 {
                // The period holding the day: the last whose low bound is below it.
                var k = core.periods - 1
                while k > 0 && event.day <= starts[r][k] { k -= 1 }
                state += k
            }
            if core.gated {
                // Summed when read, once the partner's validity records are all in.
                if let amount = event.amount { gatedEvents[position].append(GatedEvent(reader: Int32(r), day: event.day, amount: amount)) }
                continue
            }
            update(state, core, event)
        }
    }

    /// Keep the event as a validity record of reader `r` when it is one (its kind and name); true if it was.
    private mutating func addValidity(_ r: Int, _ slot: Int, _ position: Int, _ event: MeasureEvent) -> Bool {
        var isRecord = false
        for (i, requirementSlot) in plan.validitySlots[r].enumerated() where requirementSlot == slot {
            // A kind both read and required (not for money bases) counts as a record only.
            isRecord = true
            guard let name = event.name, plan.validityNames[r][i].withUnsafeBufferPointer({ Bytes.equal($0, name) }) else { continue }
            validityRecords[position].append(ValidityRecord(reader: Int32(r), requirement: Int32(i), day: event.day,
                                                            sequence: event.sequence, expires: event.expires))
        }
        return isRecord
    }

    /// Whether every requirement of reader `r` was valid on `day` for the partner at `position`:
    /// the latest record dated on or before the day (on one day, the higher sequence) expires on or after it.
    private func valid(_ r: Int, on day: Int32, _ position: Int) -> Bool {
        for i in plan.validitySlots[r].indices {
            var latest: ValidityRecord?
            for record in validityRecords[position] where record.reader == Int32(r) && record.requirement == Int32(i) && record.day <= day {
                if let l = latest, (l.day, l.sequence) > (record.day, record.sequence) { continue }
                latest = record
            }
            guard let latest, latest.expires.map({ day <= $0 }) ?? true else { return false }
        }
        return true
    }

    private func passes(_ r: Int, _ core: Core, _ position: Int, _ event: MeasureEvent) -> Bool {
        let reader = plan.readers[r]
        if !reader.products.isEmpty {
            guard let product = event.product, Bytes.contains(reader.products, product) else { return false }
        }
        if !reader.territories.isEmpty {
            guard let territory = event.territory, Bytes.contains(reader.territories, territory) else { return false }
        }
        if !reader.names.isEmpty {
            guard let name = event.name, Bytes.contains(reader.names, name) else { return false }
        }
        guard let filter = core.authorization else { return true }
        let own = authorizations[position]
        // nil: the event has no such field (neither inside nor outside).
        func inside(_ list: [[UInt8]], _ bytes: UnsafeBufferPointer<UInt8>?) -> Bool? {
            guard let bytes else { return nil }
            return Partner.authorizes(list) { item in item.withUnsafeBufferPointer { Bytes.equal($0, bytes) } }
        }
        switch filter {
        case .products: return inside(own.products, event.product) == true
        case .territories: return inside(own.territories, event.territory) == true
        case .both: return inside(own.products, event.product) == true && inside(own.territories, event.territory) == true
        case .outsideProducts: return inside(own.products, event.product) == false
        case .outsideTerritories: return inside(own.territories, event.territory) == false
        case .outsideEither:
            return inside(own.products, event.product) == false || inside(own.territories, event.territory) == false
        }
    }

    private mutating func update(_ i: Int, _ core: Core, _ event: MeasureEvent) {
        let number = core.readsValue ? event.number : event.amount
        switch core.aggregation {
        case .count:
            states[i].count += 1
        case .sum:
            if let number { states[i].sum.add(number) }
        case .min:
            if let number, number < states[i].low { states[i].low = number }
        case .max:
            if let number, number > states[i].high { states[i].high = number }
        case .distinctProducts, .distinctTerritories, .distinctNames:
            let field = core.aggregation == .distinctProducts ? event.product
                : core.aggregation == .distinctTerritories ? event.territory : event.name
            if let field, distinct.insert(owner: Int32(i), field) { states[i].count += 1 }
        case .firstDate:
            if event.day < states[i].firstDay { states[i].firstDay = event.day }
        case .lastDate, .daysSinceLast:
            if event.day > states[i].lastDay { states[i].lastDay = event.day }
        case .latestValue:
            // The latest event that has a value wins; on one day, the later one.
            let text = core.readsValue ? event.text : nil
            guard number != nil || text != nil else { return }
            guard (event.day, event.sequence) > (states[i].lastDay, states[i].lastSequence) else { return }
            states[i].lastDay = event.day
            states[i].lastSequence = event.sequence
            states[i].latestNumber = number ?? .nan
            if let text {
                states[i].latestText = (Int32(textBytes.count), Int32(text.count))
                textBytes.append(contentsOf: text)
            } else {
                states[i].latestText = (0, -1)
            }
        }
    }

    /// The measures of the partner at `position`; `catalogue` is its snapshot's
    /// metric values (``PartnerSnapshot/values``), which derived measures may read.
    public func values(partner position: Int, catalogue: [Double]) -> MeasureValues {
        var values = [Double](repeating: .nan, count: plan.count)
        var texts: [MeasureText] = []
        for r in cores.indices {
            let core = cores[r]
            let base = position * stride + core.stateOffset
            let measure = plan.readers[r].measure
            if !starts[r].isEmpty {
                // A period measure: how many periods meet the condition (none never does).
                let reader = plan.readers[r]
                var met = 0
                for k in 0..<core.periods {
                    let value = Self.value(states[base + k], core)
                    if !value.isNaN && reader.comparison.holds(value, reader.threshold) { met += 1 }
                }
                values[measure] = Double(met)
                continue
            }
            var state = states[base]
            if core.gated {
                for event in gatedEvents[position] where event.reader == Int32(r) && valid(r, on: event.day, position) {
                    state.sum.add(event.amount)
                }
            }
            values[measure] = Self.value(state, core)
            if core.aggregation == .latestValue, state.latestText.count >= 0 {
                let range = Int(state.latestText.offset)..<Int(state.latestText.offset + state.latestText.count)
                texts.append(MeasureText(measure: measure, text: String(decoding: textBytes[range], as: UTF8.self)))
            }
        }
        for (i, operation, left, right) in plan.derived {
            func operand(_ o: MeasurePlan.Operand) -> Double {
                switch o {
                case .measure(let j): values[j]
                case .metric(let m): m < catalogue.count ? catalogue[m] : .nan
                }
            }
            let a = operand(left), b = operand(right)
            switch operation {
            case .ratio: values[i] = b == 0 || b.isNaN ? .nan : a / b
            case .difference: values[i] = a - b
            case .growth: values[i] = b == 0 || b.isNaN ? .nan : (a - b) / b
            }
        }
        if texts.count > 1 { texts.sort { $0.measure < $1.measure } }
        return MeasureValues(values: values, texts: texts)
    }

    private static func value(_ state: State, _ core: Core) -> Double {
        switch core.aggregation {
        case .count, .distinctProducts, .distinctTerritories, .distinctNames: Double(state.count)
        case .sum: core.money ? state.sum.money : state.sum.value
        case .min: state.low == .infinity ? .nan : state.low
        case .max: state.high == -.infinity ? .nan : state.high
        case .firstDate: state.firstDay == .max ? .nan : Double(state.firstDay)
        case .lastDate: state.lastDay == .min ? .nan : Double(state.lastDay)
        case .daysSinceLast: state.lastDay == .min ? .nan : Double(core.end - state.lastDay)
        case .latestValue: state.latestNumber
        }
    }
}

/// Distinct names per accumulator state: an open-addressing hash set of
/// (state, bytes), the bytes copied into one buffer of its own.
struct DistinctSet {
    private var slots: [Entry] = []
    private var used = 0
    private var bytes: [UInt8] = []

    struct Entry {
        var owner: Int32 = -1
        var offset: Int32 = 0
        var count: Int32 = 0
        var hash: UInt32 = 0
    }

    /// Add `name` for `owner`; true when it was not there yet.
    mutating func insert(owner: Int32, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        if (used + 1) * 4 > slots.count * 3 { grow() }
        let hash = Self.hash(owner, name)
        var i = Int(hash) & (slots.count - 1)
        while slots[i].owner >= 0 {
            let e = slots[i]
            if e.owner == owner && e.hash == hash && Int(e.count) == name.count
                && bytes.withUnsafeBufferPointer({ Bytes.equal(UnsafeBufferPointer(rebasing: $0[Int(e.offset)..<Int(e.offset + e.count)]), name) }) {
                return false
            }
            i = (i + 1) & (slots.count - 1)
        }
        slots[i] = Entry(owner: owner, offset: Int32(bytes.count), count: Int32(name.count), hash: hash)
        bytes.append(contentsOf: name)
        used += 1
        return true
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Entry(), count: Swift.max(64, old.count * 2))
        for e in old where e.owner >= 0 {
            var i = Int(e.hash) & (slots.count - 1)
            while slots[i].owner >= 0 { i = (i + 1) & (slots.count - 1) }
            slots[i] = e
        }
    }

    /// FNV-1a over the owner and the bytes.
    private static func hash(_ owner: Int32, _ name: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        var o = UInt32(bitPattern: owner)
        for _ in 0..<4 {
            h = (h ^ (o & 0xFF)) &* 16_777_619
            o >>= 8
        }
        for b in name { h = (h ^ UInt32(b)) &* 16_777_619 }
        return h
    }
}
