import Foundation
import CLua
import CLuaSandbox

// MARK: - Converting between Swift and Lua values
//
// Only raw accessors are used on script-made tables (no metamethod can run,
// so nothing here raises a Lua error through Swift frames), and strings are
// read only when they already are strings (lua_tolstring never converts a
// number in place, which would also break lua_next).
//
// Reading is host work that no hook watches, so it has limits of its own,
// taken from the call whose values it reads (see ``ReadBudget``).

/// What reading one value a script made may cost. A table referred to from
/// many places is copied once per reference, so a few dozen tables sharing
/// each other (t = {t, t} in a loop) expand into more values than memory
/// holds. Each value read counts ``bytesPerValue`` against the call's memory
/// cap, and the call's deadline is checked every 1024 values.
struct ReadBudget {
    static let bytesPerValue = 64
    var remaining: Int
    let limitBytes: Int
    let deadline: Int64
    let timeoutNanoseconds: Int64
    var untilClock = 1024

    init(_ control: UnsafeMutablePointer<lh_control>) {
        limitBytes = Int(control.pointee.limit)
        remaining = limitBytes > 0 ? limitBytes / Self.bytesPerValue : .max
        deadline = control.pointee.deadline_ns
        timeoutNanoseconds = deadline - control.pointee.call_started_ns
    }

    mutating func spend() throws {
        remaining -= 1
        if remaining < 0 {
            throw LuaError(.memoryLimit, "memory limit of \(limitBytes >> 10) KiB exceeded while reading the value a script "
                + "returned: it holds more than \(limitBytes / Self.bytesPerValue) values (a table counts once for each place "
                + "that refers to it)")
        }
        untilClock -= 1
        if untilClock == 0 {
            untilClock = 1024
            if deadline > 0, lh_now_ns() > deadline {
                throw LuaError(.timeLimit, "time limit of \(timeoutNanoseconds / 1_000_000) ms exceeded while reading the value a script returned")
            }
        }
    }
}

extension LuaState {
    static let maximumDepth = 64

    func push(_ value: LuaValue, depth: Int = 0) throws {
        guard depth < Self.maximumDepth else {
            throw LuaError(.typeMismatch, "value nested more than \(Self.maximumDepth) levels deep")
        }
        guard lua_checkstack(L, 3) != 0 else { throw LuaError(.memoryLimit, "Lua stack overflow while pushing a value") }
        switch value {
        case .nil: lua_pushnil(L)
        case .boolean(let b): lua_pushboolean(L, b ? 1 : 0)
        case .integer(let i): lua_pushinteger(L, i)
        case .number(let d): lua_pushnumber(L, d)
        case .string(let s): pushString(s)
        case .array(let items):
            lh_newtable(L, Int32(clamping: items.count), 0)
            for (offset, item) in items.enumerated() {
                try push(item, depth: depth + 1)
                lua_rawseti(L, -2, lua_Integer(offset + 1))
            }
        case .table(let fields):
            lh_newtable(L, 0, Int32(clamping: fields.count))
            for (key, item) in fields {
                pushString(key)
                try push(item, depth: depth + 1)
                lua_rawset(L, -3)
            }
        case .function(let reference):
            lh_push_ref(L, reference.id)
        }
    }

    func pushString(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }

    /// The value at stack `index`. Functions become registry references the
    /// caller owns; userdata, threads and non-string, non-integer table keys
    /// are type mismatches. Read under the limits of the call that made it
    /// (``ReadBudget``).
    func value(at index: Int32) throws -> LuaValue {
        var budget = ReadBudget(control)
        return try value(at: index, depth: 0, budget: &budget)
    }

