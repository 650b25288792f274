import CLua
import CLuaSandbox

/// A Swift function callable from Lua. It receives the arguments converted to
/// ``LuaValue`` and returns its results; a thrown error reaches the script as
/// an ordinary Lua error (catchable with `pcall`) at the caller's position,
/// except ``LuaError/Kind/sandboxViolation``, which stops the whole call.
public typealias HostFunction = ([LuaValue]) throws -> [LuaValue]

extension LuaState {
    /// A Lua function value that calls `body`; put it in tables or globals.
    public func makeFunction(_ body: @escaping HostFunction) -> LuaReference {
        hostFunctions.append(body)
        lh_push_hostfunction(L, Int32(hostFunctions.count - 1))
        return LuaReference(id: lh_ref(L))
    }

    /// A Lua function `position(level)` returning the file and line of the
    /// Lua function at `level` (1 = the caller of the function calling it):
    /// lets host libraries record where a policy declared something.
    public func makePositionFunction() -> LuaReference {
        lh_push_position_function(L)
        return LuaReference(id: lh_ref(L))
    }

    /// Push `value` into the registry and return a reference to it (tables
    /// stay one table, so several calls can share them). Release it when done.
    public func reference(to value: LuaValue) throws -> LuaReference {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try push(value)
        return LuaReference(id: lh_ref(L))
    }

    /// Make `value` a read-only global visible to every chunk of this state.
    public func setGlobal(_ name: String, _ value: LuaValue) throws {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try push(value)
        lh_set_global(L, name)
    }

    /// Make `require(name)` return `value` (tables become read-only).
    public func preload(module name: String, _ value: LuaValue) throws {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try push(value)
        lh_preload(L, name)
    }

    /// Run `source` once (unlimited, it is host code) and make `require(name)`
    /// return its result: host libraries written partly in Lua.
    public func preload(module name: String, source: String, chunkName: String) throws {
        let chunk = try load(source: source, chunkName: chunkName)
        defer { release(chunk) }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lh_push_ref(L, chunk.id)
        try protectedCall(arguments: 0, results: 1, limits: .unlimited)
        lh_preload(L, name)
    }

    func dispatch(id: Int) -> Int32 {
        let count = lua_gettop(L)
        do {
            var arguments: [LuaValue] = []
            arguments.reserveCapacity(Int(count))
            if count > 0 {
                for index in 1...count { arguments.append(try value(at: index)) }
            }
            let results = try hostFunctions[id](arguments)
            guard lua_checkstack(L, Int32(results.count) + 2) != 0 else {
                pushString("too many results from a host function")
                return LH_HOST_ERROR
            }
            for result in results { try push(result) }
            return Int32(results.count)
        } catch let error as LuaError {
            pushString(error.message)
            return error.kind == .sandboxViolation ? LH_HOST_SANDBOX_VIOLATION : LH_HOST_ERROR
        } catch {
            pushString(String(describing: error))
            return LH_HOST_ERROR
        }
    }
}
