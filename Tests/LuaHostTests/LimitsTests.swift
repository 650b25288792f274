import Foundation
import TestSupport
import Testing
@testable import LuaHost

@Suite("Every call runs under instruction, memory and time limits")
struct LimitsTests {
    let small = LuaLimits(instructions: 1_000_000, memoryBytes: 8 << 20, timeout: .seconds(5))

    @Test("an infinite loop hits the instruction limit at its line")
    func infiniteLoop() throws {
        let error = luaError { try run("local x = 0\nwhile true do x = x + 1 end", name: "loop.lua", limits: small) }
        #expect(error?.kind == .instructionLimit)
        #expect(error?.file == "loop.lua")
        #expect(error?.line == 2)
    }

    @Test("a limit caught with pcall still fails the call")
    func caughtByPcall() throws {
        let source = """
            for i = 1, 10 do pcall(function() while true do end end) end
            return "survived"
            """
        #expect(luaError { try run(source, limits: small) }?.kind == .instructionLimit)
    }

    @Test("with no instruction budget the wall-clock limit stops a loop")
    func timeLimit() throws {
        let limits = LuaLimits(instructions: 0, memoryBytes: 0, timeout: .milliseconds(100))
        let clock = ContinuousClock()
        let start = clock.now
        let error = luaError { try run("while true do end", limits: limits) }
        #expect(error?.kind == .timeLimit)
        #expect(clock.now - start < .seconds(2))
    }

    @Test("a catastrophic pattern match is stopped inside the C call", arguments: [
        "return string.find(string.rep('a', 100000), '.-.-.-.-b')",
        "return ('a'):rep(50000):match('(.-)(.-)(.-)x')",
        "return select(2, string.gsub(string.rep('a', 20000), '.-.-.-b', ''))",
        "for w in string.gmatch(string.rep('a', 20000), '.-.-.-b') do end",
    ])
    func pathologicalPattern(snippet: String) throws {
        let clock = ContinuousClock()
        // The wall-clock limit alone stops it...
        var start = clock.now
        let timed = luaError { try run(snippet, limits: LuaLimits(instructions: 0, memoryBytes: 64 << 20, timeout: .milliseconds(200))) }
        #expect(timed?.kind == .timeLimit)
        #expect(clock.now - start < .seconds(2))
        // ...and so does the instruction budget alone: matching steps count as instructions.
        start = clock.now
        let counted = luaError { try run(snippet, limits: LuaLimits(instructions: 1_000_000, memoryBytes: 64 << 20, timeout: .zero)) }
        #expect(counted?.kind == .instructionLimit)
        #expect(clock.now - start < .seconds(2))
    }

    @Test("the memory cap is on live memory: garbage is collected before a request is refused")
    func garbageIsNotCounted() throws {
        let limits = LuaLimits(instructions: 0, memoryBytes: 64 << 20, timeout: .seconds(10))
        // Three 20 MB strings one after another: 60 MB allocated, 20 MB live at a time.
        let source = "local n = 0 for i = 1, 3 do local s = string.rep('x', 20000000) n = n + #s end return n"
        #expect(try run(source, limits: limits) == 60_000_000)
        // Across calls too: each call's garbage is the next call's to collect.
        let lua = try LuaState()
        for _ in 1...4 { #expect(try run("local s = string.rep('y', 20000000) return #s", in: lua, limits: limits) == 20_000_000) }
        // What is live still counts.
        let live = "local t = {} for i = 1, 4 do t[i] = string.rep(tostring(i), 20000000) end return #t"
        #expect(luaError { try run(live, limits: limits) }?.kind == .memoryLimit)
    }

    @Test("a memory limit caught with pcall still fails the call")
    func memoryCaughtByPcall() throws {
        let source = """
            for i = 1, 10 do pcall(function() local t = {} for j = 1, 1e8 do t[j] = j end end) end
            return "survived"
            """
        #expect(luaError { try run(source, limits: small) }?.kind == .memoryLimit)
    }

    @Test("a memory bomb is a memory-limit error", arguments: [
        "return string.rep('x', 1e10)",
        "return string.rep('x', 1e8)",
        "local t = {} for i = 1, 1e9 do t[i] = i end",
        "local s = 'x' for i = 1, 40 do s = s .. s end",
        "local t = {} for i = 1, 1e8 do t[#t + 1] = {i} end",
    ])
    func memoryBomb(snippet: String) throws {
        let lua = try LuaState()
        let error = luaError { try run(snippet, in: lua, limits: small) }
        #expect(error?.kind == .memoryLimit, "\(String(describing: error))")
        // The state is usable afterwards.
        #expect(try run("return 1 + 1", in: lua, limits: small) == 2)
    }

    @Test("deep recursion fails cleanly")
    func deepRecursion() throws {
        let generous = LuaLimits(instructions: 100_000_000, memoryBytes: 64 << 20, timeout: .seconds(10))
        let error = luaError { try run("local function f(n) return f(n + 1) + 1 end return f(1)", limits: generous) }
        #expect(error?.kind == .runtime || error?.kind == .memoryLimit)
        #expect(error?.message.contains("stack overflow") == true || error?.kind == .memoryLimit)
    }

    @Test("a timeout too long to count in nanoseconds is no limit, not a trap or an instant expiry")
    func hugeTimeout() throws {
        let limits = LuaLimits(instructions: 0, memoryBytes: 0, timeout: .seconds(Int64.max))
        #expect(limits.timeoutNanoseconds == .max)
        #expect(try run("local n = 0 for i = 1, 1000 do n = n + i end return n", limits: limits) == 500_500)
    }

    @Test("limits are per call: a later call gets a fresh budget")
    func perCall() throws {
        let lua = try LuaState()
        let chunk = try lua.load(source: "local n = 0 for i = 1, 300000 do n = n + i end return n", chunkName: "sum.lua")
        for _ in 0..<5 { #expect(try lua.call(chunk, limits: small) == [.integer(45_000_150_000)]) }
        let tight = LuaLimits(instructions: 1000, memoryBytes: 0, timeout: .zero)
        #expect(luaError { try lua.call(chunk, limits: tight) }?.kind == .instructionLimit)
        #expect(try lua.call(chunk, limits: small) == [.integer(45_000_150_000)])
    }

    @Test("memory stays flat over 100k calls")
    func flatMemory() throws {
        let lua = try LuaState()
        let chunk = try lua.load(source: """
            return function(p)
              local parts = {}
              for k, v in pairs(p) do parts[#parts + 1] = k .. '=' .. tostring(v) end
              table.sort(parts)
              return table.concat(parts, ',')
            end
            """, chunkName: "flat.lua")
        guard case .function(let function) = try lua.call(chunk)[0] else { Issue.record("no function"); return }
        let record: LuaValue = ["a": 1, "b": "two", "c": 3.5]
        for _ in 0..<1_000 { _ = try lua.call(function, [record]) }
        let before = lua.memoryInUse
        var highest = before
        for i in 0..<100_000 {
            _ = try lua.call(function, [record])
            if i % 1000 == 0 { highest = max(highest, lua.memoryInUse) }
        }
        #expect(lua.memoryInUse < before + (1 << 20), "grew from \(before) to \(lua.memoryInUse)")
        #expect(highest < before + (4 << 20))
    }
}
