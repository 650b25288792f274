import TestSupport
import Testing
@testable import LuaHost

@Suite("LuaRecord pushes a fixed-shape table in one call")
struct LuaRecordTests {
    @Test("numbers, integers, booleans and strings arrive; nil fields are absent")
    func fields() throws {
        let lua = try LuaState()
        guard case .function(let describe) = try run("""
            return function(p)
              return string.format('%s|%s|%s|%s|%s', tostring(p.revenue), math.type(p.deals), tostring(p.active),
                                   p.region, tostring(p.missing))
            end
            """, in: lua) else { Issue.record("no function"); return }
        let record = LuaRecord(fields: ["revenue", "deals", "active", "region", "missing"])
        record.set(0, 1250.5)
        record.set(1, Int64(3))
        record.set(2, true)
        record.set(3, "EMEA")
        record.set(4, orNil: .nan)
        let read = { (stack: LuaStack) throws -> LuaValue in try stack.value(at: -1) }
        let push = { (stack: LuaStack) -> Int32 in stack.push(record); return 1 }
        #expect(try lua.call(describe, pushArguments: push, readResult: read) == "1250.5|integer|true|EMEA|nil")
        record.set(3, "APAC")
        record.setNil(0)
        #expect(try lua.call(describe, pushArguments: push, readResult: read) == "nil|integer|true|APAC|nil")
    }

    @Test("one record pushed into several states, and into a state opened after another closed, keeps its keys")
    func keysPerState() throws {
        let record = LuaRecord(fields: ["region", "deals"])
        record.set(0, "EMEA")
        record.set(1, Int64(7))
        let source = "return function(p) local n = 0 for _ in pairs(p) do n = n + 1 end return p.region .. p.deals .. n end"
        func describe(in lua: LuaState, padding: Int = 0) throws -> LuaValue {
            // References of the state's own first, so the keys' references differ between states.
            for _ in 0..<padding { _ = try lua.load(source: "return 'padding'", chunkName: "padding.lua") }
            guard case .function(let f) = try run(source, in: lua) else { return .nil }
            return try lua.call(f, pushArguments: { $0.push(record); return 1 }, readResult: { try $0.value(at: -1) })
        }
        let first = try LuaState()
        let second = try LuaState()
        #expect(try describe(in: first) == "EMEA72")
        #expect(try describe(in: second, padding: 3) == "EMEA72")
        #expect(try describe(in: first) == "EMEA72")
        // A second record with the same names shares the keys; one with other names gets its own.
        let other = LuaRecord(fields: ["deals", "tier"])
        other.set(0, Int64(1))
        other.set(1, "Gold")
        guard case .function(let keys) = try run("return function(p) return p.deals .. p.tier .. tostring(p.region) end", in: first)
        else { Issue.record("no function"); return }
        #expect(try first.call(keys, pushArguments: { $0.push(other); return 1 }, readResult: { try $0.value(at: -1) }) == "1Goldnil")
        do { let third = try LuaState(); #expect(try describe(in: third) == "EMEA72") }
        let fourth = try LuaState()
        #expect(try describe(in: fourth, padding: 5) == "EMEA72")
    }
}

@Suite("Long calls get their hook armed by the watchdog")
struct WatchdogTests {
    @Test("a budget above the exact threshold still stops an endless loop")
    func deferredBudget() throws {
        let limits = LuaLimits(instructions: 20_000_000, memoryBytes: 0, timeout: .zero)
        let error = luaError { try run("while true do end", name: "spin.lua", limits: limits) }
        #expect(error?.kind == .instructionLimit)
        #expect(error?.file == "spin.lua")
    }

    @Test("the time limit works on a Swift concurrency thread (which blocks most signals)")
    func concurrencyThread() async throws {
        let kind = await Task.detached { () -> LuaError.Kind? in
            let limits = LuaLimits(instructions: 0, memoryBytes: 0, timeout: .milliseconds(100))
            return luaError { try run("while true do end", limits: limits) }?.kind
        }.value
        #expect(kind == .timeLimit)
    }

    @Test("short calls never pay for the hook and still succeed under every limit")
    func shortCalls() throws {
        let lua = try LuaState()
        let chunk = try lua.load(source: "return function(x) return x * 2 end", chunkName: "double.lua")
        guard case .function(let double) = try lua.call(chunk)[0] else { Issue.record("no function"); return }
        for i in 0..<10_000 { #expect(try lua.call(double, [.integer(Int64(i))]) == [.integer(Int64(i * 2))]) }
    }
}
