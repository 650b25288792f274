import Foundation

extension Day {
    /// The UTC calendar day of `date`: what "today" means where a person or a
    /// request dates something (a task's acknowledgement, a live evaluation).
    /// Evaluations never call it: their day is always an input.
    public static func today(at date: Date = Date()) -> Day {
        Day(daysSinceEpoch: Int32((date.timeIntervalSince1970 / 86_400).rounded(.down)))
    }
}
