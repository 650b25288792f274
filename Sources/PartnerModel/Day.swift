/// A calendar day (no time, no zone): what partner programs count in.
/// Stored as days since 1970-01-01; parsed from and printed as `YYYY-MM-DD`.
///
/// ```swift
/// let asOf = try Day(parsing: "2024-03-31")
/// asOf.adding(months: -1)   // 2024-02-29 (clamped to the month's end)
/// ```
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var daysSinceEpoch: Int32

    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// The day with the given calendar fields, or nil when it does not exist (2023-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= Day.daysIn(month: month, year: year) else { return nil }
        daysSinceEpoch = Int32(Day.daysFromCivil(year: year, month: month, day: day))
    }

    /// Parse `YYYY-MM-DD` strictly.
    public init(parsing text: some StringProtocol) throws(DayParseError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else {
            throw DayParseError(text: String(text), reason: "expected a date as YYYY-MM-DD")
        }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                let b = bytes[i]
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            return value
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else {
            throw DayParseError(text: String(text), reason: "expected a date as YYYY-MM-DD")
        }
        guard let day = Day(year: y, month: m, day: d) else {
            throw DayParseError(text: String(text), reason: "no such day")
        }
        self = day
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

    public func adding(days: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + Int32(days)) }

    /// Calendar month arithmetic, clamping to the end of shorter months.
    public func adding(months: Int) -> Day {
        if months == 0 { return self }
        let (y, m, d) = components
        let total = y * 12 + (m - 1) + months
        let year = total / 12, month = total % 12 + 1
        return Day(year: year, month: month, day: min(d, Day.daysIn(month: month, year: year)))!
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(until other: Day) -> Int { Int(other.daysSinceEpoch - daysSinceEpoch) }

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

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Day(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

public struct DayParseError: Error, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "'\(text)': \(reason)" }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
