/// Small order statistics, exact and deterministic.
enum Statistics {
    /// The median of `values` (the mean of the two middle values for an even count); nil when empty.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// The nearest-rank percentile of ascending `sorted`: the value at rank
    /// ⌈percent/100 × n⌉ (integer arithmetic, so no rounding surprises).
    static func percentile(_ sorted: [Int], _ percent: Int) -> Int? {
        guard !sorted.isEmpty else { return nil }
        let rank = (percent * sorted.count + 99) / 100
        return sorted[max(1, min(sorted.count, rank)) - 1]
    }
}
