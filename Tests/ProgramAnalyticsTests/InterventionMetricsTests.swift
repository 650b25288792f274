import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation
import TestSupport
import Testing
@testable import ProgramAnalytics

/// Red under 400 of 12-month revenue; a nudge at once, the CAM after 14 days.
let nudgeThenCall = """
    local ps = require "partnerscore"
    return ps.policy {
      name = "Agents", version = "1.0", effective = "2025-01-01", programs = { "agents" }, cadence = "monthly",
      tiers = { ps.tier "Authorized" {} },
      health = { components = { ps.component "revenue" { weight = 1, metric = "revenue_12m", target = 1000 } } },
      milestones = { first_login = false, first_training = false, first_deal_registration = false, first_deal_won = false,
                     first_tier_qualification = false, first_tier_advancement = false },
      interventions = {
        ps.step { after = "0 days", action = "Nudge", owner = "automation" },
        ps.step { after = "14 days", action = "CAM call", owner = "CAM" },
      },
    }
    """

/// Effectiveness, time to acknowledge and queues, checked against figures worked out by hand.
///
/// Five partners, all red at the first run on January 1st (tasks #1–#5, the nudge). P-1 sells on
/// January 10th; the others are at the CAM's call on January 15th (#6 P-2 anna, #7 P-3 anna, #8 P-4 ben,
/// #9 P-5 ben). P-3 sells on February 10th (resolved at the run of February 15th), P-4 on March 20th
/// (resolved April 1st); P-2 and P-5 never. People: #1 acknowledged January 3rd; #7 done (reached)
/// January 16th; #8 dismissed January 17th; #6 acknowledged January 20th, done (no_response) January 25th.
@Suite("Intervention figures come from the ledger and match hand-computed values")
struct InterventionMetricsTests {
    let store: PartnerStore
    let folder: PolicyFolder

    init() throws {
        store = try ledgerStore()
        try store.upsertPartners([("P-1", "anna"), ("P-2", "anna"), ("P-3", "anna"), ("P-4", "ben"), ("P-5", "ben")].map { id, cam in
            Partner(id: id, name: "Agent \(id)", type: .agent, program: "agents", region: "NA", country: "US", territories: ["US-CA"],
                    products: ["voice"], enrolled: day("2024-12-01"), channelAccountManager: cam)
        })
        try store.importEvents([("P-1", "2025-01-10"), ("P-3", "2025-02-10"), ("P-4", "2025-03-20")].map { id, date in
            ActivityEvent(partnerID: id, date: day(date), kind: .revenue(amount: 500, currency: "USD", product: "voice"))
        })
        folder = try PolicyFolder(nudgeThenCall)
        let run = ProgramRun(store: store, policySet: try folder.load())
        func act(_ body: (any SQLSession) throws -> Void) throws { try store.database.write(body) }
        try run.evaluate(asOf: day("2025-01-01"), dryRun: false)
        try act { db in try TaskLedger.acknowledge(db, id: 1, on: day("2025-01-03"), note: nil) }
        try run.evaluate(asOf: day("2025-01-15"), dryRun: false)
        try act { db in
            try TaskLedger.complete(db, id: 7, outcome: .reached, on: day("2025-01-16"), note: nil)
            try TaskLedger.dismiss(db, id: 8, on: day("2025-01-17"), note: nil)
            try TaskLedger.acknowledge(db, id: 6, on: day("2025-01-20"), note: nil)
            try TaskLedger.complete(db, id: 6, outcome: .noResponse, on: day("2025-01-25"), note: nil)
        }
        for asOf in ["2025-02-01", "2025-02-15", "2025-03-01", "2025-04-01", "2025-05-01"] {
            try run.evaluate(asOf: day(asOf), dryRun: false)
        }
    }

    func figures(_ asOf: String) throws -> InterventionMetrics {
        try #require(try ProgramAnalytics(store: store).metrics(asOf: day(asOf)).overall.interventions)
    }

