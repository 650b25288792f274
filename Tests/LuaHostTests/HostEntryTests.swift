import Foundation
import TestSupport
import Testing
@testable import LuaHost

/// Every way policy code gets to run is under the call's limits — including
/// code the host itself triggers (turning an error object into text, reading
/// the values a call returned) and work done inside the libraries' C loops,
/// where Lua's count hook never fires.
@Suite("Code the host triggers runs under the call's limits")
struct HostEntryTests {
    /// A budget alone, and a deadline alone: each must stop the code by itself.
    static let budgetOnly = LuaLimits(instructions: 1_000_000, memoryBytes: 16 << 20, timeout: .zero)
    static let deadlineOnly = LuaLimits(instructions: 0, memoryBytes: 16 << 20, timeout: .milliseconds(200))

    @Test("an error object's __tostring is policy code: a loop in it hits the call's limit", arguments: [
        (budgetOnly, LuaError.Kind.instructionLimit), (deadlineOnly, .timeLimit),
    ])
    func loopingToString(limits: LuaLimits, kind: LuaError.Kind) throws {
        let error = try withinSeconds(10) {
            luaError { try run("local x = 1\nerror(setmetatable({}, {__tostring = function() while true do end end}))",
                               name: "tostring.lua", limits: limits) }
        } ?? nil
        #expect(error?.kind == kind, "\(String(describing: error))")
        #expect(error?.file == "tostring.lua")
        #expect(error?.line == 2)
    }

    @Test("an error object's __tostring building a huge string hits the memory cap")
    func hugeToString() throws {
        let error = try withinSeconds(10) {
            luaError { try run("error(setmetatable({}, {__tostring = function() return ('x'):rep(1e12) end}))", limits: Self.budgetOnly) }
        } ?? nil
        #expect(error?.kind == .memoryLimit, "\(String(describing: error))")
        let concatenated = try withinSeconds(10) {
            luaError { try run("""
                error(setmetatable({}, {__tostring = function() local s = 'x' while true do s = s .. s end end}))
                """, limits: Self.deadlineOnly) }
        } ?? nil
        #expect(concatenated?.kind == .memoryLimit, "\(String(describing: concatenated))")
    }

    @Test("a __tostring that fails reports its own error")
    func failingToString() throws {
        let error = luaError { try run("error(setmetatable({}, {__tostring = function() error('inner trouble') end}))", name: "t.lua") }
        #expect(error?.kind == .runtime)
        #expect(error?.message.contains("inner trouble") == true, "\(String(describing: error))")
        #expect(error?.file == "t.lua")
    }

    @Test("an error raised with a table, a number or nil names the line that raised it", arguments: [
        ("error({code = 42})", "(error object is a table value)"),
        ("error(42)", "42"),
        ("error()", "(error object is a nil value)"),
        ("error(setmetatable({}, {__tostring = function() return 'code 42' end}))", "code 42"),
    ])
    func positionOfNonStringErrors(raise: String, message: String) throws {
        let source = """
            local function check(p)
              if p then
                \(raise)
              end
            end
            return check(true)
            """
        let error = luaError { try run(source, name: "Policies/x/p.lua") }
        #expect(error?.kind == .runtime)
        #expect(error?.file == "Policies/x/p.lua")
        #expect(error?.line == 3, "\(String(describing: error))")
        #expect(error?.message == message)
    }

    @Test("C library loops count as instructions and see the deadline", arguments: [
        "return table.move({}, 1, math.maxinteger - 1, 2)",
        "table.insert(setmetatable({}, {__len = function() return 2^53 end}), 1, 'x')",
        "table.remove(setmetatable({}, {__len = function() return 2^53 end}), 1)",
        "local t = setmetatable({}, {__index = table.concat}) return table.concat(t, '', 1, 2^40)",
        "table.sort(setmetatable({}, {__len = function() return 2^31 - 2 end}), math.type)",
    ])
    func libraryLoops(snippet: String) throws {
        let counted = try withinSeconds(20) { luaError { try run(snippet, limits: Self.budgetOnly) } } ?? nil
        let timed = try withinSeconds(20) { luaError { try run(snippet, limits: Self.deadlineOnly) } } ?? nil
        #expect(counted?.kind == .instructionLimit, "\(String(describing: counted))")
        #expect(timed?.kind == .timeLimit, "\(String(describing: timed))")
    }

    @Test("a plain find is linear in both lengths")
    func plainFind() throws {
        // A byte-by-byte scan compared 10M bytes at each of 10M places.
        let limits = LuaLimits(instructions: 1_000_000, memoryBytes: 64 << 20, timeout: .seconds(5))
        let found = try withinSeconds(10) {
            try run("local s = ('a'):rep(2e7) return s:find(('a'):rep(1e7) .. 'b', 1, true) == nil and s:find(('a'):rep(1e7), 5, true)",
                    limits: limits)
        }
        #expect(found == 5)
    }

