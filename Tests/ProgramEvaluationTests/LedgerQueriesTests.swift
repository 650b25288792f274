import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine
import TestSupport
import Testing
@testable import ProgramEvaluation

/// The ledger's named reads are the only readers of its tables: what they
/// return is what the runs wrote, pages hold together, and a broken row is
/// an error naming it rather than a crash.
@Suite("The ledger's queries read back what its runs recorded")
struct LedgerQueriesTests {
    /// Two monthly runs of the test policy: A-1 upgrades in January, goes into review by May.
    func recorded() throws -> (PartnerStore, [String: PartnerEvaluation]) {
        let store = try makeStore()
        let folder = try PolicyFolder(agentsPolicy)
        var latest: [String: PartnerEvaluation] = [:]
        for asOf in ["2025-01-31", "2025-05-31"] {
            try ProgramRun(store: store, policySet: try folder.load()).evaluate(asOf: day(asOf), dryRun: false) {
                latest[$0.partnerID] = $0
            }
        }
        return (store, latest)
    }

    @Test("decision pages: newest first, filtered, with a next page exactly when one exists")
    func decisionPages() throws {
        let (store, _) = try recorded()
        try store.database.read { session in
            let all = try LedgerQueries.decisions(session, .init(limit: 100))
            #expect(all.rows.count == 6 && !all.more)
            #expect(all.rows.map(\.id) == all.rows.map(\.id).sorted(by: >))
            let first = try LedgerQueries.decisions(session, .init(limit: 4))
            #expect(first.rows.count == 4 && first.more)
            let second = try LedgerQueries.decisions(session, .init(before: first.rows.last!.id, limit: 4))
            #expect(second.rows.count == 2 && !second.more)
            #expect((first.rows + second.rows).map(\.id) == all.rows.map(\.id))
            let a1 = try LedgerQueries.decisions(session, .init(partner: "A-1", from: day("2025-02-01"), limit: 10)).rows
            #expect(a1.map(\.partnerID) == ["A-1"] && a1.map(\.asOf) == [day("2025-05-31")])
        }
    }

    @Test("the latest decision carries the evaluation the run wrote, decoded from its compact detail")
    func latestDecision() throws {
        let (store, written) = try recorded()
        try store.database.read { session in
            let number = try #require(try PartnerQueries.number(session, partnerID: "A-1"))
            let decision = try #require(try LedgerQueries.latestDecision(session, partnerNumber: number, policySet: "agents"))
            #expect(decision.asOf == day("2025-05-31"))
            #expect(decision.evaluation == written["A-1"])
            #expect(decision.standing == written["A-1"]!.standing.rawValue)
            #expect(try LedgerQueries.latestDecision(session, partnerNumber: number, policySet: "other set") == nil)
        }
    }

    @Test("partners with the governing set's state: joined by program, filtered by standing, paged by id")
    func partnersWithState() throws {
        let (store, written) = try recorded()
        try store.database.read { session in
            let governance = ["agents": "agents"]
            let page = try LedgerQueries.partners(session, .init(limit: 2), governance: governance)
            #expect(page.rows.map(\.partner.id) == ["A-1", "A-2"] && page.more)
            let rest = try LedgerQueries.partners(session, .init(after: "A-2", limit: 2), governance: governance)
            #expect(rest.rows.map(\.partner.id) == ["A-3", "X-1"] && !rest.more)
            #expect(rest.rows.last?.policySet == nil)   // program "other" is governed by no set
            let a1 = try #require(try LedgerQueries.partner(session, id: "A-1", governance: governance))
            #expect(a1.partner.territories == ["US-CA"] && a1.policySet == "agents")
            #expect(a1.standing == written["A-1"]!.standing.rawValue)
            #expect(a1.programState?.lastTierEvaluation == day("2025-05-31"))
            let inReview = try LedgerQueries.partners(session, .init(standing: "review", limit: 10), governance: governance).rows
            #expect(inReview.map(\.partner.id) == written.values.filter { $0.standing == .review }.map(\.partnerID).sorted())
            // Without a governing set no state is joined.
            #expect(try LedgerQueries.partner(session, id: "A-1", governance: [:])?.policySet == nil)
        }
    }

    @Test("alerts: open ones of a partner, newest first")
    func alerts() throws {
        let (store, written) = try recorded()
        try store.database.read { session in
            let number = try #require(try PartnerQueries.number(session, partnerID: "A-1"))
            let open = try LedgerQueries.alerts(session, .init(partnerNumber: number, open: true, limit: 50)).rows
            #expect(Set(open.map { "\($0.kind):\($0.subject)" }) == Set(written["A-1"]!.alerts.map(\.key.description)))
            #expect(open.allSatisfy { $0.resolved == nil && $0.partnerID == "A-1" })
        }
    }

    @Test("an unreadable state or a text where the ledger keeps a number is an error naming it, not a crash")
    func brokenRows() throws {
        let (store, _) = try recorded()
        try store.writer.write { db in
            try db.execute(sql: "UPDATE partner_state SET state = 'not a state' WHERE partnerNumber = (SELECT number FROM partner WHERE id = 'A-2')")
            try db.execute(sql: "UPDATE decision SET healthScore = 'high' WHERE partnerNumber = (SELECT number FROM partner WHERE id = 'A-3')")
        }
        #expect(throws: PartnerStoreError.self) { try DecisionLog.state(in: store, policySet: "agents", partnerID: "A-2") }
        do {
            _ = try store.database.read { try LedgerQueries.decisions($0, .init(partner: "A-3", limit: 10)) }
            Issue.record("a decision whose health score is not a number was read")
        } catch let error as PartnerStoreError {
            #expect(error.message.contains("healthScore") && error.message.contains("high"))
        }
    }
}
