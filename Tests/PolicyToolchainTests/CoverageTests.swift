import Foundation
import PolicyEngine
import TestSupport
import Testing
@testable import PolicyToolchain

/// Line coverage follows the code policy functions run, wherever it lives.
@Suite("coverage follows the lines of helper modules")
struct CoverageTests {
    /// A policy whose check calls a helper of the set (`helpers.rules`) and
    /// one of the shared library (`shared`); the fixture reaches one branch
    /// of each.
    let files: [String: String] = [
        "s/p.lua": """
            local ps = require "partnerscore"
            local rules = require "helpers.rules"
            local shared = require "shared"
            return ps.policy {
              name = "T", version = "1", effective = "2025-01-01", programs = { "p" }, cadence = "monthly",
              tiers = {
                ps.tier "Base" {},
                ps.tier "Top" { entry = { ps.check("big seller", function(p)
                  return shared.positive(p.revenue_1m) and rules.big(p)
                end) } },
              },
            }
            """,
        "s/helpers/rules.lua": """
            local rules = {}
            function rules.big(p)
              if (p.revenue_1m or 0) > 1000000 then
                return true
              end
              return false
            end
            function rules.never_called(p)
              return p.id
            end
            return rules
            """,
        "lib/shared.lua": """
            local shared = {}
            function shared.positive(x)
              if x > 0 then
                return true
              end
              return false
            end
            function shared.unused(x)
              return x
            end
            return shared
            """,
        "s/fixtures/a.json": """
            { "partners": [ { "id": "A", "name": "A", "type": "agent", "program": "p", "region": "NA", "country": "US",
                              "territories": [], "products": [], "enrolled": "2025-01-01", "cam": "c" } ],
              "events": [ { "partner_id": "A", "date": "2025-01-10", "kind": "revenue", "amount": 5000, "currency": "USD", "product": "x" } ],
              "cases": [ { "name": "January", "as_of": "2025-01-31", "expect": { "A": { "tier": "Base" } } } ] }
            """,
    ]

    func report() throws -> CoverageReport {
        let folder = try PolicyFolder(files: files)
        let set = try PolicySet(directory: folder.set("s"), displayPath: "Policies/s", recordsCoverage: true)
        let coverage = PolicyCoverage(policySet: set)
        var runner = FixtureRunner(setDirectory: folder.set("s"), displayPath: "Policies/s")
        runner.observe = { coverage.observe($0) }
        let results = runner.run(policySet: set)
        #expect(results.allSatisfy { $0.passed })
        return coverage.report()
    }

    @Test("a helper module of the set: every function, with the lines no fixture ran")
    func setHelper() throws {
        let lines = try #require(try report().lines.first { $0.file == "Policies/s/helpers/rules.lua" })
        // rules.big ran down its false branch (line 4 not reached); rules.never_called never ran (line 9).
        #expect(lines.missing == ["4", "9"])
        #expect(lines.executed == 2)
    }

    @Test("a shared library module: the functions the set's policies ran, with their lines not reached")
    func libraryHelper() throws {
        let result = try report()
        // shared.positive was called; its false branch never ran. shared.unused is another set's business.
        let lines = try #require(result.lines.first { $0.file == "Policies/lib/shared.lua" })
        #expect(lines.missing == ["6"])
        #expect(lines.executable == 3)
        #expect(result.text.contains("Lua lines never run: Policies/lib/shared.lua: 6"))
    }

    @Test("the policy file's own functions still count")
    func policyFile() throws {
        let lines = try #require(try report().lines.first { $0.file == "Policies/s/p.lua" })
        #expect(lines.missing.isEmpty && lines.executed == 1)
    }
}
