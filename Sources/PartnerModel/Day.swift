/// A calendar day (no time, no zone): what partner programs count in.
/// Stored as days since 1970-01-01; parsed from and printed as `YYYY-MM-DD`.
///
/// ```swift
/// let asOf = try Day(parsing: "2024-03-31")
/// asOf.adding(months: -1)   // 2024-02-29 (clamped to the month's end)
/// ```
///
/// Two ranges keep every date the host computes exact and printable:
/// input names a day in ``supported`` (1900-01-01 … 2999-12-31), and a
/// policy's periods are at most ``longestSpanInYears`` long, so every window,
/// deadline and expiry the host derives stays far inside ``representable``
/// (the years written with four digits). Arithmetic never traps: a result
/// beyond ``representable`` is clamped to its ends.
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var daysSinceEpoch: Int32

    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// The days any input may name: dates in import files and API bodies,
    /// `--as-of`, `as_of`, `from`/`to`, fixtures, a policy's `effective`.
    public static let supported = Day(civil: 1900, 1, 1)...Day(civil: 2999, 12, 31)

    /// The longest period a policy may declare (remediation, milestone
    /// deadlines, gate warnings, intervention steps; the policy loader
    /// refuses longer ones): a supported day plus such a span falls far
    /// inside ``representable``.
    public static let longestSpanInYears = 100

    /// What day arithmetic clamps to: the days written `YYYY-MM-DD` with a
    /// four-digit year, and what stored decisions read back.
    public static let representable = Day(daysSinceEpoch: firstRepresentable)...Day(daysSinceEpoch: lastRepresentable)

    // 0001-01-01 and 9999-12-31 as literals: constants, not lazily made
    // globals, so the arithmetic on the evaluation's path checks no once-token.
    @usableFromInline static let firstRepresentable: Int32 = -719_162
    @usableFromInline static let lastRepresentable: Int32 = 2_932_896

    private init(civil year: Int, _ month: Int, _ day: Int) {
        daysSinceEpoch = Int32(Day.daysFromCivil(year: year, month: month, day: day))
    }

    /// The day with the given calendar fields, or nil when it does not exist
    /// (2023-02-29) or its year is outside 1…9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= Day.daysIn(month: month, year: year) else { return nil }
        daysSinceEpoch = Int32(Day.daysFromCivil(year: year, month: month, day: day))
    }

    /// Parse `YYYY-MM-DD` strictly: a day that exists, inside ``supported``.
    public init(parsing text: some StringProtocol) throws(DayParseError) {
        self = try Day.parse(text, within: Day.supported)
    }

    /// The day `bytes` (UTF-8) name as ``init(parsing:)`` reads them; nil when it would refuse.
    public static func parsed(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Day? {
        guard case .success(let day) = parse(bytes, within: supported) else { return nil }
        return day
    }

    private static func parse(_ text: some StringProtocol, within range: ClosedRange<Day>) throws(DayParseError) -> Day {
        var copy = String(text)
        let result = copy.withUTF8 { parse($0, within: range) }
        switch result {
        case .success(let day): return day
        case .failure(let kind): throw DayParseError(text: String(text), kind: kind)
        }
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>, within range: ClosedRange<Day>) -> Result<Day, DayParseError.Kind> {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return .failure(.format) }
        func number(_ from: Int, _ to: Int) -> Int? {
            var value = 0
            for i in from..<to {
                let digit = b[i] &- 48
                guard digit <= 9 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard let y = number(0, 4), let m = number(5, 7), let d = number(8, 10) else { return .failure(.format) }
        guard let day = Day(year: y, month: m, day: d) else { return .failure(.noSuchDay) }
        guard range.contains(day) else { return .failure(.outOfRange) }
        return .success(day)
    }

    public var components: (year: Int, month: Int, day: Int) { Day.civil(fromDays: Int(daysSinceEpoch)) }

    public var description: String {
        let (y, m, d) = components
        guard (0...9999).contains(y) else {
            return String(y).leftPadded(4) + "-" + String(m).leftPadded(2) + "-" + String(d).leftPadded(2)
        }
        // Ten ASCII bytes: a small string, no allocation (written for every day in every decision).
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 10) { b in
            func digits(_ value: Int, at end: Int, count: Int) {
                var value = value
                for i in stride(from: end, to: end - count, by: -1) {
                    b[i] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            digits(y, at: 3, count: 4)
            b[4] = UInt8(ascii: "-")
            digits(m, at: 6, count: 2)
            b[7] = UInt8(ascii: "-")
            digits(d, at: 9, count: 2)
            return String(decoding: b, as: UTF8.self)
        }
    }

    public static func < (a: Day, b: Day) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    /// The day `days` later (earlier when negative), clamped to ``representable``.
    @inlinable public func adding(days: Int) -> Day {
        // Bounding `days` first (the representable range spans 3.65M days) keeps the sum from overflowing.
        Day.clamped(Int(daysSinceEpoch) + min(max(days, -4_000_000), 4_000_000))
    }

    /// Calendar month arithmetic, clamping to the end of shorter months and
    /// the result to ``representable``.
    public func adding(months: Int) -> Day {
        if months == 0 { return self }
        let (y, m, d) = components
        // Years beyond 1…9999 clamp anyway; bounding first keeps `total` from overflowing.
        let total = y * 12 + (m - 1) + min(max(months, -240_000), 240_000)
        let year = total >= 0 ? total / 12 : (total - 11) / 12
        let month = total - year * 12 + 1
        guard year >= 1 else { return Day(daysSinceEpoch: Day.firstRepresentable) }
        guard year <= 9999 else { return Day(daysSinceEpoch: Day.lastRepresentable) }
        return Day(civil: year, month, min(d, Day.daysIn(month: month, year: year)))
    }

    @inlinable static func clamped(_ days: Int) -> Day {
        Day(daysSinceEpoch: Int32(truncatingIfNeeded: min(max(days, Int(firstRepresentable)), Int(lastRepresentable))))
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(until other: Day) -> Int { Int(other.daysSinceEpoch) - Int(daysSinceEpoch) }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Decoding reads what the host wrote (a stored deadline may lie past
    /// ``supported``), so it accepts any ``representable`` day.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Day.parse(text, within: Day.representable)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

public struct DayParseError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Error, Sendable { case format, noSuchDay, outOfRange }
    public var text: String
    public var kind: Kind

    public var reason: String {
        switch kind {
        case .format: "expected a date as YYYY-MM-DD"
        case .noSuchDay: "no such day"
        case .outOfRange: "outside the supported dates \(Day.supported.lowerBound) … \(Day.supported.upperBound)"
        }
    }

    /// What to do about it, for messages: `write dates as …`.
    public var hint: String {
        switch kind {
        case .format, .noSuchDay: "write dates as YYYY-MM-DD (a day that exists)"
        case .outOfRange: "write a date from \(Day.supported.lowerBound) to \(Day.supported.upperBound)"
        }
    }

    public var description: String { "'\(text)': \(reason)" }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