    @Test("string.rep of an empty string returns at once; other results are unchanged")
    func stringRep() throws {
        let limits = Self.budgetOnly
        #expect(try withinSeconds(10) { try run("return #string.rep('', 2^62)", limits: limits) } == 0)
        #expect(try withinSeconds(10) { try run("return #string.rep('', 2^62, '')", limits: limits) } == 0)
        let cases: [(String, LuaValue)] = [
            ("return ('ab'):rep(3)", "ababab"), ("return ('ab'):rep(3, ', ')", "ab, ab, ab"), ("return ('x'):rep(1, '-')", "x"),
            ("return (''):rep(3, '-')", "--"), ("return ('ab'):rep(0)", ""), ("return ('ab'):rep(-1, ',')", ""),
            ("return #('abc'):rep(100000, ';')", .integer(399_999)),
            ("local s = ('ab'):rep(1000, 'x') return s:sub(1, 5) .. s:sub(-5)", "abxababxab"),
        ]
        for (snippet, expected) in cases { #expect(try run(snippet, limits: limits) == expected, "\(snippet)") }
        #expect(luaError { try run("return ('xy'):rep(2^62)", limits: .unlimited) }?.message.contains("too large") == true)
    }

    @Test("table functions behave as the stock ones")
    func tableFunctions() throws {
        let source = """
            local t = {5, 3, 9, 1, 7}
            table.sort(t)
            local u = {5, 3, 9, 1, 7}
            table.sort(u, function(a, b) return a > b end)
            table.insert(t, 1, 0) table.insert(t, 10)
            local removed = table.remove(t, 2)
            local moved = table.move({1, 2, 3}, 1, 3, 2)
            local words = {} for i = 1, 300 do words[i] = tostring((i * 7919) % 1000) end
            table.sort(words)
            local sorted = true
            for i = 2, #words do if words[i - 1] > words[i] then sorted = false end end
            return table.concat(t, ",") .. "|" .. table.concat(u, ",") .. "|" .. removed .. "|"
              .. table.concat(moved, ",") .. "|" .. select("#", table.unpack(t)) .. "|" .. tostring(sorted)
            """
        #expect(try run(source) == "0,3,5,7,9,10|9,7,5,3,1|1|1,1,2,3|6|true")
        #expect(luaError { try run("local t = {} for i = 1, 100 do t[i] = i end table.sort(t, function(a, b) return true end)") }?.message
            .contains("invalid order function") == true)
        #expect(luaError { try run("table.insert({}, 5, 1)") }?.message.contains("position out of bounds") == true)
    }

    @Test("reading a returned table that shares tables is bounded by the call's limits", arguments: [
        (LuaLimits(instructions: 1_000_000, memoryBytes: 8 << 20, timeout: .zero), LuaError.Kind.memoryLimit),
        (LuaLimits(instructions: 1_000_000, memoryBytes: 0, timeout: .milliseconds(200)), .timeLimit),
    ])
    func sharedTables(limits: LuaLimits, kind: LuaError.Kind) throws {
        let error = try withinSeconds(20) {
            luaError { try run("local t = {} for i = 1, 60 do t = {t, t, x = i} end return t", limits: limits) }
        } ?? nil
        #expect(error?.kind == kind, "\(String(describing: error))")
        // Ordinary sharing reads as before.
        #expect(try run("local c = {1, 2} return {a = c, b = c}", limits: limits) == ["a": [1, 2], "b": [1, 2]])
    }

    @Test("reading a returned table never runs its metamethods")
    func rawReads() throws {
        let value = try withinSeconds(10) {
            try run("""
                local loop = function() while true do end end
                local mt = {__index = loop, __pairs = loop, __len = loop, __eq = loop, __tostring = loop, __name = 'x'}
                return setmetatable({a = 1, list = setmetatable({1, 2}, mt)}, mt)
                """, limits: Self.budgetOnly)
        }
        #expect(value == ["a": 1, "list": [1, 2]])
    }

    @Test("arguments a script passes to a host function are read under the same bounds")
    func hostFunctionArguments() throws {
        let error = try withinSeconds(20) { () -> LuaError? in
            let lua = try LuaState()
            let count = lua.makeFunction { arguments in [.integer(Int64(arguments.count))] }
            try lua.setGlobal("count", .function(count))
            return luaError { try run("local t = {} for i = 1, 60 do t = {t, t} end return count(t)", in: lua,
                                      limits: LuaLimits(instructions: 1_000_000, memoryBytes: 8 << 20, timeout: .zero)) }
        } ?? nil
        #expect(error?.message.contains("memory limit") == true, "\(String(describing: error))")
    }

