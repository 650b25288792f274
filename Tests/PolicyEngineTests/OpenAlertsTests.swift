import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

@Suite("Open alerts: a sorted set of keys with the day each was first raised")
struct OpenAlertsTests {
    let late = AlertKey(kind: .policyFlag, subject: "late")
    let login = AlertKey(kind: .milestoneOverdue, subject: "first_login")
    let red = AlertKey(kind: .healthRed, subject: "health")

    @Test("reads and writes like a dictionary, kept in key order")
    func dictionaryLike() {
        var open: OpenAlerts = [late: day("2025-01-31"), login: day("2024-02-01")]
        #expect(open.keys == [red, login, late].sorted().filter { $0 != red })
        #expect(open[login] == day("2024-02-01") && open[red] == nil)
        open[red] = day("2025-03-31")
        #expect(open.keys == [red, login, late].sorted())
        open[late] = day("2025-02-28")
        #expect(open[late] == day("2025-02-28") && open.count == 3)
        open[login] = nil
        open[login] = nil
        #expect(open.keys == [red, late].sorted())
        #expect(open == [late: day("2025-02-28"), red: day("2025-03-31")])
    }

    @Test("encodes as the dictionary did: an object keyed by kind:subject, and reads it back")
    func json() throws {
        let open: OpenAlerts = [late: day("2025-01-31"), login: day("2024-02-01")]
        let dictionary: [AlertKey: Day] = [late: day("2025-01-31"), login: day("2024-02-01")]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(open) == encoder.encode(dictionary))
        #expect(try JSONDecoder().decode(OpenAlerts.self, from: encoder.encode(dictionary)) == open)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(OpenAlerts.self, from: Data(#"{"no colon": "2025-01-31"}"#.utf8))
        }
    }

    @Test("an alert that clears is resolved, and one still open keeps the day it was first raised")
    func resolvedAndKept() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": agentPolicy])
        let evaluator = PartnerEvaluator(policySet: try folder.load())
        let agent = partner(enrolled: "2025-01-01", products: ["voice", "mobile"])
        let stale = AlertKey(kind: .gateLapsed, subject: "gone")
        var state = PartnerProgramState(tier: "Authorized", lastTierEvaluation: day("2025-05-31"))
        state.openAlerts = [stale: day("2025-04-30")]
        let (first, next) = try evaluator.evaluate(snapshot(agent, asOf: "2025-06-30"), state: state)
        #expect(first.resolvedAlerts == [stale])
        #expect(next.openAlerts.keys == first.alerts.map(\.key) && !first.alerts.isEmpty)
        let (second, _) = try evaluator.evaluate(snapshot(agent, asOf: "2025-07-31"), state: next)
        for alert in second.alerts where next.openAlerts[alert.key] != nil {
            #expect(alert.firstRaised == next.openAlerts[alert.key])
        }
        #expect(second.resolvedAlerts.isEmpty || second.resolvedAlerts.allSatisfy { next.openAlerts[$0] != nil })
    }
}
