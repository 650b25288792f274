import Foundation
import Dispatch
import PartnerStore
import TestSupport
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

@Suite("Tokens and idempotency keys on PostgreSQL", .enabled(if: TestPostgres.enabled, "set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does)"))
struct ServiceTablesOnPostgresTests {
    @Test("tokens are issued, listed, revoked and checked; a key is claimed once across connections, waiting for the first claim")
    func tablesOnPostgres() async throws {
        let database = try TestPostgres.freshDatabase()
        let store = try PartnerStore(location: database.url) { ServiceSchema.register(in: &$0) }
        let tokens = TokenStore(store.database)
        let issued = try tokens.create(role: .operator, name: "crm")
        #expect(issued.record.id >= 1)
        #expect(throws: TokenStore.Failure.nameTaken("crm")) { try tokens.create(role: .viewer, name: "crm") }
        #expect(try await tokens.caller(presenting: issued.token) == Caller(tokenID: issued.record.id, name: "crm", role: .operator))
        #expect(try tokens.revoke("crm").revoked != nil)
        #expect(try await tokens.caller(presenting: issued.token) == nil)
        #expect(try tokens.list().map(\.name) == ["crm"])

        // Two connections claim one key: the second waits for the first's commit and replays its response.
        let postgres = try #require(store.postgres)
        let claimed = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let first = Thread {
            _ = try? postgres.write { db in
                #expect(try IdempotencyKeys.claim(db, key: "k", requestHash: "h") == .claimed)
                claimed.signal()
                release.wait()
                try IdempotencyKeys.complete(db, key: "k", status: 201, response: Data("stored".utf8))
            }
        }
        first.start()
        claimed.wait()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { release.signal() }
        let second = try postgres.write { try IdempotencyKeys.claim($0, key: "k", requestHash: "h") }
        #expect(second == .replay(status: 201, response: Data("stored".utf8)))
        #expect(try postgres.write { try IdempotencyKeys.claim($0, key: "k", requestHash: "other") } == .reused)
    }
}
