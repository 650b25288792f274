import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing
@testable import ScoringService

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test("ingest batches while runs and live evaluations go on: no event is lost")
    func ingestDuringEvaluation() async throws {
        let fixture = try ServiceFixture()
        let before = try fixture.eventCount()
        try await fixture.withServer { api in
            let port = api.port
            let batches = 12, perBatch = 25
            try await withThrowingTaskGroup(of: Int.self) { group in
                for batch in 0..<batches {
                    group.addTask {
                        try await TestClient.withClient(host: "localhost", port: port) { client in
                            let events = (0..<perBatch).map { i in
                                #"{"partner_id":"A-\#(i % 3 + 1)","date":"2025-03-\#(String(format: "%02d", i % 28 + 1))","kind":"login"}"#
                            }
                            let response = try await API(connection: client, port: port).post(
                                "/v1/activity", token: fixture.operator, json: #"{"events":[\#(events.joined(separator: ","))]}"#,
                                headers: [HTTPField.Name("Idempotency-Key")!: "concurrent-\(batch)"])
                            #expect(response.status == 201, "\(response.text)")
                            return response.json["ingested"] as? Int ?? 0
                        }
                    }
                }
                for (index, asOf) in ["2025-01-31", "2025-02-28", "2025-03-31"].enumerated() {
                    group.addTask {
                        try await TestClient.withClient(host: "localhost", port: port) { client in
                            let api = API(connection: client, port: port)
                            let live = try await api.get("/v1/partners/A-\(index + 1)/evaluation?as_of=\(asOf)", token: fixture.viewer)
                            #expect(live.status == 200, "\(live.text)")
                            let run = try await api.post("/v1/runs", token: fixture.operator,
                                                         json: #"{"policy_set":"agents","as_of":"\#(asOf)","dry_run":\#(index != 0)}"#)
                            #expect(run.status == (index == 0 ? 201 : 200), "\(run.text)")
                            return 0
                        }
                    }
                }
                var ingested = 0
                for try await count in group { ingested += count }
                #expect(ingested == batches * perBatch)
            }
            #expect(try fixture.eventCount() == before + batches * perBatch)
            #expect(try fixture.count("idempotency_key") == batches)
            #expect(try fixture.count("decision") == 3)
        }
    }

    @Test("more evaluations at once than pooled Lua states wait their turn and all succeed")
    func poolContention() async throws {
        let fixture = try ServiceFixture()
        try await fixture.withServer { api in
            let port = api.port
            try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<16 {
                    group.addTask {
                        try await TestClient.withClient(host: "localhost", port: port) { client in
                            let response = try await API(connection: client, port: port)
                                .get("/v1/partners/A-\(i % 3 + 1)/evaluation?as_of=2025-04-30", token: fixture.viewer)
                            return response.status
                        }
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
        }
    }

}
