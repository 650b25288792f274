import Crypto
import PartnerModel

/// A stable digest of a snapshot, recorded with every decision so a replay
/// can prove it saw the same data: SHA-256 over the snapshot's fields in a
/// fixed binary layout, truncated to 128 bits (``SnapshotDigest``).
///
/// The layout never changes (tests pin digests): strings as UTF-8 followed by
/// a 0 byte; days and numbers as little-endian 64-bit integers (a missing day
/// is `Int32.min`, a NaN metric all ones); `|` between lists; attributes in
/// key order; then, only when the snapshot has declared measures, `|measures`,
/// their values as metrics are, and each text value's measure and text —
/// so a snapshot without measures keeps the digest it always had. Fields are laid out in a fixed stack buffer (a snapshot fits
/// in one) and hashed in one go, so hashing allocates nothing but
/// swift-crypto's context.
enum SnapshotHash {
    static func of(_ snapshot: PartnerSnapshot) -> SnapshotDigest {
        withUnsafeTemporaryAllocation(byteCount: DigestWriter.capacity, alignment: 8) { buffer in
            var writer = DigestWriter(buffer: buffer)
            // Fields read in place (no copy of the partner, which would retain each of its strings).
            writer.text(snapshot.partner.id); writer.day(snapshot.asOf); writer.text(snapshot.partner.program)
            writer.text(snapshot.partner.tier ?? ""); writer.text(snapshot.partner.status.rawValue)
            for i in snapshot.partner.territories.indices { writer.text(snapshot.partner.territories[i]) }
            writer.text("|")
            for i in snapshot.partner.products.indices { writer.text(snapshot.partner.products[i]) }
            writer.text("|")
            writer.values(snapshot.values)
            for i in snapshot.certifications.indices {
                writer.text(snapshot.certifications[i].name)
                writer.day(snapshot.certifications[i].granted); writer.day(snapshot.certifications[i].expires)
            }
            writer.text("|")
            for i in snapshot.credentials.indices {
                writer.text(snapshot.credentials[i].name)
                writer.day(snapshot.credentials[i].granted); writer.day(snapshot.credentials[i].expires)
            }
            writer.text("|")
            let m = snapshot.milestones
            writer.day(m.firstLogin); writer.day(m.firstTraining); writer.day(m.firstDealRegistration)
            writer.day(m.firstDealWon); writer.day(m.firstRevenue)
            func attribute(_ key: String, _ value: AttributeValue) {
                writer.text(key)
                switch value {
                case .number(let n): writer.int(Int64(bitPattern: n.bitPattern))
                case .text(let t): writer.text(t)
                }
            }
            if snapshot.attributes.count == 1 {
                for (key, value) in snapshot.attributes { attribute(key, value) }
            } else if snapshot.attributes.count > 1 {
                for key in snapshot.attributes.keys.sorted() { attribute(key, snapshot.attributes[key]!) }
            }
            if !snapshot.measures.values.isEmpty {
                writer.text("|measures")
                writer.values(snapshot.measures.values)
                for i in snapshot.measures.texts.indices {
                    writer.int(Int64(snapshot.measures.texts[i].measure))
                    writer.text(snapshot.measures.texts[i].text)
                }
            }
            return writer.digest()
        }
    }
}

/// Bytes into a SHA-256 digest through a fixed buffer: one `update` per
/// buffer-full (a snapshot's layout fits in one) instead of one per field,
/// and each field stored with a bounds check and a copy, nothing more.
private struct DigestWriter {
    // Within what withUnsafeTemporaryAllocation puts on the stack (larger, it allocates).
    static let capacity = 1024
    private var hasher = SHA256()
    private let base: UnsafeMutableRawPointer
    private var count = 0

    init(buffer: UnsafeMutableRawBufferPointer) {
        assert(buffer.count >= Self.capacity)
        base = buffer.baseAddress!
    }

    private mutating func flush() {
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }

    /// Room for `extra` bytes at the end of the buffer (`extra` ≤ capacity).
    @inline(__always) private mutating func reserve(_ extra: Int) {
        if count + extra > Self.capacity { flush() }
    }

    @inline(__always) private mutating func bytes(_ source: UnsafeBufferPointer<UInt8>) {
        if source.count >= Self.capacity {
            flush()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(source))
            return
        }
        reserve(source.count)
        if let from = source.baseAddress { (base + count).copyMemory(from: from, byteCount: source.count) }
        count += source.count
    }

    /// UTF-8, then a 0 byte.
    @inline(__always) mutating func text(_ s: String) {
        // Straight from the string's storage (small strings included), without a copy to make it contiguous.
        if s.utf8.withContiguousStorageIfAvailable({ bytes($0) }) == nil {
            var s = s
            s.withUTF8 { bytes($0) }
        }
        reserve(1)
        base.storeBytes(of: 0, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) mutating func int(_ value: Int64) {
        reserve(8)
        base.storeBytes(of: value.littleEndian, toByteOffset: count, as: Int64.self)
        count += 8
    }

    @inline(__always) mutating func day(_ value: Day?) { int(Int64(value?.daysSinceEpoch ?? Int32.min)) }

    /// Every value (metric or measure), 8 bytes each: its bits, or all ones for a missing value (NaN).
    mutating func values(_ values: [Double]) {
        values.withUnsafeBufferPointer { values in
            guard let source = values.baseAddress else { return }
            guard values.count * 8 <= Self.capacity else {
                // More than the buffer holds (a snapshot has one per metric, far fewer): field by field.
                for value in values { int(Int64(bitPattern: value.isNaN ? UInt64.max : value.bitPattern)) }
                return
            }
            reserve(values.count * 8)
            let out = base + count
            #if _endian(little)
            // The bits in one copy, then the missing values (NaN) overwritten.
            out.copyMemory(from: source, byteCount: values.count * 8)
            for i in values.indices where values[i].bitPattern & ~Self.sign > Self.infinity {   // NaN, in two instructions
                out.storeBytes(of: UInt64.max, toByteOffset: i * 8, as: UInt64.self)
            }
            #else
            for i in values.indices {
                let value = values[i]
                out.storeBytes(of: (value.isNaN ? UInt64.max : value.bitPattern).littleEndian, toByteOffset: i * 8, as: UInt64.self)
            }
            #endif
            count += values.count * 8
        }
    }

    private static let sign: UInt64 = 1 << 63
    private static let infinity = Double.infinity.bitPattern

    /// The first 128 bits of the digest.
    mutating func digest() -> SnapshotDigest {
        flush()
        return hasher.finalize().withUnsafeBytes { bytes in
            SnapshotDigest(high: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                           low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}
