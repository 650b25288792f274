import Foundation
/// Number formatting shared by explanations, tables and reports: fixed,
/// locale-independent, deterministic.
public enum Format {
    /// `250000` → `250,000`; `0.125` → `0.125`; money rounds to whole units.
    public static func number(_ value: Double, money: Bool = false) -> String {
        guard value.isFinite else { return value.isNaN ? "none" : (value > 0 ? "∞" : "-∞") }
        if money || (value == value.rounded() && abs(value) < 1e15) {
            let rounded = Int64(value.rounded())
            return grouped(rounded)
        }
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    public static func percent(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "none" }
        return String(format: "%.1f%%", ratio * 100)
    }

    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }
}
