import PartnerModel

// A hand-written JSON writer: the decision log writes a detail per partner
// per run, and Foundation's JSONEncoder spent 40% of a 100k run on it. What
// it writes is deterministic: keys in the order the caller gives (sorted),
// nil optionals left out, numbers in one fixed format. An evaluation's
// `write(to:)` gives the content its `Encodable` conformance gives (tests
// compare them).

/// Appends JSON text (or a CSV row's fields) to a growable byte buffer it owns. A class: builders
/// pass it along and append to the one buffer, with no copy-on-write checks
/// on the hot path (a decision is a few hundred appends).
public final class JSONBuffer {
    // Behind a pointer, so appending skips the exclusivity checks Swift makes
    // on every access to a class's stored `var`s.
    @usableFromInline struct Storage {
        @usableFromInline var base: UnsafeMutableRawPointer
        @usableFromInline var count: Int
        @usableFromInline var capacity: Int
    }
    @usableFromInline let storage: UnsafeMutablePointer<Storage>

    public init(capacity: Int = 4096) {
        let capacity = max(capacity, 64)
        storage = .allocate(capacity: 1)
        storage.initialize(to: Storage(base: .allocate(byteCount: capacity, alignment: 1), count: 0, capacity: capacity))
    }

    deinit {
        storage.pointee.base.deallocate()
        storage.deallocate()
    }

    /// The number of bytes written so far.
    @inlinable public var count: Int { storage.pointee.count }

    /// The text written so far.
    public var string: String {
        String(decoding: UnsafeRawBufferPointer(start: storage.pointee.base, count: storage.pointee.count), as: UTF8.self)
    }

