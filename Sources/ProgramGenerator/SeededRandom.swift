import Foundation

/// SplitMix64: a small, fast, seedable generator whose output depends only on
/// its seed — the same seed gives the same program on every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one stream of a seeded run (e.g. one partner), so that
    /// partners can be made one at a time and independently of each other.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SeededRandom(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next() ^ stream
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// Uniform in `range` (both ends included).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// A standard normal deviate (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Lognormal with the given median and shape.
    mutating func lognormal(median: Double, sigma: Double) -> Double { median * exp(sigma * normal()) }

    /// Poisson by inversion (small means) or a rounded normal (large means).
    mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 50 { return max(0, Int((mean + mean.squareRoot() * normal()).rounded())) }
        let limit = exp(-mean)
        var product = unit(), count = 0
        while product > limit {
            product *= unit()
            count += 1
        }
        return count
    }

    /// `count` distinct items of `items` in their original order.
    mutating func subset<T>(_ items: [T], count: Int) -> [T] {
        var indices = Array(items.indices)
        for i in 0..<min(count, indices.count) { indices.swapAt(i, int(i...(indices.count - 1))) }
        return indices.prefix(count).sorted().map { items[$0] }
    }
}
