import TestSupport
import Testing
@testable import LuaHost

@Suite("Swift host functions are callable from Lua")
struct HostFunctionTests {
    @Test("arguments and results convert both ways")
    func roundTrip() throws {
        let lua = try LuaState()
        let add = lua.makeFunction { arguments in
            let total = arguments.compactMap(\.doubleValue).reduce(0, +)
            return [.number(total), .string("sum of \(arguments.count)")]
        }
        try lua.setGlobal("add", .function(add))
        #expect(try run("local total, label = add(1, 2, 3.5); return {total, label}", in: lua)
            == [.number(6.5), "sum of 3"])
    }

    @Test("a Swift error reaches Lua as an ordinary, catchable error at the caller's line")
    func errors() throws {
        struct Refused: Error, CustomStringConvertible { var description: String { "partner P-17 is unknown" } }
        let lua = try LuaState()
        try lua.setGlobal("lookup", .function(lua.makeFunction { _ in throw Refused() }))
        let caught = try run("local ok, message = pcall(function() return lookup('P-17') end); return {ok, message}", name: "q.lua", in: lua)
        #expect(caught == [false, "q.lua:1: partner P-17 is unknown"])
        let uncaught = luaError { try run("\nreturn lookup('P-17')", name: "q.lua", in: lua) }
        #expect(uncaught?.kind == .runtime)
        #expect(uncaught?.line == 2)
        #expect(uncaught?.message == "partner P-17 is unknown")
    }

    @Test("host functions are usable inside preloaded modules")
    func preloaded() throws {
        let lua = try LuaState()
        let today = lua.makeFunction { _ in ["2026-11-22"] }
        try lua.preload(module: "host", ["today": .function(today), "version": "1"])
        #expect(try run("local host = require 'host'; return host.today() .. '/' .. host.version", in: lua)
            == "2026-11-22/1")
        #expect(luaError { try run("local host = require 'host'; host.version = '2'", in: lua) }?.kind == .sandboxViolation)
    }

    @Test("a host library written in Lua can be preloaded")
    func preloadSource() throws {
        let lua = try LuaState()
        try lua.preload(module: "util", source: "return { double = function(x) return x * 2 end }", chunkName: "util")
        #expect(try run("return require('util').double(21)", in: lua) == 42)
    }
}