    private func value(at index: Int32, depth: Int, budget: inout ReadBudget) throws -> LuaValue {
        let index = lua_absindex(L, index)
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            return lh_isinteger(L, index) != 0 ? .integer(lh_tointeger(L, index)) : .number(lh_tonumber(L, index))
        case LUA_TSTRING: return .string(string(at: index) ?? "")
        case LUA_TTABLE: return try table(at: index, depth: depth, budget: &budget)
        case LUA_TFUNCTION:
            lua_pushvalue(L, index)
            return .function(LuaReference(id: lh_ref(L)))
        default:
            let name = String(cString: lua_typename(L, lua_type(L, index)))
            throw LuaError(.typeMismatch, "a \(name) value cannot be passed to the host")
        }
    }

    private func table(at index: Int32, depth: Int, budget: inout ReadBudget) throws -> LuaValue {
        guard depth < Self.maximumDepth else {
            throw LuaError(.typeMismatch, "table nested more than \(Self.maximumDepth) levels deep (is it cyclic?)")
        }
        guard lua_checkstack(L, 4) != 0 else { throw LuaError(.memoryLimit, "Lua stack overflow while reading a table") }
        // A module's table reaches the policy as a read-only proxy: read the table behind it.
        let behindProxy = lh_proxy_target(L, index) != 0
        defer { if behindProxy { lh_pop(L, 1) } }
        let index = behindProxy ? lua_absindex(L, -1) : index
        let length = Int(lua_rawlen(L, index))
        var sequence: [LuaValue] = []
        var fields: [String: LuaValue] = [:]
        var count = 0
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            count += 1
            do { try budget.spend() } catch {
                lh_pop(L, 2)
                throw error
            }
            let key: String
            switch lua_type(L, -2) {
            case LUA_TSTRING:
                key = string(at: -2) ?? ""
            case LUA_TNUMBER where lh_isinteger(L, -2) != 0:
                key = String(lh_tointeger(L, -2))
            default:
                let name = String(cString: lua_typename(L, lua_type(L, -2)))
                lh_pop(L, 2)
                throw LuaError(.typeMismatch, "a table with a \(name) key cannot be passed to the host")
            }
            let item: LuaValue
            do { item = try value(at: -1, depth: depth + 1, budget: &budget) } catch {
                lh_pop(L, 2)
                if var error = error as? LuaError, error.kind == .typeMismatch {
                    error.message = "field '\(key)': " + error.message
                    throw error
                }
                throw error
            }
            fields[key] = item
            lh_pop(L, 1)
        }
        if count == length, length > 0 {
            sequence.reserveCapacity(length)
            for position in 1...length {
                guard let item = fields[String(position)] else { return .table(fields) }
                sequence.append(item)
            }
            return .array(sequence)
        }
        return .table(fields)
    }
}

/// Direct access to the stack for hot paths (see ``LuaState/call(_:limits:pushArguments:readResult:)``).
/// Valid only inside those closures.
public struct LuaStack {
    @usableFromInline let state: LuaState
    @usableFromInline var L: OpaquePointer { state.L }

    @usableFromInline init(state: LuaState) { self.state = state }

    public func push(_ value: LuaValue) throws { try state.push(value) }
    @inlinable
    public func pushNil() { lua_pushnil(L) }
    @inlinable
    public func push(_ value: Double) { lua_pushnumber(L, value) }
    @inlinable
    public func push(_ value: Int64) { lua_pushinteger(L, value) }
    @inlinable
    public func push(_ value: Bool) { lua_pushboolean(L, value ? 1 : 0) }
    public func push(_ value: String) { state.pushString(value) }
    @inlinable
    public func push(_ reference: LuaReference) { lh_push_ref(L, reference.id) }

    /// Start a table with room for `fields` named fields; set them with ``setField(_:)``.
    @inlinable
    public func newTable(sequence: Int = 0, fields: Int = 0) {
        lh_newtable(L, Int32(sequence), Int32(fields))
    }

    /// Pop the value on top into field `key` of the table below it.
    @inlinable
    public func setField(_ key: LuaFieldName) {
        lua_setfield(L, -2, key.cString)
    }

    /// Pop the value on top into position `index` of the table below it.
    @inlinable
    public func setIndex(_ index: Int) {
        lua_rawseti(L, -2, lua_Integer(index))
    }

    /// The value at `index` (negative counts from the top).
    public func value(at index: Int32) throws -> LuaValue { try state.value(at: index) }

    /// The number at `index`, or `nil` when it is not a number.
    @inlinable
    public func number(at index: Int32) -> Double? {
        lua_type(L, index) == LUA_TNUMBER ? lh_tonumber(L, index) : nil
    }

    /// Field `key` of the table at `index`, read raw, as a Swift value.
    public func field(_ key: LuaFieldName, of index: Int32) throws -> LuaValue {
        guard lua_type(L, index) == LUA_TTABLE else { return .nil }
        let table = lua_absindex(L, index)
        lua_pushstring(L, key.cString)
        lua_rawget(L, table)
        defer { lh_pop(L, 1) }
        return try state.value(at: -1)
    }
}

/// A table key kept as a stable C string, so setting it on a fresh table hits
/// Lua's string cache instead of hashing a new string on every call.
public final class LuaFieldName: @unchecked Sendable {
    public let name: String
    @usableFromInline let cString: UnsafeMutablePointer<CChar>

    public init(_ name: String) {
        self.name = name
        self.cString = strdup(name)
    }

    deinit { free(cString) }
}
