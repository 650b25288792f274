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

    /// The modules `require` loaded while coverage was recorded: chunk name
    /// and source, so their functions' lines can be listed.
    public var modulesLoadedWhileRecording: [(chunkName: String, source: String)] { recordedModules }

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

    /// The functions the text chunk `source` defines (nested ones included,
    /// the main chunk left out), each as the lines holding its code; the chunk
    /// is compiled, never run. Nil if it does not compile.
    public func functionLines(source: String, chunkName: String) -> [Set<Int>]? {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        var source = source
        let status = source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { lh_push_function_lines(L, $0.baseAddress, $0.count, "@" + chunkName) }
        }
        guard status == 0 else { return nil }
        let list = lua_gettop(L)
        var functions: [Set<Int>] = []
        for i in 0..<Int(lua_rawlen(L, list)) {
            lua_rawgeti(L, list, lua_Integer(i + 1))
            functions.append(integerKeys(at: lua_gettop(L)))
            lh_pop(L, 1)
        }
        return functions
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
