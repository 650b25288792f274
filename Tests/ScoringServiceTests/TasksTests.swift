import Foundation
import HTTPTypes
import PartnerModel
import ProgramEvaluation
import TestSupport
import PartnerStore
import Testing
@testable import ScoringService

@Suite("Tasks over the API: listed for viewers, acted on by operators")
struct TasksTests {
    @Test("list and filter; acknowledge, done, dismiss; what is refused says why", arguments: TestPostgres.engines)
    func lifecycle(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try await fixture.withServer { api in
            #expect(try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"2025-01-31"}"#).status == 201)
            let all = try await api.get("/v1/tasks", token: fixture.viewer)
            #expect(all.status == 200)
            let tasks = all.json["tasks"] as? [[String: Any]] ?? []
            #expect(!tasks.isEmpty)
            #expect(tasks.map { $0["id"] as? Int ?? 0 } == tasks.map { $0["id"] as? Int ?? 0 }.sorted(by: >), "newest first")
            #expect(tasks.allSatisfy { $0["status"] as? String == "open" && $0["step"] as? Int == 1 && $0["assignee"] as? String == "automation" })
            let page = try await api.get("/v1/tasks?limit=1", token: fixture.viewer)
            let cursor = try #require(page.json["next_cursor"] as? String)
            let next = try await api.get("/v1/tasks?limit=1&cursor=\(cursor)", token: fixture.viewer).json["tasks"] as? [[String: Any]]
            #expect(next?.first?["id"] as? Int == (tasks.count > 1 ? tasks[1]["id"] as? Int : nil))
            let a1 = try await api.get("/v1/tasks?partner=A-1", token: fixture.viewer).json["tasks"] as? [[String: Any]] ?? []
            #expect(!a1.isEmpty && a1.allSatisfy { $0["partner_id"] as? String == "A-1" })
            let id = try #require(a1.first?["id"] as? Int)

            expectError(try await api.post("/v1/tasks/\(id)/ack", token: fixture.viewer, json: "{}"), 403, "forbidden")
            expectError(try await api.post("/v1/tasks/\(id)/ack", token: fixture.operator, json: #"{"on":"2025-01-01"}"#), 409, "day_before_task", field: "on")
            // A refused date says what to do about it, as the command line does: the hint of the date's own error.
            let noSuchDay = try await api.post("/v1/tasks/\(id)/ack", token: fixture.operator, json: #"{"on":"2025-02-30"}"#)
            expectError(noSuchDay, 400, "invalid_field", field: "on")
            #expect(noSuchDay.error["hint"] as? String == "write dates as YYYY-MM-DD (a day that exists)")
            #expect(noSuchDay.error["message"] as? String == "'2025-02-30': no such day — write dates as YYYY-MM-DD (a day that exists)")
            let outOfRange = try await api.post("/v1/tasks/\(id)/ack", token: fixture.operator, json: #"{"on":"0001-01-01"}"#)
            expectError(outOfRange, 400, "invalid_field", field: "on")
            #expect(outOfRange.error["hint"] as? String == "write a date from 1900-01-01 to 2999-12-31")
            // Bodies are read as strictly as everywhere else: no trailing comma, no key twice.
            expectError(try await api.post("/v1/tasks/\(id)/ack", token: fixture.operator, json: #"{"note":"x",}"#), 400, "invalid_field", field: "body")
            expectError(try await api.post("/v1/tasks/\(id)/ack", token: fixture.operator, json: #"{"note":"x","note":"y"}"#), 400, "invalid_field", field: "body")
            expectError(try await api.post("/v1/tasks/\(id)/ack", token: fixture.operator, json: #"{"outcome":"reached"}"#), 400, "invalid_field", field: "outcome")
            let acknowledged = try await api.post("/v1/tasks/\(id)/ack", token: fixture.operator, json: #"{"on":"2025-02-02","note":"on it"}"#)
            #expect(acknowledged.status == 200, "\(acknowledged.text)")
            #expect(acknowledged.json["status"] as? String == "acknowledged" && acknowledged.json["acknowledged"] as? String == "2025-02-02")
            expectError(try await api.post("/v1/tasks/\(id)/ack", token: fixture.operator, json: "{}"), 409, "task_not_active")
            expectError(try await api.post("/v1/tasks/\(id)/done", token: fixture.operator, json: "{}"), 400, "invalid_field", field: "outcome")
            expectError(try await api.post("/v1/tasks/\(id)/done", token: fixture.operator, json: #"{"outcome":"resolved"}"#), 400, "invalid_field", field: "outcome")
            let done = try await api.post("/v1/tasks/\(id)/done", token: fixture.operator, json: #"{"outcome":"plan_agreed","on":"2025-02-03"}"#)
            #expect(done.json["status"] as? String == "done" && done.json["outcome"] as? String == "plan_agreed" && done.json["note"] as? String == "on it")
            expectError(try await api.post("/v1/tasks/\(id)/dismiss", token: fixture.operator, json: ""), 409, "task_not_active")
            expectError(try await api.post("/v1/tasks/999/dismiss", token: fixture.operator, json: ""), 404, "not_found")
            expectError(try await api.get("/v1/tasks/x", token: fixture.viewer), 400, "invalid_field", field: "id")
            expectError(try await api.get("/v1/tasks?status=finished", token: fixture.viewer), 400, "invalid_field", field: "status")
            let shown = try await api.get("/v1/tasks/\(id)", token: fixture.viewer)
            #expect(shown.json["closed"] as? String == "2025-02-03")
            let doneList = try await api.get("/v1/tasks?status=done", token: fixture.viewer).json["tasks"] as? [[String: Any]]
            #expect(doneList?.map { $0["id"] as? Int } == [id])
        }
    }

    @Test("a live evaluation holds an alert where the ledger's acknowledged task pauses it, as a run would", arguments: TestPostgres.engines)
    func liveEvaluationPauses(engine: SQLEngine) async throws {
        let fixture = try ServiceFixture(engine)
        try fixture.writePolicy(agentsPolicy.replacingOccurrences(of: "interventions = ps.default_interventions,", with: """
            interventions = {
              ps.step { after = "0 days", action = "Nudge", owner = "automation" },
              ps.step { after = "14 days", action = "CAM call", owner = "CAM", pause = "30 days" },
              ps.step { after = "30 days", action = "Plan", owner = "partner success" },
            },
            """))
        try await fixture.withServer { api in
            for asOf in ["2025-01-31", "2025-02-14"] {
                #expect(try await api.post("/v1/runs", token: fixture.operator, json: #"{"policy_set":"agents","as_of":"\#(asOf)"}"#).status == 201)
            }
            let tasks = try await api.get("/v1/tasks?partner=A-3&status=open", token: fixture.viewer).json["tasks"] as? [[String: Any]] ?? []
            let call = try #require(tasks.first { $0["alert"] as? String == "health_red:health" })
            #expect(call["step"] as? Int == 2 && call["assignee"] as? String == "cam")
            func step() async throws -> Int? {
                let live = try await api.get("/v1/partners/A-3/evaluation?as_of=2025-03-05", token: fixture.viewer).json
                let alerts = (live["evaluation"] as? [String: Any])?["alerts"] as? [[String: Any]]
                return alerts?.first { $0["key"] as? String == "health_red:health" }?["step"] as? Int
            }
            #expect(try await step() == 3)
            #expect(try await api.post("/v1/tasks/\(call["id"] as! Int)/ack", token: fixture.operator, json: #"{"on":"2025-02-20"}"#).status == 200)
            #expect(try await step() == 2)
        }
    }
}
