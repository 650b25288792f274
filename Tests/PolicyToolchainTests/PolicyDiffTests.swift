import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation
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
        let folder = try PoliciesFolder(["old/a.lua": version(premierAt: 5000, keepAt: 4000),
                                         "new/a.lua": version(premierAt: 8000, keepAt: 7000)])
        let store = try PartnerStore(inMemoryExtendingMigrations: LedgerSchema.register)
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
