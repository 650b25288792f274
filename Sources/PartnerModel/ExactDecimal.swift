/// An exact decimal number: an integer and how many of its digits are
/// decimals (`units` × 10^-`scale`). Incentive amounts, rates and bases are
/// kept in it so that no binary rounding ever reaches money: a basis comes
/// from a snapshot's exact four-decimal sum, a rate from a Lua number's
/// shortest decimal text (`0.12`), and a product is rounded once, to the
/// cent, half away from zero (docs/policies.md, "Incentives").
public struct ExactDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The value times 10^scale.
    public var units: Int128
    /// Decimal places, 0 to 18.
    public var scale: Int

    public init(units: Int128, scale: Int) {
        self.units = units
        self.scale = scale
    }

    public static let zero = ExactDecimal(units: 0, scale: 0)

    public init(_ integer: Int) { self.init(units: Int128(integer), scale: 0) }

    /// A money amount of the store (a double holding the nearest value to a
    /// four-decimal number, ``Money/exact(_:)``) as that four-decimal number.
    /// NaN (no value) is 0.
    public init(money value: Double) {
        guard value.isFinite else { self = .zero; return }
        self.init(units: Int128((Money.exact(value) * 10_000).rounded()), scale: Money.places)
    }

    /// A number as written in a policy: the shortest decimal text that reads
    /// back as the same double (`0.12`, not 0.11999999999999999556). Nil for
    /// infinities, NaN and magnitudes beyond 10^18 or finer than 10^-18.
    public init?(number value: Double) {
        guard value.isFinite else { return nil }
        self.init(text: "\(value)")
    }

    /// Plain or exponent notation: `12`, `-0.125`, `1e-05`, `2.5E+3`.
    public init?(text: String) {
        var mantissa = Substring(text)
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let x = Int(mantissa[mantissa.index(after: e)...]), abs(x) <= 40 else { return nil }
            exponent = x
            mantissa = mantissa[..<e]
        }
        var negative = false
        if mantissa.first == "-" || mantissa.first == "+" {
            negative = mantissa.first == "-"
            mantissa = mantissa.dropFirst()
        }
        var units: Int128 = 0
        var scale = 0
        var seenPoint = false
        var digits = 0
        for c in mantissa {
            if c == "." {
                guard !seenPoint else { return nil }
                seenPoint = true
                continue
            }
            guard let d = c.wholeNumberValue, c.isASCII else { return nil }
            units = units * 10 + Int128(d)
            digits += 1
            if seenPoint { scale += 1 }
            guard digits <= 36 else { return nil }
        }
        guard digits > 0 else { return nil }
        scale -= exponent
        while scale < 0 {
            units *= 10
            scale += 1
        }
        var value = ExactDecimal(units: negative ? -units : units, scale: scale).normalized
        guard value.scale <= 18, value.units.magnitude < Int128(10).power(36) else { return nil }
        value.units = value.units == 0 ? 0 : value.units
        self = value
    }

    /// Without trailing decimal zeros (`0.120` → `0.12`).
    public var normalized: ExactDecimal {
        var value = self
        while value.scale > 0 && value.units % 10 == 0 {
            value.units /= 10
            value.scale -= 1
        }
        return value
    }

    /// `self` written with `scale` places (more places only; fewer rounds: ``rounded(places:)``).
    func widened(to scale: Int) -> ExactDecimal {
        var value = self
        while value.scale < scale {
            value.units *= 10
            value.scale += 1
        }
        return value
    }

    /// Rounded to `places` decimals, half away from zero.
    public func rounded(places: Int) -> ExactDecimal {
        guard scale > places else { return widened(to: places) }
        let divisor = Int128(10).power(scale - places)
        var (quotient, remainder) = units.quotientAndRemainder(dividingBy: divisor)
        if remainder.magnitude * 2 >= divisor.magnitude { quotient += units < 0 ? -1 : 1 }
        return ExactDecimal(units: quotient, scale: places)
    }

    /// Rounded to the cent: how every incentive amount is paid.
    public var cents: ExactDecimal { rounded(places: 2) }

    public static func + (a: ExactDecimal, b: ExactDecimal) -> ExactDecimal {
        let scale = Swift.max(a.scale, b.scale)
        return ExactDecimal(units: a.widened(to: scale).units + b.widened(to: scale).units, scale: scale)
    }

    public static func += (a: inout ExactDecimal, b: ExactDecimal) { a = a + b }

    public static prefix func - (a: ExactDecimal) -> ExactDecimal { ExactDecimal(units: -a.units, scale: a.scale) }

    public static func - (a: ExactDecimal, b: ExactDecimal) -> ExactDecimal { a + (-b) }

    /// Exact: the scales add (rates and bases are short, so this stays far below Int128's range).
    public static func * (a: ExactDecimal, b: ExactDecimal) -> ExactDecimal {
        ExactDecimal(units: a.units * b.units, scale: a.scale + b.scale).normalizedIfLong
    }

    /// Keeps products of products from growing their scale past what a rounding needs.
    private var normalizedIfLong: ExactDecimal { scale > 12 ? normalized : self }

    public static func == (a: ExactDecimal, b: ExactDecimal) -> Bool {
        let scale = Swift.max(a.scale, b.scale)
        return a.widened(to: scale).units == b.widened(to: scale).units
    }

    public func hash(into hasher: inout Hasher) {
        let n = normalized
        hasher.combine(n.units)
        hasher.combine(n.scale)
    }

    public static func < (a: ExactDecimal, b: ExactDecimal) -> Bool {
        let scale = Swift.max(a.scale, b.scale)
        return a.widened(to: scale).units < b.widened(to: scale).units
    }

    public static func min(_ a: ExactDecimal, _ b: ExactDecimal) -> ExactDecimal { b < a ? b : a }
    public static func max(_ a: ExactDecimal, _ b: ExactDecimal) -> ExactDecimal { a < b ? b : a }

    public var isZero: Bool { units == 0 }
    public var isNegative: Bool { units < 0 }

    /// With exactly `places` decimals (rounded half away from zero if it has
    /// more): `480.00`, `-3.50`. How amounts are written.
    public func text(places: Int) -> String {
        let value = rounded(places: places)
        let magnitude = value.units.magnitude
        var digits = String(magnitude)
        if places > 0 {
            if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        }
        return (value.units < 0 ? "-" : "") + digits
    }

    /// The shortest plain text: `0.12`, `250000`, `-1.5`. How rates and bases are written.
    public var description: String { text(places: normalized.scale) }

    /// The nearest double, for display arithmetic only (never written to a ledger).
    public var double: Double { Double(units) / Double(Int128(10).power(scale)) }

    /// As a percentage in words: `12%`, `2.5%`.
    public var percent: String { (self * ExactDecimal(100)).normalized.description + "%" }
}

extension Int128 {
    func power(_ exponent: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<exponent { result *= self }
        return result
    }
}
