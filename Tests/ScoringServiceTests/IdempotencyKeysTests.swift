import Foundation
import PartnerStore
import Testing
@testable import ScoringService

@Suite("Idempotency keys are claimed before the batch is written")
struct IdempotencyKeysTests {
    @Test("a claim holds the key; after its commit the same body replays, another body is refused; a rolled-back claim frees it")
    func claimFirst() throws {
        let fixture = try ServiceFixture()
        let database = fixture.store.database
        #expect(try database.write { try IdempotencyKeys.claim($0, key: "k", requestHash: "h1") } == .claimed)
        // Nothing completed it: the claim rolled back with its transaction.
        struct Rollback: Error {}
        #expect(throws: Rollback.self) {
            try database.write { db in
                #expect(try IdempotencyKeys.claim(db, key: "gone", requestHash: "h") == .claimed)
                throw Rollback()
            }
        }
        #expect(try database.write { try IdempotencyKeys.claim($0, key: "gone", requestHash: "h") } == .claimed)
        try database.write { try IdempotencyKeys.complete($0, key: "k", status: 201, response: Data("{\"ingested\":1}".utf8)) }
        #expect(try database.write { try IdempotencyKeys.claim($0, key: "k", requestHash: "h1") }
                == .replay(status: 201, response: Data("{\"ingested\":1}".utf8)))
        #expect(try database.write { try IdempotencyKeys.claim($0, key: "k", requestHash: "h2") } == .reused)
    }
}
