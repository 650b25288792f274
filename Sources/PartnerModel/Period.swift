/// A length of time in days or calendar months (`"60 days"`, `"12 months"`).
public struct Period: Sendable, Hashable, Codable, CustomStringConvertible {
    public var days: Int
    public var months: Int

    public init(days: Int = 0, months: Int = 0) {
        self.days = days
        self.months = months
    }

    public func after(_ day: Day) -> Day { day.adding(months: months).adding(days: days) }

    /// The day this period before `day`: "the last N" as of `day` is `(day.before, day]`
    /// (calendar months, ends clamped, as the metrics count them).
    public func before(_ day: Day) -> Day { day.adding(months: -months).adding(days: -days) }

    public var description: String {
        switch (days, months) {
        case (0, let m) where m != 0: TextFormat.count(m, "month")
        case (let d, 0): TextFormat.count(d, "day")
        default: "\(TextFormat.count(months, "month")) \(TextFormat.count(days, "day"))"
        }
    }
}
