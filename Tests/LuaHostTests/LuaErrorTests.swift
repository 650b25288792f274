import TestSupport
import Testing
@testable import LuaHost

@Suite("Errors carry their kind, file, line and traceback")
struct LuaErrorTests {
    @Test("a runtime error names the chunk file and line, with a traceback")
    func runtime() throws {
        let error = luaError { try run("local x = 1\nlocal y = nil\nreturn x + y", name: "Policies/telecom/agents.lua") }
        #expect(error?.kind == .runtime)
        #expect(error?.file == "Policies/telecom/agents.lua")
        #expect(error?.line == 3)
        #expect(error?.message.contains("attempt to perform arithmetic on a nil value") == true)
        #expect(error?.traceback?.hasPrefix("stack traceback:") == true)
        #expect(error?.description.hasPrefix("Policies/telecom/agents.lua:3: attempt") == true)
    }

    @Test("a syntax error is a syntax error with its line")
    func syntax() throws {
        let error = luaError { try LuaState().load(source: "local x = \nif", chunkName: "Policies/x/y.lua") }
        #expect(error?.kind == .syntax)
        #expect(error?.file == "Policies/x/y.lua")
        #expect(error?.line == 2)
    }

    @Test("error() with a table value still gives a readable message")
    func nonStringError() throws {
        let error = luaError { try run("error({code = 7})") }
        #expect(error?.kind == .runtime)
        #expect(error?.message.contains("error object is a table value") == true)
    }

    @Test("error() at level 2 blames the caller's line")
    func level() throws {
        let error = luaError { try run("local function check(v)\n  error('bad value', 2)\nend\n\ncheck(1)", name: "p.lua") }
        #expect(error?.line == 5)
        #expect(error?.message == "bad value")
    }

    @Test("bytecode is refused")
    func bytecode() throws {
        let error = luaError { try LuaState().load(source: "\u{1B}Lua\u{54}\u{00}", chunkName: "evil.luac") }
        #expect(error?.kind == .sandboxViolation)
    }
}
