import Foundation
import TestSupport
import Testing

@Suite("partnerscore lua runs a file in the sandbox")
struct LuaCommandTests {
    @Test("prints the return value as JSON and exits 0")
    func success() throws {
        let folder = try TemporaryFolder()
        try folder.write("snippet.lua", "return {tier = 'Gold', score = 87.5, benefits = {'MDF', 'leads'}}")
        let result = try partnerscore(["lua", "snippet.lua"], in: folder)
        #expect(result.status == 0)
        #expect(result.stdout == #"{"benefits":["MDF","leads"],"score":87.5,"tier":"Gold"}"# + "\n")
    }

    @Test("an infinite loop exits non-zero within its time limit, naming file and line")
    func loop() throws {
        let folder = try TemporaryFolder()
        try folder.write("loop.lua", "local x = 0\nwhile true do end")
        let start = Date()
        let result = try partnerscore(["lua", "loop.lua", "--instructions", "0", "--timeout-ms", "300"], in: folder)
        #expect(result.status != 0)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(result.stderr.hasPrefix("error[time-limit]: loop.lua:2: time limit of 300 ms exceeded"))
    }

    @Test("os.execute is a sandbox error; string.rep(1e10) a memory error; no crash", arguments: [
        ("return os.execute('id')", "error[sandbox-violation]: bad.lua:1:"),
        ("return string.rep('x', 1e10)", "error[memory-limit]: bad.lua:1:"),
        ("while true do end", "error[instruction-limit]: bad.lua:1:"),
        ("return nil + 1", "error[runtime]: bad.lua:1:"),
        ("return (", "error[syntax]: bad.lua:1:"),
    ])
    func failures(source: String, expected: String) throws {
        let folder = try TemporaryFolder()
        try folder.write("bad.lua", source)
        let result = try partnerscore(["lua", "bad.lua", "--instructions", "100000", "--memory-mb", "16"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix(expected), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("--version and --help answer")
    func versionAndHelp() throws {
        let folder = try TemporaryFolder()
        #expect(try partnerscore(["--version"], in: folder).stdout.contains("."))
        let help = try partnerscore(["lua", "--help"], in: folder)
        #expect(help.stdout.contains("--timeout-ms"))
    }
}
