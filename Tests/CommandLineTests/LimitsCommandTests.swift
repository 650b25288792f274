import Foundation
import TestSupport
import Testing

/// A policy for `program` whose one check is `function(p) <body> end`, with `limits` (a Lua table) if given.
func checkingPolicy(_ body: String, limits: String? = nil, program: String = "telecom-agents") -> String {
    """
    local ps = require "partnerscore"
    return ps.policy {
      name = "Checking", version = "1", effective = "2026-01-01", programs = { "\(program)" }, cadence = "monthly",
      \(limits.map { "limits = \($0)," } ?? "")
      tiers = { ps.tier "Authorized" { entry = { ps.check("spin", function(p) \(body) end) } } },
    }
    """
}

/// Limits through the real binary: code the host triggers, failing fast, the
/// flags of every verb, and what a failed multi-set evaluate leaves recorded.
extension EngineCommandTests {
    @Test("lua: code the host triggers stays under the limits, and non-string errors name their line", arguments: [
        // (No clock where the budget is meant to stop it: a loaded machine may take longer than 500 ms.)
        ("error(setmetatable({}, {__tostring = function() while true do end end}))", ["--timeout-ms", "0"], "error[instruction-limit]: bad.lua:1: instruction limit of 10000000 exceeded"),
        ("error(setmetatable({}, {__tostring = function() while true do end end}))", ["--instructions", "0", "--timeout-ms", "300"], "error[time-limit]: bad.lua:1: time limit of 300 ms exceeded"),
        ("error(setmetatable({}, {__tostring = function() return ('x'):rep(1e12) end}))", [], "error[memory-limit]: bad.lua:1: memory limit of 65536 KiB exceeded"),
        ("local x = 1\nerror({code = 42})", [], "error[runtime]: bad.lua:2: (error object is a table value)"),
        ("return table.move({}, 1, math.maxinteger - 1, 2)", ["--timeout-ms", "0"], "error[instruction-limit]: bad.lua:1:"),
        ("local t = {} for i = 1, 60 do t = {t, t} end return t", ["--memory-mb", "1"], "error[memory-limit]: memory limit of 1024 KiB exceeded while reading the value a script returned"),
    ])
    func luaEscapes(source: String, flags: [String], expected: String) throws {
        let w = try TemporaryFolder()
        try w.write("bad.lua", source)
        let start = Date()
        let r = try partnerscore(["lua", "bad.lua"] + flags, in: w, timeout: 60)
        #expect(!r.timedOut && Date().timeIntervalSince(start) < 20)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix(expected), "\(r.stderr)")
    }

