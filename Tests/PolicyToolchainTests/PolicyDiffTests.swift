import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation
import TestSupport
import Testing
@testable import PolicyToolchain

@Suite("diff previews a policy change without writing")
struct PolicyDiffTests {
    func version(premierAt: Int, keepAt: Int) -> String {
        policy(programs: "\"agents\"", """
              tiers = {
                ps.tier "Authorized" {},
                ps.tier "Premier" { entry = { ps.at_least("revenue_1m", \(premierAt)) }, maintain = { ps.at_least("revenue_1m", \(keepAt)) } },
              },
            """)
    }

    @Test("a higher Premier threshold: migration matrix, new reviews and partners kept lower")
    func higherThreshold() throws {
        let folder = try PolicyFolder(files: ["old/a.lua": version(premierAt: 5000, keepAt: 4000),
                                         "new/a.lua": version(premierAt: 8000, keepAt: 7000)])
        let store = try ledgerStore()
        // Monthly revenue per partner: A 9,000 (Premier either way), B 6,000 (Premier now, below the new maintenance),
        // C 6,000 (new, would be promoted only by the old version), D 1,000 (Authorized either way).
        let sales: [(String, Double, String?)] = [("A", 9000, "Premier"), ("B", 6000, "Premier"), ("C", 6000, nil), ("D", 1000, nil)]
        try store.upsertPartners(sales.map { id, _, tier in
            Partner(id: id, name: id, type: .agent, program: "agents", region: "NA", country: "US", territories: [], products: [],
                    enrolled: try! Day(parsing: "2025-01-01"), channelAccountManager: "c", tier: tier,
                    tierSince: tier == nil ? nil : try! Day(parsing: "2025-01-01"))
        })
        try store.importEvents(sales.map { id, amount, _ in
            ActivityEvent(partnerID: id, date: try! Day(parsing: "2025-03-10"), kind: .revenue(amount: amount, currency: "USD", product: "x"))
        })
        let old = try PolicySet(directory: folder.set("old"), displayPath: "Policies/old")
        let new = try PolicySet(directory: folder.set("new"), displayPath: "Policies/new")
        let report = try PolicyDiff(store: store, from: old, to: new).run(asOf: try Day(parsing: "2025-03-31"))
        #expect(report.partners == 4)
        // Rows are what the old version decides, columns what the new one decides.
        #expect(report.migration["Premier"]?["Premier"] == 2)
        #expect(report.migration["Premier"]?["Authorized"] == 1)
        #expect(report.migration["Authorized"]?["Authorized"] == 1)
        #expect(report.newlyInReview.map(\.partnerID) == ["B"])
        #expect(report.demoted.isEmpty)
        #expect(report.demotionCount == 1)
        // C: the old version assigns Premier, the new one Authorized.
        #expect(report.lowerTier.map(\.partnerID) == ["C"])
        #expect(report.text().contains("Newly in tier review (demoted at the deadline unless they recover): 1"))
        try store.writer.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decision") == 0)
        }
    }
}

/// A version of a set kept in another folder is the same set: it starts from
/// the state and alert history the ledger holds for the `from` set.
@Suite("diff compares a copy of a set from the same remembered state")
struct PolicyDiffCopyTests {
    let source = policy(programs: "\"agents\"", """
          tiers = {
            ps.tier "Authorized" {},
            ps.tier "Premier" { entry = { ps.at_least("revenue_1m", 5000) } },
          },
          health = { components = { ps.component "revenue" { weight = 1, metric = "revenue_3m", target = 10000 } } },
          interventions = ps.default_interventions,
        """)

    /// Partners with red health since January: by March their alerts are at the CAM call.
    func store() throws -> PartnerStore {
        let store = try ledgerStore()
        try store.upsertPartners(["A", "B", "C"].map { id in
            Partner(id: id, name: id, type: .agent, program: "agents", region: "NA", country: "US", territories: [], products: [],
                    enrolled: try! Day(parsing: "2024-06-01"), channelAccountManager: "c")
        })
        try store.importEvents([ActivityEvent(partnerID: "A", date: try Day(parsing: "2025-01-10"),
                                              kind: .revenue(amount: 9000, currency: "USD", product: "x"))])
        return store
    }

