#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one rule for money amounts: kept to four decimal places (the finest
/// minor unit of any ISO 4217 currency) and written as plain decimals.
///
/// Sums of amounts are exact sums of doubles (`ExactSum`), but a double
/// cannot hold most decimals: 783.52 + ... can come out as
/// 4273.4400000000005. Sums are therefore rounded to the nearest double of
/// their four-decimal value when they are made (snapshots, analytics), and
/// every writer prints money through ``text(_:)``: `4273.44`, `5000`.
public enum Money {
    /// Decimal places an amount keeps.
    public static let places = 4

    /// Above this magnitude a double has no fraction finer than 1/10,000 to round.
    static let roundingLimit = Double(1 << 53) / 10_000

    /// `value` as the nearest double to its value rounded to four decimal places.
    public static func exact(_ value: Double) -> Double {
        guard value.isFinite, abs(value) < roundingLimit else { return value }
        // k / 10,000 with k an integer below 2^53 is the correctly rounded quotient: the decimal's nearest double.
        let rounded = (value * 10_000).rounded() / 10_000
        return rounded == 0 ? 0 : rounded   // never -0
    }

    /// Whether `value` has at most four decimal places (what ``exact(_:)`` keeps).
    public static func isExact(_ value: Double) -> Bool { exact(value) == value }

    /// The amount as a plain decimal, rounded to four places, without trailing
    /// zeros or exponent: `4273.44`, `5000`, `0.125`.
    public static func text(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity") }
        var buffer = [CChar](repeating: 0, count: 352)
        // %.4f of a finite double fits: at most 309 integer digits, sign, point, places.
        let length = Int(withVaList([exact(value)]) { vsnprintf(&buffer, buffer.count, "%.4f", $0) })
        var text = String(decoding: buffer[0..<min(max(length, 0), buffer.count - 1)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
}

extension TextFormat {
    /// A count with its noun in the right number: `1 day`, `2 days`, `1 criterion`.
    /// `plural` defaults to the noun with an `s`.
    public static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(n) " + self.noun(n, noun, plural: plural)
    }

    /// The noun for `n` of it: `noun` for exactly one, else `plural` (the noun with an `s`).
    public static func noun(_ n: Double, _ noun: String, plural: String? = nil) -> String {
        n == 1 ? noun : plural ?? noun + "s"
    }

    public static func noun(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        self.noun(Double(n), noun, plural: plural)
    }
}
