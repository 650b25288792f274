import Foundation
import GRDB
import LuaHost
import PartnerModel
import PartnerStore
import PolicyEngine
import TestSupport
import Testing
@testable import ProgramEvaluation

/// A store of `count` agents Z-0000, Z-0001, ... (a SQLite file, so that a
/// recorded run uses its reader stage, or in memory).
final class ManyAgents {
    let folder: TemporaryFolder
    let store: PartnerStore

    init(count: Int, file: Bool) throws {
        folder = try TemporaryFolder()
        store = try ledgerStore(in: file ? folder : nil)
        try store.upsertPartners((0..<count).map { i in
            Partner(id: String(format: "Z-%04d", i), name: "Z\(i)", type: .agent, program: "agents", region: "NA", country: "US",
                    territories: ["US-CA"], products: ["voice"], enrolled: day("2025-01-01"), channelAccountManager: "cam")
        })
    }

    func written() throws -> Int {
        try store.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM decision) + (SELECT COUNT(*) FROM evaluation_run)") ?? -1
        }
    }

}

/// The test policy with its health component's score replaced by `score`.
func scoring(_ score: String) -> String {
    agentsPolicy.replacingOccurrences(of: "ps.component \"revenue\" { weight = 1, metric = \"revenue_3m\", target = 15000 }",
                                with: "ps.component \"revenue\" { weight = 1, score = \(score) }")
}

@Suite("A run stops at its first failure")
struct FailFastTests {
    @Test("a policy failing for every partner stops after one call's limit, naming the first partner, writing nothing",
          arguments: [(true, false), (false, false), (true, true), (false, true)])
    func everyPartnerFails(file: Bool, dryRun: Bool) throws {
        let program = try ManyAgents(count: 3000, file: file)
        let folder = try PolicyFolder(scoring("function(p) while true do end end"))
        // Each call may run 300 ms: draining 3,000 partners on two workers would take 7.5 minutes.
        let set = try PolicySet(directory: folder.set, displayPath: "Policies/agents",
                                limits: LuaLimits.Overrides(instructions: 0, timeout: .milliseconds(300)))
        let run = ProgramRun(store: program.store, policySet: set, jobs: 2)
        let clock = ContinuousClock()
        let start = clock.now
        var delivered = 0
        #expect { try run.evaluate(asOf: day("2025-02-28"), dryRun: dryRun) { _ in delivered += 1 } } throws: { error in
            let text = String(describing: error)
            return text.contains("time limit of 300 ms exceeded") && text.contains("(while evaluating partner Z-0000)")
        }
        #expect(clock.now - start < .seconds(5))
        #expect(delivered == 0)
        #expect(try program.written() == 0)
        // The set's state serves later runs: nothing stays cancelled.
        let fine = try PolicyFolder(agentsPolicy)
        #expect(try ProgramRun(store: program.store, policySet: try fine.load(), jobs: 2).evaluate(asOf: day("2025-02-28"), dryRun: true).partners == 3000)
        #expect(try run.policySet.lua.call(try run.policySet.lua.load(source: "return 1", chunkName: "after.lua")) == [1])
    }

    @Test("the failure reported is the first in partner order, however the workers ran")
    func firstInOrder() throws {
        let program = try ManyAgents(count: 1024, file: true)
        // Z-0100 (the first worker's part) fails only after its call's time limit; Z-0600 (the second's) at once.
        let folder = try PolicyFolder(scoring("""
            function(p)
              if p.id == 'Z-0100' then while true do end end
              if p.id >= 'Z-0600' then error('bad ' .. p.id) end
              return 1
            end
            """))
        let set = try PolicySet(directory: folder.set, displayPath: "Policies/agents",
                                limits: LuaLimits.Overrides(instructions: 0, timeout: .milliseconds(200)))
        for _ in 0..<3 {
            #expect { try ProgramRun(store: program.store, policySet: set, jobs: 2).evaluate(asOf: day("2025-02-28"), dryRun: false) }
                throws: { String(describing: $0).contains("(while evaluating partner Z-0100)") }
        }
    }

    @Test("partners before the failure are still evaluated, not cancelled")
    func earlierPartnersFinish() throws {
        let program = try ManyAgents(count: 1024, file: false)
        // Z-0600 (the second worker's part) fails at once, while the first worker is still busy with Z-0000...Z-0511.
        let folder = try PolicyFolder(scoring("""
            function(p)
              if p.id == 'Z-0600' then error('bad ' .. p.id) end
              local n = 0 for i = 1, 20000 do n = n + i end
              return 1
            end
            """))
        #expect { try ProgramRun(store: program.store, policySet: try folder.load(), jobs: 2).evaluate(asOf: day("2025-02-28"), dryRun: true) }
            throws: { error in
                let text = String(describing: error)
                return text.contains("bad Z-0600") && text.contains("(while evaluating partner Z-0600)") && !text.contains("cancelled")
            }
    }

    @Test("a call still running for a partner after the failure is cancelled, not run to its limit")
    func laterCallsCancelled() throws {
        let program = try ManyAgents(count: 1024, file: false)
        // Z-0300 fails after the first worker's first 300 partners; every partner of the second worker loops for 5 s.
        let folder = try PolicyFolder(scoring("""
            function(p)
              if p.id == 'Z-0300' then error('bad ' .. p.id) end
              if p.id >= 'Z-0512' then while true do end end
              return 1
            end
            """))
        let set = try PolicySet(directory: folder.set, displayPath: "Policies/agents",
                                limits: LuaLimits.Overrides(instructions: 0, timeout: .seconds(5)))
        let clock = ContinuousClock()
        let start = clock.now
        #expect { try ProgramRun(store: program.store, policySet: set, jobs: 2).evaluate(asOf: day("2025-02-28"), dryRun: true) }
            throws: { error in
                let text = String(describing: error)
                return text.contains("(while evaluating partner Z-0300)") && !text.contains("cancelled")
            }
        #expect(clock.now - start < .seconds(4))
    }
}
