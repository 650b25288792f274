import TestSupport
import Testing
@testable import LuaHost

/// The interruptible matcher must behave exactly like Lua's own.
@Suite("string.find/match/gmatch/gsub match the stock Lua 5.4 behaviour")
struct PatternTests {
    static let cases: [(subject: String, pattern: String)] = [
        ("hello world", "o w"), ("hello world", "l+"), ("hello world", "(h)(e)"), ("hello", "()ll()"),
        ("  trim me  ", "^%s*(.-)%s*$"), ("key = value", "(%w+)%s*=%s*(%w+)"), ("THE (quick) fox", "%((%a+)%)"),
        ("f(a(b)c)d", "%b()"), ("THE (quick) fox", "%f[%a]%a+"), ("aaa", "a-b"), ("aaab", "a-b"), ("", ""),
        ("abc", ""), ("abc", "$"), ("abc", "^"), ("a.b", "%."), ("a+b", "a+b"), ("x=1, y=22", "(%a)=(%d+)"),
        ("2026-11-22", "(%d+)-(%d+)-(%d+)"), ("abcabc", "(abc)%1"), ("hello", "[aeiou]"), ("hello", "[^aeiou]+"),
        ("a-z", "[a%-z]"), ("0x1F", "%x+"), ("tab\there", "%c"), ("Ünïcode", "[%z\u{80}-\u{FF}]+"),
        ("one two  three", "%S+"), ("aaa", "a?a?a?aaa"), ("abc", ".?b"), ("[x]", "[]]"), ("[x]", "[^]]"),
        ("caab", "a*"), ("abc", "((a)(b))"), ("ab", "(a)()"), ("name@example.com", "^[%w.]+@[%w.]+%.%a+$"),
    ]

    @Test("find, match, gmatch and gsub agree with the stock library")
    func equivalence() throws {
        let lua = try LuaState()
        lua.exposeStockPatternFunctions()
        let chunk = try lua.load(source: """
            local subject, pattern = ...
            local function pack(...) return {n = select('#', ...), ...} end
            local function same(a, b)
              if a.n ~= b.n then return false end
              for i = 1, a.n do if a[i] ~= b[i] then return false end end
              return true
            end
            local function collect(gm, s, p)
              local out = {}
              for a, b in gm(s, p) do out[#out + 1] = tostring(a) .. '|' .. tostring(b) end
              return table.concat(out, ';')
            end
            local checks = {
              find = same(pack(string.find(subject, pattern)), pack(stock_string.find(subject, pattern))),
              find3 = same(pack(string.find(subject, pattern, 2)), pack(stock_string.find(subject, pattern, 2))),
              findneg = same(pack(string.find(subject, pattern, -3)), pack(stock_string.find(subject, pattern, -3))),
              plain = same(pack(string.find(subject, pattern, 1, true)), pack(stock_string.find(subject, pattern, 1, true))),
              match = same(pack(string.match(subject, pattern)), pack(stock_string.match(subject, pattern))),
              gmatch = collect(string.gmatch, subject, pattern) == collect(stock_string.gmatch, subject, pattern),
              gsub = same(pack(string.gsub(subject, pattern, '<%0>')), pack(stock_string.gsub(subject, pattern, '<%0>'))),
              gsubfn = same(pack(string.gsub(subject, pattern, function(c) return '[' .. tostring(c) .. ']' end)),
                            pack(stock_string.gsub(subject, pattern, function(c) return '[' .. tostring(c) .. ']' end))),
              gsubtbl = same(pack(string.gsub(subject, pattern, {a = 'A', hello = 'HI'})),
                             pack(stock_string.gsub(subject, pattern, {a = 'A', hello = 'HI'}))),
              gsubmax = same(pack(string.gsub(subject, pattern, '#', 1)), pack(stock_string.gsub(subject, pattern, '#', 1))),
            }
            local failed = {}
            for name, ok in pairs(checks) do if not ok then failed[#failed + 1] = name end end
            table.sort(failed)
            return table.concat(failed, ',')
            """, chunkName: "equivalence.lua")
        for (subject, pattern) in Self.cases {
            let failed = try lua.call(chunk, [.string(subject), .string(pattern)])
            #expect(failed == [""], "subject \(subject) pattern \(pattern): differs in \(failed)")
        }
    }

    @Test("malformed patterns give the same errors as the stock library", arguments: [
        "%", "[a", "(a", "a)", "%b", "%f", "%1", "(()", "%g(",
    ])
    func malformed(pattern: String) throws {
        let lua = try LuaState()
        lua.exposeStockPatternFunctions()
        let chunk = try lua.load(source: """
            local p = ...
            local ok1, e1 = pcall(string.find, 'abc', p)
            local ok2, e2 = pcall(stock_string.find, 'abc', p)
            return ok1 == ok2 and tostring(e1) == tostring(e2), tostring(e1), tostring(e2)
            """, chunkName: "malformed.lua")
        let results = try lua.call(chunk, [.string(pattern)])
        #expect(results.first == true, "\(pattern): ours \(results[1]) stock \(results[2])")
    }
}
