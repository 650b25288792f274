import PartnerModel

/// Locale-free number formatting, so output is the same on every machine.
public enum Format {
    /// `3,000`
    public static func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `3,000 partners`, `1 partner`: a count grouped by thousands, with its noun in the right number.
    public static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        count(n) + " " + TextFormat.noun(n, noun, plural: plural)
    }

    /// `137 days`, `1 day`, `137.5 days`; `–` when there is no value.
    public static func days(_ value: Double?, unit: Bool) -> String {
        guard let value, unit else { return days(value) }
        return days(value) + " " + TextFormat.noun(value, "day")
    }

    /// `24.1%`, or `–` when there is no value.
    public static func percent(_ rate: Double?, signed: Bool = false) -> String {
        guard let rate, rate.isFinite else { return "–" }
        let text = fixed(rate * 100, decimals: 1) + "%"
        return signed && rate > 0 ? "+" + text : text
    }

    /// `1,234,568` (whole units).
    public static func money(_ amount: Double) -> String { count(Int(amount.rounded())) }

    /// `4.1M`, `830k`, `950`: short amounts for charts and cards.
    public static func short(_ amount: Double) -> String {
        let a = abs(amount)
        if a >= 1_000_000_000 { return fixed(amount / 1_000_000_000, decimals: 1) + "B" }
        if a >= 1_000_000 { return fixed(amount / 1_000_000, decimals: 1) + "M" }
        if a >= 10_000 { return count(Int((amount / 1000).rounded())) + "k" }
        return count(Int(amount.rounded()))
    }

    /// A fixed-point decimal, rounded half away from zero.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale), fraction = scaled % Int(scale)
        var text = (value < 0 && scaled != 0 ? "-" : "") + count(whole)
        if decimals > 0 {
            let f = String(fraction)
            text += "." + String(repeating: "0", count: decimals - f.count) + f
        }
        return text
    }

    /// `137` or `137.5` (a median may fall between two days).
    public static func days(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value == value.rounded() ? count(Int(value)) : fixed(value, decimals: 1)
    }

    /// `24.1% (602 of 2,500)`
    public static func share(_ share: Share) -> String {
        "\(percent(share.rate)) (\(count(share.part)) of \(count(share.whole)))"
    }
}
