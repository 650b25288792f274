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

    func label(_ value: Double) -> String {
        value >= 10_000 ? Format.short(value) : Format.count(Int(value.rounded()))
    }
}
