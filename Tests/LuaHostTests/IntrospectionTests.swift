import Foundation
import TestSupport
import Testing
@testable import LuaHost

/// What tools read from a state: the lines of every function a chunk defines
/// (coverage of helper modules), the globals the sandbox offers (luacheck's
/// configuration) and where a function is defined.
@Suite("A state describes its functions and its sandbox")
struct IntrospectionTests {
    /// A chunk whose functions Lua itself can list: it returns every function
    /// it defines, nested ones included, so their active lines (lua_getinfo "L")
    /// are the truth to compare with.
    static let chunk = """
        local m = {}
        function m.plain(p)
          if p then
            return 1
          end
          return 2
        end
        function m.outer(x)
          local function inner(y)
            return y * 2
          end
          return inner(x) + 1
        end
        m.vararg = function(...)
          local n = select("#", ...)
          return n
        end
        m.oneline = function() return 3 end
        -- a function whose lines are far apart (line deltas over 127 need absolute line info)
        function m.far()
          local a = 1
        \(String(repeating: "\n", count: 300))  local b = a + 1
          return b
        end
        -- a function of more than 128 instructions (absolute line info every 128)
        function m.long(t)
        \((1...90).map { "  t[\($0)] = t[\($0 - 1)] + \($0)\n" }.joined())  return t
        end
        return m, { m.plain, m.outer, m.vararg, m.oneline, m.far, m.long }
        """

    @Test("every function a chunk defines, nested ones too, with the lines Lua reports for each")
    func functionLines() throws {
        let lua = try LuaState()
        let lines = try #require(lua.functionLines(source: Self.chunk, chunkName: "m.lua"))
        // The chunk itself, run, gives the top-level functions; `inner` is nested in `outer`.
        let chunk = try lua.load(source: Self.chunk, chunkName: "m.lua")
        let results = try lua.call(chunk)
        guard case .array(let functions) = results[1] else { Issue.record("no functions"); return }
        var expected: [Set<Int>] = []
        for case .function(let reference) in functions {
            expected.append(try #require(lua.activeLines(of: reference)).lines)
        }
        #expect(lines.count == functions.count + 1, "six top-level functions and the one nested in m.outer")
        for active in expected { #expect(lines.contains(active), "\(active.sorted()) is one of the chunk's functions") }
        let inner = lines.filter { !expected.contains($0) }
        #expect(inner == [[10]], "the nested function's own line")
        // Beyond 127 lines apart and beyond 128 instructions: absolute line information read right.
        #expect(lines.contains { $0 == [21, 322, 323] })
        #expect(lines.contains { $0 == Set(327...417) })
    }

    @Test("a chunk that does not compile has no function lines; nothing runs")
    func notCompiled() throws {
        let lua = try LuaState()
        #expect(lua.functionLines(source: "function (", chunkName: "bad.lua") == nil)
        #expect(lua.functionLines(source: "error('never run')", chunkName: "main.lua") == [])
    }

    @Test("the sandbox's globals are the allowed ones; libraries list only the members left in them")
    func sandboxGlobals() throws {
        let globals = try LuaState().sandboxGlobals()
        let names = globals.map(\.name)
        for name in ["print", "require", "pairs", "setmetatable", "_VERSION", "string", "math", "table", "utf8"] {
            #expect(names.contains(name), "\(name)")
        }
        for name in ["os", "io", "debug", "load", "dofile", "collectgarbage", "rawset", "coroutine", "package"] {
            #expect(!names.contains(name), "\(name) is not available to policies")
        }
        let members = Dictionary(uniqueKeysWithValues: globals.compactMap { g in g.members.map { (g.name, $0) } })
        #expect(members["string"]?.contains("format") == true)
        #expect(members["string"]?.contains("dump") == false)
        #expect(members["math"]?.contains("random") == false && members["math"]?.contains("floor") == true)
        #expect(members["print"] == nil)
    }

    @Test("a function's definition: chunk and first line")
    func definition() throws {
        let lua = try LuaState()
        let chunk = try lua.load(source: "local x = 1\nreturn function(p)\n  return p\nend", chunkName: "Policies/s/p.lua")
        guard case .function(let f) = try lua.call(chunk).first ?? .nil else { Issue.record("no function"); return }
        #expect(lua.definition(of: f)?.chunk == "Policies/s/p.lua")
        #expect(lua.definition(of: f)?.line == 2)
    }
}