    @Test("the layout the figures are computed from: nine tasks, closed as the runs saw their alerts")
    func ledger() throws {
        let tasks = try store.database.read { db in try TaskLedger.tasks(db, .init()) }.reversed().map {
            "#\($0.id) \($0.partnerID) \($0.step) \($0.status.rawValue) \($0.outcome?.rawValue ?? "-")"
        }
        #expect(Array(tasks) == ["#1 P-1 1 closed resolved", "#2 P-2 1 closed escalated", "#3 P-3 1 closed escalated",
                                 "#4 P-4 1 closed escalated", "#5 P-5 1 closed escalated", "#6 P-2 2 done no_response",
                                 "#7 P-3 2 done reached", "#8 P-4 2 dismissed -", "#9 P-5 2 open -"])
    }

    @Test("as of May 1st: recovery within 30, 60 and 90 days per step, reached or not")
    func effectiveness() throws {
        let f = try figures("2025-05-01")
        #expect(f.tasks == 9)
        #expect(f.steps.count == 2)
        let nudge = f.steps[0], call = f.steps[1]
        #expect((nudge.policySet, nudge.step, nudge.action, nudge.owner, nudge.tasks) == ("agents", 1, "Nudge", "automation", 5))
        // Reached: #1 (acknowledged), resolved 14 days after opening.
        #expect(nudge.reached == Recovery(tasks: 1, within30Days: Share(1, of: 1), within60Days: Share(1, of: 1), within90Days: Share(1, of: 1)))
        // Not reached: #2 (never), #3 (45 days), #4 (90 days: April 1st is January 1st + 90), #5 (never).
        #expect(nudge.notReached == Recovery(tasks: 4, within30Days: Share(0, of: 4), within60Days: Share(1, of: 4), within90Days: Share(2, of: 4)))
        #expect((call.step, call.action, call.owner, call.tasks) == (2, "CAM call", "CAM", 4))
        // Reached: #7 (done, reached), resolved 31 days after opening.
        #expect(call.reached == Recovery(tasks: 1, within30Days: Share(0, of: 1), within60Days: Share(1, of: 1), within90Days: Share(1, of: 1)))
        // Not reached: #6 (no response), #8 (dismissed; resolved after 76 days), #9 (open).
        #expect(call.notReached == Recovery(tasks: 3, within30Days: Share(0, of: 3), within60Days: Share(0, of: 3), within90Days: Share(1, of: 3)))
    }

    @Test("as of May 1st: time to acknowledge per owner and the open queue per assignee")
    func acknowledgementAndQueues() throws {
        let f = try figures("2025-05-01")
        #expect(f.acknowledgement == [
            AcknowledgementTime(owner: "CAM", acknowledged: 1, medianDays: 5, p90Days: 5, waiting: 1),        // #6 after 5 days; #9 waits
            AcknowledgementTime(owner: "automation", acknowledged: 1, medianDays: 2, p90Days: 2, waiting: 0), // #1 after 2 days
        ])
        #expect(f.queues == [TaskQueue(assignee: "ben", open: 1, acknowledged: 0, oldest: day("2025-01-15"))])
    }

    @Test("as of January 20th only what was known then counts: #6 acknowledged (done later) reached, windows not yet closed")
    func earlierDay() throws {
        let f = try figures("2025-01-20")
        #expect(f.tasks == 9)
        let call = f.steps[1]
        #expect(call.reached.tasks == 2 && call.notReached.tasks == 2)   // #6 (acknowledged that day) and #7; #8 and #9
        #expect(call.reached.within30Days == Share(0, of: 0) && call.reached.within30Days.rate == nil)
        #expect(f.queues == [TaskQueue(assignee: "anna", open: 0, acknowledged: 1, oldest: day("2025-01-15")),
                             TaskQueue(assignee: "ben", open: 1, acknowledged: 0, oldest: day("2025-01-15"))])
        #expect(try ProgramAnalytics(store: store).metrics(asOf: day("2024-12-31")).overall.interventions == nil)
    }

    @Test("metrics and the report show them: table, CSV, JSON and HTML")
    func rendered() throws {
        let metrics = try ProgramAnalytics(store: store).metrics(asOf: day("2025-05-01"))
        let table = MetricsOutput.table(metrics)
        #expect(table.contains("agents step 2"))
        #expect(table.contains("CAM call [CAM]: 4 tasks"))
        #expect(table.contains("1: recovered within 30 days 0.0% (0 of 1), 60 days 100.0% (1 of 1), 90 days 100.0% (1 of 1)"))
        #expect(table.contains("CAM: median 5 days, p90 5 (1 acknowledged, 1 waiting)"))
        #expect(table.contains("ben 1 open, 0 acknowledged (oldest 2025-01-15)"))
        let csv = MetricsOutput.csv(metrics)
        #expect(csv.contains("all,,step:agents:1:not_reached:recovered_90d,2\n"))
        #expect(csv.contains("all,,step:agents:1:not_reached:recovered_90d_of,4\n"))
        #expect(csv.contains("all,,step:agents:1:not_reached:recovered_90d_rate,0.5\n"))
        #expect(csv.contains("policy_set,agents,acknowledge:CAM:median_days,5\n"))
        #expect(csv.contains("program,agents,queue:ben:oldest,2025-01-15\n"))
        #expect(try MetricsOutput.json(metrics).contains(#""not_reached" : {"#))
        let html = try ProgramAnalytics(store: store).report(asOf: day("2025-05-01"), source: "test").html()
        #expect(html.contains("<section id=\"interventions\">"))
        #expect(html.contains("<td>CAM call</td><td>reached</td>"))
    }
}
