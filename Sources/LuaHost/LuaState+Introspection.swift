import CLua
import CLuaSandbox

/// What the sandbox offers, read from a state itself: for tools that must
/// match it (the editor files `partnerscore policy editor-files` writes).
extension LuaState {
    /// The globals a script sees, sorted by name; for a library table, the
    /// names of its members (those the sandbox left in it), sorted.
    public func sandboxGlobals() -> [(name: String, members: [String]?)] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        // A chunk's environment reads through (`__index`) to the shared globals table.
        lh_push_environment(L)
        guard lua_getmetatable(L, -1) != 0, lua_getfield(L, -1, "__index") == LUA_TTABLE else { return [] }
        let globals = lua_gettop(L)
        var out: [(name: String, members: [String]?)] = []
        lua_pushnil(L)
        while lua_next(L, globals) != 0 {
            if let name = string(at: -2) {
                var members: [String]?
                // A library is a read-only proxy; its metatable's `__target` is the table itself.
                if lua_type(L, -1) == LUA_TTABLE, lua_getmetatable(L, -1) != 0 {
                    if lua_getfield(L, -1, "__target") == LUA_TTABLE { members = keys(at: lua_gettop(L)).sorted() }
                    lh_pop(L, 2)
                }
                out.append((name, members))
            }
            lh_pop(L, 1)
        }
        return out.sorted { $0.name < $1.name }
    }

    /// Where a Lua function is defined: its chunk and first line (nil for a C function).
    public func definition(of function: LuaReference) -> (chunk: String, line: Int)? {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lh_push_ref(L, function.id)
        guard lua_type(L, -1) == LUA_TFUNCTION else { return nil }
        var info = lua_Debug()
        guard lua_getinfo(L, ">S", &info) != 0, let source = info.source, info.linedefined > 0 else { return nil }
        return (Self.displayName(String(cString: source)), Int(info.linedefined))
    }

    private func keys(at table: Int32) -> [String] {
        var keys: [String] = []
        lua_pushnil(L)
        while lua_next(L, table) != 0 {
            if lua_type(L, -2) == LUA_TSTRING, let key = string(at: -2) { keys.append(key) }
            lh_pop(L, 1)
        }
        return keys
    }
}
