import PartnerModel
import PartnerStore
import ProgramEvaluation

/// A partner of the agents program (any field can be given).
public func partner(_ id: String = "P-1", program: String = "agents", enrolled: String = "2025-01-01",
                    territories: [String] = ["US-CA"], products: [String] = ["voice"], tier: String? = nil) -> Partner {
    Partner(id: id, name: "Partner \(id)", type: .agent, program: program, region: "NA", country: "US",
            territories: territories, products: products, enrolled: day(enrolled), channelAccountManager: "cam@vendor",
            tier: tier)
}

/// An event of `id` on `date`.
public func event(_ id: String, _ date: String, _ kind: ActivityEvent.Kind) -> ActivityEvent {
    ActivityEvent(partnerID: id, date: day(date), kind: kind)
}

/// An empty store with the ledger's tables: in memory, or the SQLite file
/// `file` in `folder` (a pool, so a run reads its snapshots on a connection
/// of their own, as in production).
public func ledgerStore(in folder: TemporaryFolder? = nil, file: String = "program.sqlite") throws -> PartnerStore {
    guard let folder else { return try PartnerStore(inMemoryExtendingMigrations: LedgerSchema.register) }
    return try PartnerStore(path: folder.path(file), extendingMigrations: LedgerSchema.register)
}

/// An agents program: Premier needs 5,000 of revenue in the month, keeps it
/// with 3,000; an agreement credential gates the MDF benefit.
public let agentsPolicy = """
    local ps = require "partnerscore"
    return ps.policy {
      name = "Agents", version = "1.0", effective = "2025-01-01", programs = { "agents" },
      cadence = "monthly", remediation = "30 days",
      tiers = {
        ps.tier "Authorized" { benefits = { commission = 0.08 } },
        ps.tier "Premier" { entry = { ps.at_least("revenue_1m", 5000) }, maintain = { ps.at_least("revenue_1m", 3000) },
                            benefits = { commission = 0.12, mdf = 1000 } },
      },
      gates = { ps.gate "Agreement" { credential = "agreement", warn = "30 days", suspends = { benefits = { "mdf" } } } },
      health = { components = { ps.component "revenue" { weight = 1, metric = "revenue_3m", target = 15000 } } },
      interventions = ps.default_interventions,
    }
    """

/// The partners `agentsPolicy` is tried on: of program
/// "agents", X-1 of program "other" (all enrolled 2025-01-01).
public let agentsProgramPartners: [Partner] = ["A-1", "A-2", "A-3"].map { id in
    Partner(id: id, name: "Agent \(id)", type: .agent, program: "agents", region: "NA", country: "US",
            territories: ["US-CA"], products: ["voice"], enrolled: day("2025-01-01"), channelAccountManager: "cam")
} + [Partner(id: "X-1", name: "Other", type: .reseller, program: "other", region: "NA", country: "US", territories: [],
             products: [], enrolled: day("2025-01-01"), channelAccountManager: "cam")]

/// Their events: A-1 sells 6,000 a month through April, then 1,000, and
/// holds an agreement until 2025-05-31; A-2 logs in once.
public let agentsProgramEvents: [ActivityEvent] = (1...6).map { month in
    ActivityEvent(partnerID: "A-1", date: Day(year: 2025, month: month, day: 15)!,
                  kind: .revenue(amount: month <= 4 ? 6000 : 1000, currency: "USD", product: "voice"))
} + [
    event("A-1", "2025-01-02", .credential(kind: "agreement", expires: day("2025-05-31"))),
    event("A-2", "2025-01-03", .portalLogin),
]
