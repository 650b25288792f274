import CLuaSandbox
import Foundation

/// A reusable, fixed-shape record that is pushed to Lua as a fresh table in
/// one C call: the fast path for handing partner snapshots to policies.
///
/// ```swift
/// let record = LuaRecord(fields: ["revenue_12m", "region"])
/// record.set(0, 125_000.0)
/// record.set(1, "EMEA")
/// try lua.call(policy, limits: nil, pushArguments: { stack in stack.push(record); return 1 }, readResult: { ... })
/// ```
///
/// Field names and strings are kept as C strings owned by the record, so
/// setting the same string again costs nothing. Not thread-safe: one record
/// per worker.
public final class LuaRecord {
    public let names: [String]
    @usableFromInline let fields: UnsafeMutablePointer<lh_field>
    private var strings: [UnsafeMutablePointer<CChar>?]
    private var stringValues: [String?]

    public init(fields names: [String]) {
        self.names = names
        fields = .allocate(capacity: max(names.count, 1))
        strings = Array(repeating: nil, count: names.count)
        stringValues = Array(repeating: nil, count: names.count)
        for (i, name) in names.enumerated() {
            fields[i] = lh_field(key: UnsafePointer(strdup(name)), type: Int32(LH_FIELD_NIL.rawValue), number: 0,
                                 integer: 0, string: nil, length: 0, key_state: 0, key_ref: 0)
        }
    }

    deinit {
        for i in 0..<names.count { free(UnsafeMutableRawPointer(mutating: fields[i].key)) }
        for pointer in strings { free(pointer) }
        fields.deallocate()
    }

    public var count: Int { names.count }

    /// The position of field `name`, if the record has it.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    @inlinable
    public func set(_ index: Int, _ value: Double) {
        fields[index].type = Int32(LH_FIELD_NUMBER.rawValue)
        fields[index].number = value
    }

    @inlinable
    public func set(_ index: Int, _ value: Int64) {
        fields[index].type = Int32(LH_FIELD_INTEGER.rawValue)
        fields[index].integer = value
    }

    @inlinable
    public func set(_ index: Int, _ value: Bool) {
        fields[index].type = Int32(LH_FIELD_BOOLEAN.rawValue)
        fields[index].integer = value ? 1 : 0
    }

    @inlinable
    public func setNil(_ index: Int) {
        fields[index].type = Int32(LH_FIELD_NIL.rawValue)
    }

    /// A number, or nil for NaN (how snapshots mark a missing metric).
    @inlinable
    public func set(_ index: Int, orNil value: Double) {
        if value.isNaN { setNil(index) } else { set(index, value) }
    }

    public func set(_ index: Int, _ value: String) {
        fields[index].type = Int32(LH_FIELD_STRING.rawValue)
        if stringValues[index] == value { return }
        free(strings[index])
        let bytes = Array(value.utf8)
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        bytes.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { buffer.initialize(from: $0.baseAddress!, count: bytes.count) }
        }
        buffer[bytes.count] = 0
        strings[index] = buffer
        stringValues[index] = value
        fields[index].string = UnsafePointer(buffer)
        fields[index].length = bytes.count
    }
}

extension LuaStack {
    /// Push `record` as a new table.
    @inlinable
    public func push(_ record: LuaRecord) {
        lh_push_record(L, record.fields, Int32(record.count))
    }
}
