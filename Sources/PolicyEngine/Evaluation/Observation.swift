import PartnerModel

/// What a partner has, as a criterion or health component found it: the
/// value and the way to put it in words (`"182,300"`, `"48.5%"`,
/// `"valid until 2027-01-31"`, `"none"`).
///
/// Kept as a value rather than as its words: an evaluation reads a dozen
/// values, and most evaluations are recorded, compared or counted rather
/// than read, so the words are made only where they are shown — and the
/// decision log copies their bytes straight into a decision's JSON
/// (``withWords(_:)``), or leaves them out where its texts can give them.
public enum Observation: Sendable, Hashable {
    /// Words as given: a function's own text, a credential's validity.
    case words(String)
    /// A metric's value, written the metric's way (``Format/metric(_:_:)``).
    case metric(Double, Metric)
    /// A plain number (``Format/number(_:money:)``).
    case number(Double)
    /// A declared measure's value, written its type's way (``Format/value(_:_:)``).
    case measure(Double, MeasureType)
    /// Nothing to observe.
    case none

    /// In words.
    public var words: String {
        if case .words(let words) = self { return words }
        return withWords { String(decoding: $0, as: UTF8.self) }
    }

    /// The words' UTF-8 bytes, valid only inside `body`.
    public func withWords<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch self {
        case .words(var words): return words.withUTF8(body)
        case .metric(let value, let metric): return Format.withMetric(value, metric, body)
        case .number(let value): return Format.withNumber(value, body)
        case .measure(let value, let type): return Format.withValue(value, type, body)
        case .none: return Format.word("none", body)
        }
    }

    /// How a measure's value of `type` is observed: money, ratios and dates
    /// in their own words, the others as plain numbers.
    public static func measured(_ value: Double, _ type: MeasureType) -> Observation {
        switch type {
        case .money, .ratio, .date: .measure(value, type)
        case .number, .days, .value: .number(value)
        }
    }

    /// Whether both read the same: the same value written the same way, or the same words.
    static func sameWords(_ a: Observation, _ b: Observation) -> Bool {
        switch (a, b) {
        case (.metric(let x, let m), .metric(let y, let n)) where m == n && x == y: true
        case (.number(let x), .number(let y)) where x == y: true
        case (.measure(let x, let t), .measure(let y, let u)) where t == u && x == y: true
        case (.none, .none): true
        default: a.words == b.words
        }
    }
}