    /// The bytes written so far, valid only inside `body`.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.pointee.base, count: storage.pointee.count))
    }

    /// Forget the text, keep the memory.
    public func removeAll() { storage.pointee.count = 0 }

    /// Room for `extra` more bytes; where they go.
    @inlinable @inline(__always) func reserve(_ extra: Int) -> UnsafeMutableRawPointer {
        if storage.pointee.count + extra > storage.pointee.capacity { grow(storage.pointee.count + extra) }
        return storage.pointee.base + storage.pointee.count
    }

    @usableFromInline func grow(_ needed: Int) {
        let newCapacity = max(needed, storage.pointee.capacity * 2)
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
        newBase.copyMemory(from: storage.pointee.base, byteCount: storage.pointee.count)
        storage.pointee.base.deallocate()
        storage.pointee.base = newBase
        storage.pointee.capacity = newCapacity
    }

    /// Let `body` write up to `count` bytes in place; it returns how many it wrote.
    @inlinable @inline(__always) func write(count: Int, _ body: (UnsafeMutableRawPointer) -> Int) {
        storage.pointee.count += body(reserve(count))
    }

    @inlinable @inline(__always) public func byte(_ value: UInt8) {
        reserve(1).storeBytes(of: value, as: UInt8.self)
        storage.pointee.count += 1
    }

    /// Bytes as they are (JSON the caller vouches for).
    @inlinable @inline(__always) public func append(_ source: UnsafeRawBufferPointer) {
        guard let from = source.baseAddress, source.count > 0 else { return }
        reserve(source.count).copyMemory(from: from, byteCount: source.count)
        storage.pointee.count += source.count
    }

    @inlinable public func raw(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inlinable public func string(_ text: String) {
        byte(UInt8(ascii: "\""))
        // Most text needs no escaping: copy it in one go, straight from the
        // string's own storage when it has one.
        let plain = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            append(UnsafeRawBufferPointer(utf8))
            return true
        } ?? false
        if !plain { escaped(text) }
        byte(UInt8(ascii: "\""))
    }

    @usableFromInline func escaped(_ text: String) {
        for value in text.utf8 {
            switch value {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                let hex: StaticString = "0123456789abcdef"
                byte(hex.utf8Start[Int(value >> 4)])
                byte(hex.utf8Start[Int(value & 0xF)])
            default: byte(value)
            }
        }
    }

    @inlinable public func number(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            integer(Int64(value))
        } else if value.isFinite {
            var text = "\(value)"
            text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        } else {
            raw("null")
        }
    }

    @inlinable public func integer<T: BinaryInteger>(_ value: T) {
        guard let value = Int64(exactly: value) else {
            var text = String(value)
            text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
            return
        }
        // Digits straight into the buffer, no intermediate String.
        var magnitude = value.magnitude
        var digits = 0
        repeat { digits += 1; magnitude /= 10 } while magnitude > 0
        if value < 0 { byte(UInt8(ascii: "-")) }
        let out = reserve(digits)
        magnitude = value.magnitude
        var index = digits
        repeat {
            index -= 1
            out.storeBytes(of: UInt8(ascii: "0") + UInt8(magnitude % 10), toByteOffset: index, as: UInt8.self)
            magnitude /= 10
        } while magnitude > 0
        storage.pointee.count += digits
    }

    /// A CSV field (RFC 4180): as is, or quoted when it holds a comma,
    /// quote or line break (the same as `TextFormat.csvField`).
    public func csvField(_ text: String) {
        let plain = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            guard !utf8.contains(where: TextFormat.csvNeedsQuotes) else { return false }
            append(UnsafeRawBufferPointer(utf8))
            return true
        } ?? false
        if !plain { append(TextFormat.csvField(text)) }
    }

    /// A snapshot digest's 32 hex digits, from the stack: a CSV field that
    /// never needs quotes (in JSON, ``Members/digest(_:_:)`` quotes it).
    public func digest(_ value: SnapshotDigest) {
        value.withHex { append($0) }
    }

    private func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    @inlinable public func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    @inlinable public func day(_ value: Day) { string(value.description) }

    /// An object whose members `body` writes with ``Members``.
    @inlinable public func object(_ body: (inout Members) -> Void) {
        byte(UInt8(ascii: "{"))
        var members = Members(buffer: self)
        body(&members)
        byte(UInt8(ascii: "}"))
    }

    @inlinable public func array<C: Collection>(_ items: C, _ element: (JSONBuffer, C.Element) -> Void) {
        byte(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            element(self, item)
        }
        byte(UInt8(ascii: "]"))
    }

    /// Writes `"key":value` pairs; callers give keys in sorted order.
    public struct Members {
        public let buffer: JSONBuffer
        @usableFromInline var first = true

        @inlinable init(buffer: JSONBuffer) { self.buffer = buffer }

        @inlinable public mutating func key(_ name: StaticString) {
            // `,"name":` (or without the comma) in one reservation.
            let length = name.utf8CodeUnitCount
            buffer.write(count: length + 4) { out in
                var i = 0
                if !first { out.storeBytes(of: UInt8(ascii: ","), toByteOffset: 0, as: UInt8.self); i = 1 }
                out.storeBytes(of: UInt8(ascii: "\""), toByteOffset: i, as: UInt8.self)
                (out + i + 1).copyMemory(from: name.utf8Start, byteCount: length)
                out.storeBytes(of: UInt8(ascii: "\""), toByteOffset: i + 1 + length, as: UInt8.self)
                out.storeBytes(of: UInt8(ascii: ":"), toByteOffset: i + 2 + length, as: UInt8.self)
                return i + 3 + length
            }
            first = false
        }

        @inlinable public mutating func key(_ name: String) {
            if !first { buffer.byte(UInt8(ascii: ",")) }
            first = false
            buffer.string(name)
            buffer.byte(UInt8(ascii: ":"))
        }

        @inlinable public mutating func string(_ name: StaticString, _ value: String) { key(name); buffer.string(value) }
        @inlinable public mutating func string(_ name: StaticString, _ value: String?) { if let value { string(name, value) } }
        @inlinable public mutating func digest(_ name: StaticString, _ value: SnapshotDigest) {
            key(name)
            buffer.byte(UInt8(ascii: "\""))
            buffer.digest(value)
            buffer.byte(UInt8(ascii: "\""))
        }
        /// An observation's words: a number's written straight from its formatting, with no `String`.
        @inlinable public mutating func observation(_ name: StaticString, _ value: Observation) {
            key(name)
            if case .words(let words) = value {
                buffer.string(words)
            } else {
                // Digits, separators, `%`, `none`, `∞`: nothing to escape.
                buffer.byte(UInt8(ascii: "\""))
                value.withWords { buffer.append(UnsafeRawBufferPointer($0)) }
                buffer.byte(UInt8(ascii: "\""))
            }
        }
        @inlinable public mutating func number(_ name: StaticString, _ value: Double) { key(name); buffer.number(value) }
        @inlinable public mutating func number(_ name: StaticString, _ value: Double?) { if let value { number(name, value) } }
        @inlinable public mutating func integer(_ name: StaticString, _ value: Int) { key(name); buffer.integer(value) }
        @inlinable public mutating func integer(_ name: StaticString, _ value: Int?) { if let value { integer(name, value) } }
        /// `value`, or `null` when it is nil and `explicit` (a compact
        /// detail's way to say "nil, not the texts' value").
        @inlinable public mutating func nullable(_ name: StaticString, _ value: String?, explicit: Bool) {
            if let value { string(name, value) } else if explicit { key(name); buffer.raw("null") }
        }
        @inlinable public mutating func nullable(_ name: StaticString, _ value: Double?, explicit: Bool) {
            if let value { number(name, value) } else if explicit { key(name); buffer.raw("null") }
        }
        @inlinable public mutating func bool(_ name: StaticString, _ value: Bool) { key(name); buffer.bool(value) }
        @inlinable public mutating func day(_ name: StaticString, _ value: Day) { key(name); buffer.day(value) }
        @inlinable public mutating func day(_ name: StaticString, _ value: Day?) { if let value { day(name, value) } }
        /// `omittingEmpty`: nothing at all for an empty list (a compact detail's way to say "none").
        @inlinable public mutating func strings(_ name: StaticString, _ values: [String], omittingEmpty: Bool = false) {
            if omittingEmpty && values.isEmpty { return }
            key(name)
            buffer.array(values) { $0.string($1) }
        }
        @inlinable public mutating func object(_ name: StaticString, _ body: (inout Members) -> Void) {
            key(name)
            buffer.object(body)
        }
        /// `value`, JSON written elsewhere, as the member's value.
        @inlinable public mutating func json(_ name: StaticString, _ value: String) {
            key(name)
            var value = value
            value.withUTF8 { buffer.append(UnsafeRawBufferPointer($0)) }
        }
        @inlinable public mutating func array<C: Collection>(_ name: StaticString, _ items: C, omittingEmpty: Bool = false,
                                                  _ element: (JSONBuffer, C.Element) -> Void) {
            if omittingEmpty && items.isEmpty { return }
            key(name)
            buffer.array(items, element)
        }
    }
}
