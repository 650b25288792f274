import PartnerModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number formatting shared by explanations, tables and reports: fixed,
/// locale-independent, deterministic.
///
/// Every evaluation formats a dozen numbers for its evidence, so these write
/// bytes into a stack buffer (results up to 15 bytes are small strings, no
/// allocation) rather than going through Foundation's `String(format:)`.
public enum Format {
    /// `250000` → `250,000`; `0.125` → `0.125`; money rounds to whole units.
    public static func number(_ value: Double, money: Bool = false) -> String {
        guard value.isFinite else { return value.isNaN ? "none" : (value > 0 ? "∞" : "-∞") }
        if money || (value == value.rounded() && abs(value) < 1e15) {
            return grouped(Int64(value.rounded()))
        }
        return fixed(value, places: 3, trimZeros: true, suffix: nil)
    }

    /// A metric's value the way evidence shows it: ratios as percentages,
    /// money in whole units.
    public static func metric(_ value: Double, _ metric: Metric) -> String {
        metric.isRatio ? percent(value) : number(value, money: metric.isMoney)
    }

    /// `0.1234` → `12.3%`.
    public static func percent(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "none" }
        return fixed(ratio * 100, places: 1, trimZeros: false, suffix: UInt8(ascii: "%"))
    }

    /// Digits grouped by thousands with commas.
    static func grouped(_ value: Int64) -> String {
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
            return String(decoding: UnsafeMutableBufferPointer(rebasing: buffer[index...]), as: UTF8.self)
        }
    }

    /// C's `%.Nf` (the same digits and rounding `String(format:)` gives),
    /// optionally without trailing zeros, optionally followed by one byte.
    static func fixed(_ value: Double, places: Int32, trimZeros: Bool, suffix: UInt8?) -> String {
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
            return buffer.withMemoryRebound(to: UInt8.self) {
                String(decoding: UnsafeMutableBufferPointer(rebasing: $0[..<length]), as: UTF8.self)
            }
        }
    }
}
