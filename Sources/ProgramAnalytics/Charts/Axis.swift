/// A value axis from 0 to a "nice" maximum with 1-2-5 steps.
struct ValueAxis {
    let maximum: Double
    let step: Double
    var ticks: [Double] { stride(from: 0, through: maximum + step / 2, by: step).map { $0 } }

    /// An axis covering `0...max(value, 1)` with about `target` intervals.
    init(covering value: Double, target: Int = 5) {
        let top = max(value, 1)
        let raw = top / Double(target)
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        // Whole numbers for counts: a step below 1 becomes 1.
        self.step = max(step, 1)
        maximum = (top / self.step).rounded(.up) * self.step
    }

    /// One format for every tick of the axis: short (`5k`, `1.5M`) when the axis reaches 10,000.
    func label(_ value: Double) -> String {
        guard maximum >= 10_000, value != 0 else { return Format.count(Int(value.rounded())) }
        if maximum >= 1_000_000 { return Format.short(value) }
        let thousands = value / 1000
        return (thousands == thousands.rounded() ? Format.count(Int(thousands)) : Format.fixed(thousands, decimals: 1)) + "k"
    }
}