    @Test("evaluate: an error object whose __tostring loops fails at the limit, naming file, line and partner")
    func evaluateToStringLoop() throws {
        let w = try program()
        try w.write("P/telecom/agents.lua", checkingPolicy("error(setmetatable({}, {__tostring = function() while true do end end}))"))
        let r = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "P/telecom", "--as-of", "2026-10-31", "--timeout-ms", "0"],
                                 in: w, timeout: 120)
        #expect(!r.timedOut)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error[policy]: P/telecom/agents.lua:5: instruction limit of 10000000 exceeded (while evaluating partner P0"),
                "\(r.stderr)")
    }

    @Test("evaluate: a score looping forever for every partner fails at the first partner within about one call's limit")
    func evaluateFailsFast() throws {
        let w = try program()
        let first = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", Self.repositoryPolicies + "/telecom",
                                      "--as-of", "2026-10-31", "--dry-run", "--format", "csv"], in: w)
            .stdout.split(separator: "\n").dropFirst().first?.split(separator: ",")[1]
        let telecom = try String(contentsOfFile: Self.repositoryPolicies + "/telecom/agents.lua", encoding: .utf8)
        let looping = telecom.replacingOccurrences(
            of: #"health = common\.health\(\d+\),"#,
            with: "health = { components = { ps.component \"revenue\" { weight = 1, score = function(p) while true do end end } } },",
            options: .regularExpression)
        #expect(looping != telecom)
        try w.write("P/lib/common.lua", try String(contentsOfFile: Self.repositoryPolicies + "/lib/common.lua", encoding: .utf8))
        try w.write("P/telecom/agents.lua", looping)
        // 300 partners at 300 ms each would take 45 s on two workers.
        let start = Date()
        let r = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "P/telecom", "--as-of", "2026-10-31", "--jobs", "2",
                                  "--instructions", "0", "--timeout-ms", "300"], in: w, timeout: 120)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.status == 1)
        #expect(r.stderr.contains("time limit of 300 ms exceeded (while evaluating partner \(first ?? "?"))"), "\(r.stderr)")
    }

    @Test("a policy's limits hold, and the flags of every verb win over them")
    func limitFlags() throws {
        let w = try program()
        try w.write("P/telecom/agents.lua", checkingPolicy("while true do end", limits: "{ instructions = 20000 }"))
        try w.write("P/telecom/fixtures/a.json", """
            { "partners": [ { "id": "A", "name": "A", "type": "agent", "program": "telecom-agents", "region": "NA", "country": "US",
                              "territories": [], "products": [], "enrolled": "2025-01-01", "cam": "c" } ],
              "cases": [ { "name": "spins", "as_of": "2025-01-31", "expect": { "A": { "tier": "Authorized" } } } ] }
            """)
        let verbs: [[String]] = [
            ["evaluate", "--db", "db.sqlite", "--policies", "P/telecom", "--as-of", "2026-10-31"],
            ["explain", "--db", "db.sqlite", "--policies", "P/telecom", "--as-of", "2026-10-31", "P0000002"],
            ["diff", "--db", "db.sqlite", "--from", "P/telecom", "--to", "P/telecom", "--as-of", "2026-10-31"],
            ["test", "P"],
        ]
        for verb in verbs {
            let own = try partnerscore(verb, in: w, timeout: 120)
            #expect(own.status == 1)
            #expect((own.stderr + own.stdout).contains("instruction limit of 20000 exceeded"), "\(verb[0]): \(own.stderr)\(own.stdout)")
            let flagged = try partnerscore(verb + ["--instructions", "30000"], in: w, timeout: 120)
            #expect((flagged.stderr + flagged.stdout).contains("instruction limit of 30000 exceeded"), "\(verb[0]): \(flagged.stderr)")
        }
        for (flag, value) in [("--timeout-ms", "99999999999999"), ("--memory-mb", "-1"), ("--instructions", "-5")] {
            let refused = try partnerscore(["lua", "x.lua", flag, value], in: w)
            #expect(refused.status == 64 && refused.stderr.contains(flag), "\(flag): \(refused.stderr)")
        }
        for verb in ["lua", "evaluate", "explain", "test", "diff", "serve"] {
            let help = try partnerscore([verb, "--help"], in: w).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(help.contains("--timeout-ms") && help.contains("default 500)") && help.contains("default 10000000)"), "\(verb)")
        }
    }

    @Test("evaluate over several sets says which runs a failure leaves recorded; --all-or-nothing records none")
    func allOrNothing() throws {
        let w = try program(industry: nil)   // partners of every industry's programs
        // Three sets of different programs, run in name order; the middle one fails.
        try FileManager.default.createDirectory(atPath: w.path("P"), withIntermediateDirectories: true)
        for (from, to) in [("lib", "lib"), ("telecom", "a-telecom"), ("cybersecurity", "c-cyber")] {
            try FileManager.default.copyItem(atPath: Self.repositoryPolicies + "/" + from, toPath: w.path("P/" + to))
        }
        try w.write("P/b-broken/solutions.lua", checkingPolicy("error('broken on purpose')", program: "healthcare-solutions"))
        let args = ["evaluate", "--db", "db.sqlite", "--policies", "P", "--as-of", "2026-10-31"]

        let together = try partnerscore(args + ["--all-or-nothing"], in: w)
        #expect(together.status == 1)
        #expect(together.stderr.contains("P/b-broken/solutions.lua"), "\(together.stderr)")
        #expect(together.stderr.contains("nothing was recorded (--all-or-nothing): a-telecom, b-broken, c-cyber stay as they were"),
                "\(together.stderr)")

        // a-telecom was rolled back: it records as of the same day now, and stays recorded.
        let separate = try partnerscore(args, in: w)
        #expect(separate.status == 1)
        #expect(separate.stderr.contains("P/b-broken/solutions.lua"), "\(separate.stderr)")
        #expect(separate.stderr.contains("note: the runs of a-telecom were recorded before this failure and stay committed; "
            + "b-broken, c-cyber were not recorded (--all-or-nothing records all sets or none)"), "\(separate.stderr)")
        let again = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "P/a-telecom", "--as-of", "2026-10-31"], in: w)
        #expect(again.stderr.contains("evaluations move forward in time"), "\(again.stderr)")

        // With every set fine, --all-or-nothing records them all.
        try FileManager.default.removeItem(atPath: w.path("P/b-broken"))
        try FileManager.default.copyItem(atPath: Self.repositoryPolicies + "/healthcare", toPath: w.path("P/b-broken"))
        let fine = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "P", "--as-of", "2026-11-30", "--all-or-nothing"], in: w)
        #expect(fine.status == 0, "\(fine.stderr)")
        #expect(fine.stdout.components(separatedBy: "recorded as run").count == 4)
    }
}