    @Test("a byte-identical copy in a folder with another name shows no change, alerts included")
    func identicalCopy() throws {
        let folder = try PolicyFolder(files: ["agents/a.lua": source, "agents-2027/a.lua": source])
        let store = try store()
        let current = try PolicySet(directory: folder.set("agents"), displayPath: "Policies/agents")
        try ProgramRun(store: store, policySet: current).evaluate(asOf: try Day(parsing: "2025-01-31"), dryRun: false)
        let copy = try PolicySet(directory: folder.set("agents-2027"), displayPath: "/tmp/agents-2027", name: current.name)
        let report = try PolicyDiff(store: store, from: current, to: copy).run(asOf: try Day(parsing: "2025-03-31"))
        #expect(report.partners == 3)
        #expect(report.unchanged == 3)
        #expect(report.interventionChanges.isEmpty)
        #expect(report.set == "agents")
        #expect(report.fromHash == report.toHash)
        // The copy's own folder name has no history: evaluated under it, every alert would start over.
        let stranger = try PolicySet(directory: folder.set("agents-2027"), displayPath: "/tmp/agents-2027")
        let fresh = try PolicyDiff(store: store, from: current, to: stranger).run(asOf: try Day(parsing: "2025-03-31"))
        #expect(!fresh.interventionChanges.isEmpty)
    }

    @Test("a copy outside the Policies folder resolves shared modules from the library it is given")
    func sharedModules() throws {
        let folder = try PolicyFolder(files: ["lib/rules.lua": "return { floor = 5000 }",
                                         "agents/a.lua": source.replacingOccurrences(of: "5000", with: "require('rules').floor")])
        let scratch = try TemporaryFolder()
        let outside = scratch.url.appendingPathComponent("copy")
        try FileManager.default.copyItem(at: folder.set("agents"), to: outside)
        #expect(throws: PolicyError.self) { try PolicySet(directory: outside) }
        let current = try PolicySet(directory: folder.set("agents"))
        let copy = try PolicySet(directory: outside, name: current.name, library: current.library)
        #expect(copy.contentHash == current.contentHash)
        #expect(try PolicyDiff(store: try store(), from: current, to: copy).run(asOf: try Day(parsing: "2025-01-31")).unchanged == 3)
        withExtendedLifetime(scratch) {}
    }

    @Test("when tiers are not due, the report says so and when they are next due; --as-if-due compares them")
    func notDue() throws {
        let higher = source.replacingOccurrences(of: "5000", with: "9500")
        let folder = try PolicyFolder(files: ["agents/a.lua": source, "new/a.lua": higher])
        let store = try store()
        let current = try PolicySet(directory: folder.set("agents"))
        try ProgramRun(store: store, policySet: current).evaluate(asOf: try Day(parsing: "2025-01-20"), dryRun: false)
        let proposed = try PolicySet(directory: folder.set("new"), name: current.name)
        let report = try PolicyDiff(store: store, from: current, to: proposed).run(asOf: try Day(parsing: "2025-01-31"))
        #expect(report.tiersNotDue.map(\.version) == ["from", "to"])
        #expect(report.tiersNotDue.allSatisfy { $0.partners == 3 && $0.nextDue == (try! Day(parsing: "2025-02-01")) })
        #expect(report.text().contains("TIERS NOT DUE as of 2025-01-31"))
        #expect(report.text().contains("tiers next due 2025-02-01"))
        #expect(report.text().contains("--as-if-due"))
        #expect(report.newlyInReview.isEmpty)
        // As if due: A (Premier since the 20th, 9,000 this month) is below the new Premier threshold.
        let due = try PolicyDiff(store: store, from: current, to: proposed, tiersAsIfDue: true).run(asOf: try Day(parsing: "2025-01-31"))
        #expect(due.tiersNotDue.isEmpty)
        #expect(due.newlyInReview.map(\.partnerID) == ["A"])
        #expect(due.text().contains("tiers evaluated as if due (--as-if-due)"))
        try store.writer.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evaluation_run") == 1)
        }
    }
}
