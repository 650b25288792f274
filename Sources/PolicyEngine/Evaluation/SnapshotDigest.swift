/// What the decision log records of an evaluation's input: the first 128 bits
/// of the SHA-256 of the snapshot (``SnapshotHash``), shown as 32 lowercase
/// hex digits.
///
/// Kept as 16 bytes rather than as its text: every evaluation makes one, and
/// the text would be a heap-allocated string each time. Writers copy the
/// digits straight from ``withHex(_:)``; it encodes and decodes as its text.
public struct SnapshotDigest: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Digest bytes 0–7 and 8–15, each read as a big-endian number.
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// From its text: exactly 32 hex digits (lowercase, as written; uppercase accepted).
    public init?(hex: some StringProtocol) {
        var high: UInt64 = 0, low: UInt64 = 0, count = 0
        for byte in hex.utf8 {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            guard count < 32 else { return nil }
            if count < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt64(nibble) }
            count += 1
        }
        guard count == 32 else { return nil }
        self.init(high: high, low: low)
    }

    /// The 32 lowercase hex digits as ASCII bytes, on the stack.
    public func withHex<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { out in
            let digits: StaticString = "0123456789abcdef"
            for i in 0..<16 {
                let shift = UInt64(60 - 4 * i)
                out[i] = digits.utf8Start[Int(high >> shift & 0xF)]
                out[16 + i] = digits.utf8Start[Int(low >> shift & 0xF)]
            }
            return try body(UnsafeRawBufferPointer(out))
        }
    }

    /// The 32 lowercase hex digits.
    public var hex: String { withHex { String(decoding: $0, as: UTF8.self) } }

    public var description: String { hex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let digest = SnapshotDigest(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a snapshot hash is 32 hex digits, not '\(text)'")
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
