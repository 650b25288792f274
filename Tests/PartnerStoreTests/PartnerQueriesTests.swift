import PartnerModel
import TestSupport
import Testing
@testable import PartnerStore

/// The store's named reads through the engine seam.
@Suite("Partner queries")
struct PartnerQueriesTests {
    func store() throws -> PartnerStore {
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        try store.upsertPartners((0..<10).map { i in
            partner(String(format: "P-%02d", i), program: i < 8 ? "agents" : "other", enrolled: "2025-01-\(10 + i)")
        })
        return store
    }

    @Test("a sample is spread evenly over the programs' partners by id, with their latest enrolment")
    func sample() throws {
        try store().database.read { session in
            let three = try #require(try PartnerQueries.sample(session, programs: ["agents"], size: 3))
            #expect(three.ids == ["P-00", "P-02", "P-04"])   // every ⌊8 / 3⌋ = 2nd, the first 3
            #expect(three.lastEnrolled == day("2025-01-14"))
            let all = try #require(try PartnerQueries.sample(session, programs: ["agents", "other"], size: 20))
            #expect(all.ids.count == 10 && all.lastEnrolled == day("2025-01-19"))
            #expect(try PartnerQueries.sample(session, programs: ["nobody"], size: 3) == nil)
            #expect(try PartnerQueries.sample(session, programs: ["agents"], size: 0) == nil)
        }
    }

    @Test("a partner row reads back as stored; a reference names its number and program")
    func records() throws {
        try store().database.read { session in
            let row = try #require(try session.row("SELECT \(PartnerRecord.columns("p")) FROM partner p WHERE p.id = 'P-09'"))
            let record = try PartnerRecord(row)
            #expect(record.partner == partner("P-09", program: "other", enrolled: "2025-01-19"))
            #expect(try PartnerQueries.reference(session, partnerID: "P-09")?.program == "other")
            #expect(try PartnerQueries.reference(session, partnerID: "P-99") == nil)
        }
    }
}
