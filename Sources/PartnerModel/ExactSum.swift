/// A sum of doubles kept exactly (Shewchuk's non-overlapping partials, as in
/// Python's `math.fsum`) and rounded once when read.
///
/// Why: snapshots add money either event by event (a few chosen partners,
/// straight from `event`) or as monthly rollups plus the events of the
/// months a window cuts through (all partners). A plain running `+=` rounds
/// after every addition, so the two orders could differ in the last bit and
/// a policy threshold could flip. The correctly rounded exact sum depends
/// only on the amounts added, never on their order or grouping.
public struct ExactSum: Sendable, Equatable {
    /// Non-overlapping, increasing in magnitude; their exact sum is the total.
    public var partials: [Double] { storage }
    // Inlinable adds: snapshots add every amount through them, from other modules.
    @usableFromInline var storage: [Double] = []

    public init() {}

    public init(partials: [Double]) {
        for p in partials { add(p) }
    }

    @inlinable
    public mutating func add(_ value: Double) {
        // Zeros change nothing (and would make an empty sum -0.0).
        guard value != 0 else { return }
        // Amounts are checked finite on import; an infinity or NaN would
        // spread through the partials and read back as NaN or infinity.
        var x = value
        var i = 0
        for j in storage.indices {
            var y = storage[j]
            if abs(x) < abs(y) { swap(&x, &y) }
            let hi = x + y
            let lo = y - (hi - x)
            if lo != 0 {
                storage[i] = lo
                i += 1
            }
            x = hi
        }
        storage.removeSubrange(i...)
        storage.append(x)
    }

    @inlinable
    public mutating func add(_ other: ExactSum) {
        for p in other.partials { add(p) }
    }

    /// The exact sum rounded to the nearest double (ties to even); 0 when empty.
    @inlinable
    public var value: Double {
        var n = partials.count
        guard n > 0 else { return 0 }
        n -= 1
        var hi = partials[n]
        var lo = 0.0
        while n > 0 {
            let x = hi
            n -= 1
            let y = partials[n]
            hi = x + y
            let yr = hi - x
            lo = y - yr
            if lo != 0 { break }
        }
        // Half-way case: the partials below decide which way to round.
        if n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0)) {
            let y = lo * 2
            let x = hi + y
            let yr = x - hi
            if y == yr { hi = x }
        }
        return hi
    }

    /// The sum of money amounts: ``value`` as the nearest double to its
    /// four-decimal value (``Money/exact(_:)``).
    public var money: Double { Money.exact(value) }

    /// The partials as a blob for the rollup tables (8 bytes each, little-endian bit patterns).
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(partials.count * 8)
        for p in partials {
            var bits = p.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Add the partials of a blob made by ``encoded``.
    @inlinable
    public mutating func add(encoded bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset + 8 <= bytes.count {
            let bits = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            add(Double(bitPattern: bits))
            offset += 8
        }
    }
}