    @Test("metamethods reached from C run under the call's limits", arguments: [
        "local v = setmetatable({}, {__tostring = function() while true do end end}) return tostring(v)",
        "local v = setmetatable({}, {__tostring = function() while true do end end}) return string.format('%s', v)",
        "local v = setmetatable({}, {__tostring = function() while true do end end}) print(v)",
        "local v = setmetatable({}, {__index = function() while true do end end}) return table.concat(v, ',', 1, 2)",
        "local m = {__lt = function() while true do end end} table.sort({setmetatable({}, m), setmetatable({}, m)})",
        "local v = setmetatable({}, {__concat = function() while true do end end}) return v .. 'x'",
        "local v = setmetatable({}, {__len = function() while true do end end}) return #v",
        "local m = {__eq = function() while true do end end} return setmetatable({}, m) == setmetatable({}, m)",
        "local v = setmetatable({}, {__pairs = function() while true do end end}) for k in pairs(v) do end",
        "do local v <close> = setmetatable({}, {__close = function() while true do end end}) end",
        "local v <close> = setmetatable({}, {__close = function() while true do end end}) while true do end",
    ])
    func metamethods(snippet: String) throws {
        let error = try withinSeconds(10) { luaError { try run(snippet, limits: Self.budgetOnly) } } ?? nil
        #expect(error?.kind == .instructionLimit, "\(String(describing: error))")
    }

    @Test("finalizers never run policy code: __gc is refused, and one added later is never called")
    func finalizers() throws {
        #expect(luaError { try run("setmetatable({}, {__gc = false})") }?.kind == .sandboxViolation)
        let source = """
            local seen = {}
            local mt = {}
            for i = 1, 100 do setmetatable({}, mt) end
            mt.__gc = function() seen.ran = true; while true do end end
            for i = 1, 100000 do local garbage = {i, tostring(i)} end   -- several collection cycles
            return seen.ran == true
            """
        #expect(try withinSeconds(10) { () -> LuaValue in
            let lua = try LuaState()
            let ran = try run(source, in: lua, limits: .default)
            _ = try run("return setmetatable({}, getmetatable(setmetatable({}, {})))", in: lua)
            return ran   // the state closes here: no finalizer runs at close either
        } == false)
    }

    @Test("a call can be cancelled from another thread, and the state serves later calls")
    func cancel() throws {
        let lua = try LuaState()
        let loop = try lua.load(source: "while true do end", chunkName: "spin.lua")
        let quick = try lua.load(source: "return 42", chunkName: "quick.lua")
        let unlimited = LuaLimits.unlimited
        // Before the call: it fails at once.
        lua.requestCancel()
        #expect(luaError { try lua.call(quick, limits: unlimited) }?.kind == .cancelled)
        lua.clearCancel()
        #expect(try lua.call(quick, limits: unlimited) == [42])
        // While it runs, with no limit at all.
        final class Shared: @unchecked Sendable {   // requestCancel is the one method another thread may call
            let lua: LuaState
            init(_ lua: LuaState) { self.lua = lua }
        }
        let shared = Shared(lua)
        // With the hook armed by the watchdog, and armed from the first instruction (as coverage does).
        for (limits, coverage) in [(unlimited, false), (LuaLimits(instructions: 10_000_000_000, memoryBytes: 0, timeout: .zero), false),
                                   (unlimited, true)] {
            lua.recordsCoverage = coverage
            let started = DispatchSemaphore(value: 0)
            let canceller = Thread {
                started.wait()
                Thread.sleep(forTimeInterval: 0.05)
                shared.lua.requestCancel()
            }
            canceller.start()
            let clock = ContinuousClock()
            let start = clock.now
            started.signal()
            let error = luaError { try lua.call(loop, limits: limits) }
            #expect(error?.kind == .cancelled, "\(String(describing: error))")
            #expect(clock.now - start < .seconds(5))
            lua.clearCancel()
        }
        lua.recordsCoverage = false
        #expect(try lua.call(quick, limits: unlimited) == [42])
    }
}

/// Run `body` on a thread of its own and fail the test if it takes more than
/// `seconds` (instead of hanging the whole run when a limit does not hold;
/// the runaway thread is left behind).
func withinSeconds<T>(_ seconds: Double, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: @escaping () throws -> T) throws -> T? {
    let box = TimedWork(body)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.result = Result { try box.body() }
        done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    guard done.wait(timeout: .now() + seconds) == .success else {
        Issue.record("still running after \(seconds) s: a limit did not hold", sourceLocation: sourceLocation)
        return nil
    }
    return try box.result!.get()
}

/// The work ``withinSeconds(_:sourceLocation:_:)`` hands to its thread, and the result it leaves.
private final class TimedWork<T>: @unchecked Sendable {
    let body: () throws -> T
    var result: Result<T, Error>?
    init(_ body: @escaping () throws -> T) { self.body = body }
}
