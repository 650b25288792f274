import Crypto
import PartnerModel

/// A stable digest of a snapshot, recorded with every decision so a replay
/// can prove it saw the same data: SHA-256 over the snapshot's fields in a
/// fixed binary layout, truncated to 128 bits (``SnapshotDigest``).
///
/// The layout never changes (tests pin digests): strings as UTF-8 followed by
/// a 0 byte; days and numbers as little-endian 64-bit integers (a missing day
/// is `Int32.min`, a NaN metric all ones); `|` between lists; attributes in
/// key order. Fields are streamed through a fixed stack buffer into the
/// digest, so hashing allocates nothing but swift-crypto's context.
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
            for value in snapshot.values { writer.int(Int64(bitPattern: value.isNaN ? UInt64.max : value.bitPattern)) }
            for c in snapshot.certifications { writer.text(c.name); writer.day(c.granted); writer.day(c.expires) }
            writer.text("|")
            for c in snapshot.credentials { writer.text(c.name); writer.day(c.granted); writer.day(c.expires) }
            writer.text("|")
            let m = snapshot.milestones
            writer.day(m.firstLogin); writer.day(m.firstTraining); writer.day(m.firstDealRegistration)
            writer.day(m.firstDealWon); writer.day(m.firstRevenue)
            let keys = snapshot.attributes.count > 1 ? snapshot.attributes.keys.sorted() : Array(snapshot.attributes.keys)
            for key in keys {
                writer.text(key)
                switch snapshot.attributes[key]! {
                case .number(let n): writer.int(Int64(bitPattern: n.bitPattern))
                case .text(let t): writer.text(t)
                }
            }
            return writer.digest()
        }
    }
}

/// Bytes into a SHA-256 digest through a fixed buffer: one `update` per
/// buffer-full instead of one per field.
private struct DigestWriter {
    static let capacity = 1024
    private var hasher = SHA256()
    private let buffer: UnsafeMutableRawBufferPointer
    private var count = 0

    init(buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    private mutating func flush() {
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        count = 0
    }

    mutating func bytes(_ source: UnsafeRawBufferPointer) {
        if count + source.count > buffer.count { flush() }
        if source.count > buffer.count {
            hasher.update(bufferPointer: source)
        } else if let base = source.baseAddress {
            (buffer.baseAddress! + count).copyMemory(from: base, byteCount: source.count)
            count += source.count
        }
    }

    mutating func text(_ s: String) {
        // Straight from the string's storage (small strings included), without a copy to make it contiguous.
        let done = s.utf8.withContiguousStorageIfAvailable { bytes(UnsafeRawBufferPointer($0)) } != nil
        if !done {
            var s = s
            s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
        }
        if count == buffer.count { flush() }
        buffer[count] = 0
        count += 1
    }

    mutating func int(_ value: Int64) {
        if count + 8 > buffer.count { flush() }
        buffer.storeBytes(of: value.littleEndian, toByteOffset: count, as: Int64.self)
        count += 8
    }

    mutating func day(_ value: Day?) { int(Int64(value?.daysSinceEpoch ?? Int32.min)) }

    /// The first 128 bits of the digest.
    mutating func digest() -> SnapshotDigest {
        flush()
        return hasher.finalize().withUnsafeBytes { bytes in
            SnapshotDigest(high: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                           low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}
