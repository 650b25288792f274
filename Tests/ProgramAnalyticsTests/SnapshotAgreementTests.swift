import PartnerModel
import PartnerStore
import ProgramAnalytics
import TestSupport
import Testing

/// The program metrics take each partner's figures from its snapshot, the
/// one definition a policy sees: whatever the data, the metrics count what
/// the snapshots count.
@Suite("Analytics counts what the snapshot counts")
struct SnapshotAgreementTests {
    /// A territory and a product written in two Unicode forms (composed and
    /// decomposed é), which Swift compares equal, as every policy check does.
    func store() throws -> PartnerStore {
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        func partner(_ id: String, territories: [String], products: [String]) -> Partner {
            Partner(id: id, name: id, type: .reseller, program: "resellers", region: "EMEA", country: "CA",
                    territories: territories, products: products, enrolled: day("2025-01-01"), channelAccountManager: "cam")
        }
        try store.upsertPartners([
            partner("P-1", territories: ["Qu\u{E9}bec"], products: ["caf\u{E9}"]),
            partner("P-2", territories: ["Ontario"], products: []),
            partner("P-3", territories: [], products: ["voice"]),
        ])
        func deal(_ id: String, _ date: String, territory: String, product: String) -> ActivityEvent {
            ActivityEvent(partnerID: id, date: day(date), kind: .dealRegistered(territory: territory, product: product, amount: 100))
        }
        try store.importEvents([
            deal("P-1", "2026-03-01", territory: "Que\u{301}bec", product: "cafe\u{301}"),   // authorized, decomposed
            deal("P-1", "2026-03-02", territory: "Qu\u{E9}bec", product: "voice"),            // product outside
            deal("P-2", "2026-04-01", territory: "ontario", product: "anything"),             // case differs: outside
            deal("P-3", "2026-05-01", territory: "Yukon", product: "voice"),                  // no territory list: inside
            deal("P-3", "2025-05-01", territory: "X", product: "data"),                       // before the window
        ])
        return store
    }

    @Test("deal registrations outside territory or product: the snapshot's rule, Unicode-equal names authorized")
    func outsideTerritory() throws {
        let store = try store()
        let asOf = day("2026-06-30")
        let snapshots = try SnapshotCalculator(store: store).snapshots(asOf: asOf)
        let outside = snapshots.reduce(0) { $0 + Int($1[.dealsOutsideTerritory12m] ?? 0) }
        let registered = snapshots.reduce(0) { $0 + Int($1[.dealsRegistered12m] ?? 0) }
        let flags = try ProgramAnalytics(store: store).metrics(asOf: asOf).overall.dealRegistrations
        #expect(outside == 2 && registered == 4)
        #expect(flags.flagged == Share(outside, of: registered))
        #expect(flags.partnersFlagged == snapshots.count { ($0[.dealsOutsideTerritory12m] ?? 0) > 0 })
    }
}
