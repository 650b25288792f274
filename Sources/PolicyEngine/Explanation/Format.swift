import PartnerModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number formatting shared by explanations, tables and reports: fixed,
/// locale-independent, deterministic.
///
/// Each format writes its bytes into a stack buffer and hands them to a
/// closure (`withNumber`, `withMetric`, …): the decision log copies them
/// straight into a decision's JSON, with no `String` made. The `String`
/// forms (`number`, `metric`, …) wrap those; results up to 15 bytes are
/// small strings, with no allocation.
public enum Format {
    /// `250000` → `250,000`; `0.125` → `0.125`; money rounds to whole units.
    public static func number(_ value: Double, money: Bool = false) -> String {
        withNumber(value, money: money) { String(decoding: $0, as: UTF8.self) }
    }

    /// A metric's value the way evidence shows it: ratios as percentages,
    /// money in whole units.
    public static func metric(_ value: Double, _ metric: Metric) -> String {
        withMetric(value, metric) { String(decoding: $0, as: UTF8.self) }
    }

    /// A value of a measure type the way evidence shows it: money in whole
    /// units, ratios as percentages, dates as YYYY-MM-DD (from day numbers).
    public static func value(_ value: Double, _ type: MeasureType) -> String {
        withValue(value, type) { String(decoding: $0, as: UTF8.self) }
    }

    /// `0.1234` → `12.3%`.
    public static func percent(_ ratio: Double) -> String {
        withPercent(ratio) { String(decoding: $0, as: UTF8.self) }
    }

    /// ``number(_:money:)``'s UTF-8 bytes, valid only inside `body`.
    public static func withNumber<R>(_ value: Double, money: Bool = false, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard value.isFinite else { return word(value.isNaN ? "none" : (value > 0 ? "∞" : "-∞"), body) }
        // Within Int64 only (Int64(1e19) traps): beyond it, a sum of large amounts prints as a plain number.
        if abs(value) < 9e18, money || (value == value.rounded() && abs(value) < 1e15) {
            return grouped(Int64(value.rounded()), body)
        }
        return fixed(value, places: 3, trimZeros: true, suffix: nil, body)
    }

    /// ``metric(_:_:)``'s UTF-8 bytes, valid only inside `body`.
    public static func withMetric<R>(_ value: Double, _ metric: Metric, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        metric.isRatio ? withPercent(value, body) : withNumber(value, money: metric.isMoney, body)
    }

    /// ``value(_:_:)``'s UTF-8 bytes, valid only inside `body`.
    public static func withValue<R>(_ value: Double, _ type: MeasureType, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch type {
        case .money: withNumber(value, money: true, body)
        case .ratio: withPercent(value, body)
        case .date where value.isFinite && abs(value) < Double(Int32.max):
            Format.day(Day(daysSinceEpoch: Int32(value)), body)
        case .date, .number, .days, .value: withNumber(value, body)
        }
    }

    static func day<R>(_ day: Day, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var text = day.description
        return text.withUTF8(body)
    }

    /// ``percent(_:)``'s UTF-8 bytes, valid only inside `body`.
    public static func withPercent<R>(_ ratio: Double, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard ratio.isFinite else { return word("none", body) }
        return fixed(ratio * 100, places: 1, trimZeros: false, suffix: UInt8(ascii: "%"), body)
    }

    /// A fixed word's UTF-8 bytes, for `body`.
    static func word<R>(_ text: StaticString, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        body(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Digits grouped by thousands with commas.
    static func grouped<R>(_ value: Int64, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            var magnitude = value.magnitude
            var index = buffer.count
            var digits = 0
            repeat {
                if digits > 0, digits % 3 == 0 {
                    index -= 1
                    buffer[index] = UInt8(ascii: ",")
                }
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                digits += 1
            } while magnitude > 0
            if value < 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "-")
            }
            return body(UnsafeBufferPointer(rebasing: buffer[index...]))
        }
    }

    /// C's `%.Nf` (the same digits and rounding `String(format:)` gives),
    /// optionally without trailing zeros, optionally followed by one byte.
    static func fixed<R>(_ value: Double, places: Int32, trimZeros: Bool, suffix: UInt8?,
                         _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 352) { buffer in
            // %.*f of a finite double fits: at most 309 integer digits, sign, point, places.
            var length = Int(withVaList([places, value]) { vsnprintf(buffer.baseAddress!, buffer.count, "%.*f", $0) })
            length = min(max(length, 0), buffer.count - 2)
            if trimZeros, buffer[0..<length].contains(CChar(UInt8(ascii: "."))) {
                while length > 0, buffer[length - 1] == CChar(UInt8(ascii: "0")) { length -= 1 }
                if length > 0, buffer[length - 1] == CChar(UInt8(ascii: ".")) { length -= 1 }
            }
            if let suffix {
                buffer[length] = CChar(bitPattern: suffix)
                length += 1
            }
            return buffer.withMemoryRebound(to: UInt8.self) { body(UnsafeBufferPointer(rebasing: $0[..<length])) }
        }
    }
}
