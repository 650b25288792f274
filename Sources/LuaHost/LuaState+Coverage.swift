import CLua
import CLuaSandbox

/// Line coverage of Lua code, for policy test runs (`partnerscore test --coverage`).
extension LuaState {
    /// While true, every call records each executed line (slower: a line
    /// hook runs on every line).
    public var recordsCoverage: Bool {
        get { controlRecordsCoverage }
        set { lh_set_coverage(L, newValue ? 1 : 0) }
    }

    /// Executed lines by chunk name (without the leading `@`).
    public func coveredLines() -> [String: Set<Int>] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lh_push_coverage(L)
        var out: [String: Set<Int>] = [:]
        let table = lua_gettop(L)
        lua_pushnil(L)
        while lua_next(L, table) != 0 {
            if let chunk = string(at: -2), lua_type(L, -1) == LUA_TTABLE {
                out[Self.displayName(chunk)] = integerKeys(at: lua_gettop(L))
            }
            lh_pop(L, 1)
        }
        return out
    }

    /// The chunk and the lines holding code of a Lua function.
    public func activeLines(of function: LuaReference) -> (chunk: String, lines: Set<Int>)? {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        guard let source = lh_push_active_lines(L, function.id) else { return nil }
        return (Self.displayName(String(cString: source)), integerKeys(at: lua_gettop(L)))
    }

    private func integerKeys(at table: Int32) -> Set<Int> {
        var keys: Set<Int> = []
        lua_pushnil(L)
        while lua_next(L, table) != 0 {
            if lh_isinteger(L, -2) != 0 { keys.insert(Int(lh_tointeger(L, -2))) }
            lh_pop(L, 1)
        }
        return keys
    }

    static func displayName(_ chunk: String) -> String {
        chunk.hasPrefix("@") ? String(chunk.dropFirst()) : chunk
    }
}
