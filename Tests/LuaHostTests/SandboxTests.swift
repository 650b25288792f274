import TestSupport
import Testing
@testable import LuaHost

@Suite("The sandbox refuses everything outside base, string, table, math and utf8")
struct SandboxTests {
    @Test("removed globals are sandbox violations", arguments: [
        "os.execute('id')", "io.open('/etc/passwd')", "debug.getinfo(1)", "package.loadlib('x', 'y')",
        "dofile('/etc/passwd')", "loadfile('/etc/passwd')", "load('return 1')", "collectgarbage()",
        "rawset({}, 1, 2)", "coroutine.create(print)", "return os", "warn('x')",
    ])
    func removedGlobals(snippet: String) throws {
        let error = luaError { try run(snippet, name: "Policies/x/p.lua") }
        #expect(error?.kind == .sandboxViolation, "\(snippet): \(String(describing: error))")
        #expect(error?.file == "Policies/x/p.lua")
        #expect(error?.line == 1)
    }

    @Test("removed library members are sandbox violations", arguments: [
        "return string.dump(print)", "return ('x'):dump()", "return math.random()", "math.randomseed(1)",
    ])
    func removedMembers(snippet: String) throws {
        #expect(luaError { try run(snippet) }?.kind == .sandboxViolation)
    }

    @Test("library tables are read-only and stay intact", arguments: [
        "string.upper = function() return 'pwned' end", "table.insert = nil", "math.pi = 3", "utf8.char = nil",
        "string.newfield = 1",
    ])
    func readOnlyLibraries(snippet: String) throws {
        let lua = try LuaState()
        #expect(luaError { try run(snippet, in: lua) }?.kind == .sandboxViolation)
        #expect(try run("return string.upper('a') .. #table .. tostring(math.pi > 3.14) .. utf8.char(72)", in: lua)
            == "A0trueH")
        #expect(try run("return string.newfield", in: lua) == .nil)
    }

    @Test("the string metatable is protected")
    func stringMetatable() throws {
        #expect(try run("return getmetatable('')") == .boolean(false))
        let error = luaError { try run("setmetatable('', {})") }
        #expect(error?.kind == .runtime)
    }

    @Test("writing an undeclared global is a violation; reading one is an error")
    func globals() throws {
        #expect(luaError { try run("total = 1") }?.kind == .sandboxViolation)
        #expect(luaError { try run("_ENV.total = 1") }?.kind == .sandboxViolation)
        let read = luaError { try run("return totl + 1") }
        #expect(read?.kind == .runtime)
        #expect(read?.message.contains("undeclared global 'totl'") == true)
        #expect(try run("local total = 1; total = total + 1; return total") == 2)
    }

    @Test("a violation caught with pcall still fails the call")
    func caughtViolation() throws {
        let error = luaError { try run("local ok = pcall(function() return os.time() end); return 'escaped'") }
        #expect(error?.kind == .sandboxViolation)
    }

    @Test("__gc metamethods are refused; other metatables work")
    func finalizers() throws {
        #expect(luaError { try run("setmetatable({}, {__gc = function() end})") }?.kind == .sandboxViolation)
        #expect(try run("local v = setmetatable({}, {__index = function(_, k) return k .. '!' end}); return v.hi")
            == "hi!")
    }

    @Test("the allowed base functions are there", arguments: [
        "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "print", "rawequal", "rawget",
        "rawlen", "require", "select", "setmetatable", "tonumber", "tostring", "type", "xpcall",
    ])
    func allowed(name: String) throws {
        #expect(try run("return type(\(name))") == "function")
    }

    @Test("pairs and # work on read-only library proxies")
    func proxies() throws {
        #expect(try run("local n = 0; for k, v in pairs(math) do n = n + 1 end; return n > 20") == true)
    }

    @Test("print goes to the host's output")
    func printing() throws {
        let lua = try LuaState()
        var lines: [String] = []
        lua.output = { lines.append($0) }
        _ = try run("print('tier', 2, nil, true)", in: lua)
        #expect(lines == ["tier\t2\tnil\ttrue"])
    }
}

@Suite("Scripts loaded into one state cannot see or change each other")
struct IsolationTests {
    @Test("each chunk has its own environment")
    func environments() throws {
        let lua = try LuaState()
        let first = try lua.load(source: "local secret = 42; function leak() return secret end", chunkName: "a.lua")
        #expect(luaError { try lua.call(first) }?.kind == .sandboxViolation)
        #expect(luaError { try run("return leak()", in: lua) }?.message.contains("undeclared global 'leak'") == true)
    }

    @Test("a failed tampering attempt leaves the next script unaffected")
    func tampering() throws {
        let lua = try LuaState()
        _ = luaError { try run("pcall(function() string.format = nil end); tostring = nil", in: lua) }
        #expect(try run("return string.format('%d-%s', 1, tostring(2))", in: lua) == "1-2")
    }

    @Test("two policies' functions keep separate state")
    func closures() throws {
        let lua = try LuaState()
        let source = "local count = 0; return function() count = count + 1; return count end"
        guard case .function(let a) = try run(source, name: "a.lua", in: lua),
              case .function(let b) = try run(source, name: "b.lua", in: lua) else { Issue.record("no functions"); return }
        _ = try lua.call(a)
        _ = try lua.call(a)
        #expect(try lua.call(a) == [3])
        #expect(try lua.call(b) == [1])
    }
}
