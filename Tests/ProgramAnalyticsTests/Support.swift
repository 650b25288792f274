import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation
import TestSupport

/// Two tiers on 12-month revenue, health on the same, an agreement gate
/// whose name needs escaping, the default milestones and interventions
/// (steps after 0, 14, 30 and 60 days).
let fixturePolicy = """
    local ps = require "partnerscore"
    return ps.policy {
      name = "Agents", version = "1.0", effective = "2024-01-01", programs = { "agents" },
      cadence = "monthly", remediation = "30 days",
      tiers = {
        ps.tier "Authorized" { benefits = { commission = 0.08 } },
        ps.tier "Premier" { entry = { ps.at_least("revenue_12m", 5000) }, benefits = { commission = 0.12 } },
      },
      gates = { ps.gate "Agreement <v2> & NDA" { credential = "agreement", warn = "30 days", suspends = { benefits = { "commission" } } } },
      health = {
        components = { ps.component "revenue" { weight = 1, metric = "revenue_12m", target = 10000 } },
        bands = { green = 70, yellow = 40, red = 0 },
      },
      milestones = ps.default_milestones,
      interventions = ps.default_interventions,
    }
    """

/// The hand-computed fixture (see MetricsTests for the arithmetic): five
/// partners of program "agents" (one terminated, one suspended), one of
/// program "other" that authorizes everything, and one enrolled after the
/// as-of day 2026-06-30; events after that day that must not count.
func makeFixtureStore() throws -> PartnerStore {
    let store = try ledgerStore()
    func agent(_ id: String, _ name: String, enrolled: String, status: PartnerStatus = .active) -> Partner {
        Partner(id: id, name: name, type: .agent, program: "agents", region: "NA", country: "US", territories: ["US-CA"],
                products: ["voice"], enrolled: day(enrolled), channelAccountManager: "cam-1", status: status)
    }
    try store.upsertPartners([
        agent("A-1", "Alpha Voice", enrolled: "2025-01-10"),
        agent("A-2", "Acme \"Voice\" <Partners> & Co", enrolled: "2025-03-01"),
        agent("A-3", "Gamma Telecom", enrolled: "2024-03-01", status: .suspended),
        agent("A-4", "Delta Calls", enrolled: "2026-05-01"),
        agent("A-5", "Epsilon Lines", enrolled: "2025-06-15", status: .terminated),
        agent("A-6", "Zeta Late", enrolled: "2026-08-01"),
        Partner(id: "O-1", name: "Omega Anything", type: .reseller, program: "other", region: "NA", country: "US",
                territories: [], products: [], enrolled: day("2024-01-01"), channelAccountManager: "cam-2"),
    ])
    func e(_ id: String, _ date: String, _ kind: ActivityEvent.Kind) -> ActivityEvent { ActivityEvent(partnerID: id, date: day(date), kind: kind) }
    func revenue(_ amount: Double) -> ActivityEvent.Kind { .revenue(amount: amount, currency: "USD", product: "voice") }
    try store.importEvents([
        e("A-1", "2025-01-10", .credential(kind: "agreement", expires: day("2027-12-31"))),
        e("A-1", "2025-01-11", .portalLogin),
        e("A-1", "2025-01-12", .trainingCompleted(module: "Intro")),
        e("A-1", "2025-01-20", .dealRegistered(territory: "US-CA", product: "voice", amount: 1000)),
        e("A-1", "2025-02-15", .dealWon(amount: 1000)),
        e("A-1", "2025-02-20", revenue(1000)),
        e("A-1", "2025-03-01", .certificationEarned(name: "Voice Pro", expires: day("2026-08-15"))),
        e("A-1", "2025-12-01", revenue(5000)),
        e("A-1", "2026-02-01", .dealRegistered(territory: "US-CA", product: "voice", amount: 500)),
        e("A-1", "2026-06-01", revenue(3000)),
        e("A-1", "2026-07-15", revenue(9999)),                                    // after the day
        e("A-2", "2025-03-02", .portalLogin),
        e("A-2", "2025-04-01", .certificationEarned(name: "Voice Pro", expires: day("2025-12-31"))),
        e("A-2", "2025-09-01", .dealRegistered(territory: "US-NY", product: "voice", amount: 800)),   // outside territory
        e("A-2", "2025-09-20", .dealWon(amount: 800)),
        e("A-2", "2025-10-01", revenue(2000)),
        e("A-2", "2026-07-01", .certificationEarned(name: "Voice Pro", expires: day("2027-07-01"))), // after the day
        e("A-2", "2026-07-20", revenue(5000)),                                    // after the day
        e("A-3", "2024-03-05", .portalLogin),
        e("A-3", "2024-05-01", revenue(4000)),
        e("A-3", "2025-01-01", .certificationEarned(name: "Data", expires: day("2026-01-01"))),
        e("A-3", "2025-05-01", revenue(4000)),
        e("A-3", "2026-01-01", .certificationEarned(name: "Voice Pro", expires: nil)),
        e("A-3", "2026-02-01", .certificationEarned(name: "Data", expires: day("2026-09-01"))),
        e("A-3", "2026-03-01", revenue(2000)),
        e("A-4", "2026-05-02", .portalLogin),
        e("A-4", "2026-06-05", .dealRegistered(territory: "US-CA", product: "data", amount: 300)),   // outside products
        e("A-4", "2026-06-10", .dealWon(amount: 300)),
        e("A-5", "2025-06-20", .portalLogin),
        e("A-5", "2026-06-20", revenue(500)),
        e("A-6", "2026-08-02", .portalLogin),
        e("O-1", "2024-01-02", .portalLogin),
        e("O-1", "2024-01-03", .trainingCompleted(module: "Intro")),
        e("O-1", "2024-02-01", .dealWon(amount: 10000)),
        e("O-1", "2024-02-15", revenue(10000)),
        e("O-1", "2025-01-15", revenue(5000)),
        e("O-1", "2026-01-01", .dealRegistered(territory: "XX", product: "anything", amount: 100)),  // authorized: empty lists
        e("O-1", "2026-01-15", revenue(10000)),
    ])
    return store
}

/// The fixture evaluated at four month-ends, the last one after the as-of day.
func makeEvaluatedFixture() throws -> (PartnerStore, PolicyFolder) {
    let store = try makeFixtureStore()
    let folder = try PolicyFolder(fixturePolicy)
    let run = ProgramRun(store: store, policySet: try folder.load())
    for asOf in ["2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31"] {
        try run.evaluate(asOf: day(asOf), dryRun: false)
    }
    return (store, folder)
}
