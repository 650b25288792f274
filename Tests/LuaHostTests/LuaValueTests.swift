import TestSupport
import Testing
@testable import LuaHost

@Suite("Values cross between Swift and Lua unchanged")
struct LuaValueTests {
    let lua: LuaState
    let identity: LuaReference

    init() throws {
        lua = try LuaState()
        let chunk = try lua.load(source: "return function(...) return ... end", chunkName: "identity.lua")
        guard case .function(let function) = try lua.call(chunk)[0] else { throw LuaError(.typeMismatch, "no function") }
        identity = function
    }

    @Test("scalars round-trip", arguments: [
        LuaValue.nil, .boolean(true), .boolean(false), .integer(0), .integer(-42), .integer(Int64.max),
        .number(1.5), .number(-0.25), .number(1e300), .string(""), .string("héllo, wörld"), .string("a\0b"),
    ])
    func scalars(value: LuaValue) throws {
        #expect(try lua.call(identity, [value]) == [value])
    }

    @Test("arrays, maps and nesting round-trip")
    func nested() throws {
        let value: LuaValue = [
            "name": "Acme", "tiers": ["Silver", "Gold"], "revenue": 125_000.5, "count": 3,
            "nested": ["deep": ["deeper": [1, 2, ["x": true]]]],
        ]
        #expect(try lua.call(identity, [value]) == [value])
    }

    @Test("several arguments and results keep their order")
    func multiple() throws {
        #expect(try lua.call(identity, [1, "two", 3.5, nil, true]) == [1, "two", 3.5, nil, true])
    }

    @Test("integers stay integers and floats stay floats")
    func numberSubtypes() throws {
        #expect(try run("return 3") == .integer(3))
        #expect(try run("return 3.0") == .number(3.0))
        #expect(try run("return 7 // 2") == .integer(3))
        #expect(try run("return 7 / 2") == .number(3.5))
    }

    @Test("a table with gaps becomes a map with decimal keys")
    func sparse() throws {
        #expect(try run("return {[1] = 'a', [3] = 'c'}") == .table(["1": "a", "3": "c"]))
    }

    @Test("values the host cannot represent are type mismatches")
    func mismatches() throws {
        let error = luaError { try run("return {[true] = 1}") }
        #expect(error?.kind == .typeMismatch)
        let cyclic = luaError { try run("local t = {}; t.self = t; return t") }
        #expect(cyclic?.kind == .typeMismatch)
        let json = luaError { try (try run("return {f = function() end}")).jsonString() }
        #expect(json?.kind == .typeMismatch)
        #expect(json?.message.contains("$.f") == true)
    }

    @Test("JSON output is deterministic: sorted keys, shortest floats")
    func json() throws {
        let value = try run("return {b = 1, a = {2.5, 'x\\n'}, c = 1.0}")
        #expect(try value.jsonString() == #"{"a":[2.5,"x\n"],"b":1,"c":1.0}"#)
        #expect(luaError { try LuaValue.number(.nan).jsonString() }?.kind == .typeMismatch)
    }
}
