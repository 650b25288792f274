import Foundation
import HTTPTypes
import TestSupport
import PartnerStore
import Testing
@testable import ScoringService

@Suite("Activity ingest")
struct ActivityTests {
    let key = HTTPField.Name("Idempotency-Key")!

    @Test("a batch is stored whole; every kind is checked as an import checks it", arguments: TestPostgres.engines)
    func ingest(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            let batch = """
                {"events":[
                  {"partner_id":"A-2","date":"2025-02-01","kind":"login"},
                  {"partner_id":"A-2","date":"2025-02-02","kind":"revenue","amount":1250.50,"currency":"USD","product":"voice"},
                  {"partner_id":"A-2","date":"2025-02-03","kind":"attribute","name":"csat","value":4.5},
                  {"partner_id":"A-2","date":"2025-02-04","kind":"certification","name":"Voice Pro","expires":"2027-02-03"}
                ]}
                """
            let response = try await api.post("/v1/activity", token: fixture.operator, json: batch)
            #expect(response.status == 201, "\(response.text)")
            #expect(response.json["ingested"] as? Int == 4)
            #expect(try fixture.eventCount() == 12)
        }
    }

    @Test("a bad event refuses the whole batch with a 400 naming its index and field (404 for an unknown partner)", arguments: TestPostgres.engines)
    func badEvent(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            func refused(_ events: String, field: String, index: Int, mentions: String, status: Int = 400,
                         sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let response = try await api.post("/v1/activity", token: fixture.operator, json: #"{"events":[\#(events)]}"#)
                expectError(response, status, status == 404 ? "unknown_partner" : "invalid_event", field: field, sourceLocation: sourceLocation)
                #expect(response.error["index"] as? Int == index, sourceLocation: sourceLocation)
                #expect((response.error["hint"] as? String)?.isEmpty == false, "\(response.text)", sourceLocation: sourceLocation)
                #expect((response.error["message"] as? String)?.contains(mentions) == true, "\(response.text)", sourceLocation: sourceLocation)
            }
            let good = #"{"partner_id":"A-2","date":"2025-02-01","kind":"login"}"#
            try await refused(good + #",{"partner_id":"A-2","date":"2025-02-30","kind":"login"}"#,
                              field: "events[1].date", index: 1, mentions: "no such day '2025-02-30'")
            try await refused(#"{"partner_id":"B-9","date":"2025-02-01","kind":"login"}"#,
                              field: "events[0].partner_id", index: 0, mentions: "unknown partner 'B-9'", status: 404)
            try await refused(good + "," + good + #",{"partner_id":"A-2","date":"2025-02-01","kind":"revenue","amount":-5,"currency":"USD","product":"voice"}"#,
                              field: "events[2].amount", index: 2, mentions: "negative amount")
            try await refused(#"{"partner_id":"A-2","date":"2025-02-01","kind":"revenue","amount":5,"product":"voice"}"#,
                              field: "events[0].currency", index: 0, mentions: "missing")
            try await refused(#"{"partner_id":"A-2","date":"2025-02-01","kind":"party"}"#,
                              field: "events[0].kind", index: 0, mentions: "unknown event kind 'party'")
            try await refused(#"{"partner_id":"A-2","date":"2025-02-01","kind":"login","mood":"happy"}"#,
                              field: "events[0].mood", index: 0, mentions: "unknown field 'mood'")
            try await refused(#""login""#, field: "events[0]", index: 0, mentions: "expected a JSON object")
            // Strict JSON types, as an import reads them: booleans, strings for numbers and numbers for text are refused.
            try await refused(#"{"partner_id":"A-2","date":"2025-02-01","kind":"deal_won","amount":true}"#,
                              field: "events[0].amount", index: 0, mentions: "found true or false")
            try await refused(#"{"partner_id":"A-2","date":"2025-02-01","kind":"deal_won","amount":"12.5"}"#,
                              field: "events[0].amount", index: 0, mentions: "expected a number, found a string")
            try await refused(#"{"partner_id":"A-2","date":"2025-02-01","kind":"training","name":7}"#,
                              field: "events[0].name", index: 0, mentions: "expected a string, found a number")
            try await refused(#"{"partner_id":"A-2","date":"0001-01-01","kind":"login"}"#,
                              field: "events[0].date", index: 0, mentions: "outside the supported dates")
            // Every field given is checked, even one the kind does not use.
            try await refused(#"{"partner_id":"A-2","date":"2025-02-01","kind":"login","amount":-1}"#,
                              field: "events[0].amount", index: 0, mentions: "negative amount")
            try await refused(#"{"partner_id":"A-2","date":"2025-02-01","kind":"login","expires":"2025-02-30"}"#,
                              field: "events[0].expires", index: 0, mentions: "no such day")
            #expect(try fixture.eventCount() == 8)
        }
    }

    @Test("the same Idempotency-Key and body replay the response; another body is refused with 409", arguments: TestPostgres.engines)
    func idempotency(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            let batch = #"{"events":[{"partner_id":"A-3","date":"2025-03-01","kind":"login"}]}"#
            let first = try await api.post("/v1/activity", token: fixture.operator, json: batch, headers: [key: "batch-0001"])
            #expect(first.status == 201)
            #expect(first.headers[ActivityController.replayedHeader] == nil)
            let again = try await api.post("/v1/activity", token: fixture.operator, json: batch, headers: [key: "batch-0001"])
            #expect(again.status == 201)
            #expect(again.text == first.text)
            #expect(again.headers[ActivityController.replayedHeader] == "true")
            #expect(try fixture.eventCount() == 9)

            let other = #"{"events":[{"partner_id":"A-3","date":"2025-03-02","kind":"login"}]}"#
            expectError(try await api.post("/v1/activity", token: fixture.operator, json: other, headers: [key: "batch-0001"]),
                        409, "idempotency_key_reused", field: "Idempotency-Key")
            #expect(try fixture.eventCount() == 9)

            // A refused batch stores no key: fixed, it can be sent again under the same key.
            let bad = #"{"events":[{"partner_id":"A-3","date":"2025-03-32","kind":"login"}]}"#
            expectError(try await api.post("/v1/activity", token: fixture.operator, json: bad, headers: [key: "batch-0002"]), 400, "invalid_event")
            #expect(try await api.post("/v1/activity", token: fixture.operator, json: other, headers: [key: "batch-0002"]).status == 201)
            #expect(try fixture.eventCount() == 10)

            expectError(try await api.post("/v1/activity", token: fixture.operator, json: batch, headers: [key: "white space"]),
                        400, "invalid_field", field: "Idempotency-Key")
        }
    }
}
