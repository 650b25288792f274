import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine
import TestSupport
import Testing
@testable import ProgramEvaluation

/// A policy paying incentives, with the rules under test in `incentives`.
func incentivePolicy(cadence: String = "rolling", _ incentives: String) -> String {
    """
    local ps = require "partnerscore"
    return ps.policy {
      name = "Agents", version = "1.0", effective = "2025-01-01", programs = { "agents" },
      cadence = "\(cadence)",
      tiers = {
        ps.tier "Authorized" { benefits = { commission = 0.08, rebate = 0.02 } },
        ps.tier "Premier" { entry = { ps.at_least("revenue_1m", 5000) },
                            benefits = { commission = 0.12, rebate = 0.05, mdf = 1000 } },
      },
      gates = { ps.gate "Agreement" { credential = "agreement", suspends = { benefits = { "mdf" } } } },
      incentives = {
        currency = "USD",
        \(incentives)
      },
    }
    """
}

func incentiveStore(_ sales: [(String, String, Double)], extra: [ActivityEvent] = []) throws -> PartnerStore {
    let store = try ledgerStore()
    try store.upsertPartners(Set(sales.map(\.0)).sorted().map { id in
        Partner(id: id, name: "Agent \(id)", type: .agent, program: "agents", region: "NA", country: "US",
                territories: ["US-CA"], products: ["voice"], enrolled: day("2025-01-01"), channelAccountManager: "cam")
    })
    try store.importEvents(sales.map { id, date, amount in
        ActivityEvent(partnerID: id, date: day(date), kind: .revenue(amount: amount, currency: "USD", product: "voice"))
    } + extra)
    return store
}

func agreement(_ id: String, until: String) -> ActivityEvent {
    ActivityEvent(partnerID: id, date: day("2025-01-01"), kind: .credential(kind: "agreement", expires: day(until)))
}

/// The ledger's lines as `posting rule period basis basisTotal rate amount`.
func ledgerLines(_ store: PartnerStore) throws -> [String] {
    try IncentiveLedger.lines(in: store, .init()).map {
        "\($0.partnerID) \($0.posting.rawValue) \($0.period) \($0.basis) \($0.basisTotal) \($0.rate) \($0.amount.text(places: 2))"
    }
}

@Suite("The incentive ledger")
struct IncentiveLedgerTests {
    @Test("crossing an accelerator mid-quarter re-rates the whole quarter: an accrual at the new rate and a true-up of the earlier basis")
    func acceleratorTrueUp() throws {
        let store = try incentiveStore([("A-1", "2025-01-15", 150_000), ("A-1", "2025-02-15", 120_000)])
        let folder = try PolicyFolder(incentivePolicy("""
            ps.rebate "Volume rebate" { every = "quarter", basis = { kind = "revenue" }, rate = 0.02,
                                        accelerators = { { at = 250000, add = 0.01 } } },
            """))
        let run = ProgramRun(store: store, policySet: try folder.load())
        try run.evaluate(asOf: day("2025-01-31"), dryRun: false)
        try run.evaluate(asOf: day("2025-02-28"), dryRun: false)
        #expect(try ledgerLines(store) == [
            "A-1 accrual 2025-Q1 150000 150000 0.02 3000.00",
            "A-1 true_up 2025-Q1 0 150000 0.03 1500.00",
            "A-1 accrual 2025-Q1 120000 270000 0.03 3600.00",
        ])
        // The quarter's lines sum to 3% of all 270,000.
        #expect(try IncentiveLedger.lines(in: store, .init(period: "2025-Q1")).reduce(ExactDecimal.zero) { $0 + $1.amount }
                == ExactDecimal(text: "8100")!)
    }

    @Test("a tier change mid-month re-rates the month's earlier revenue with a true-up")
    func tierChangeTrueUp() throws {
        let store = try incentiveStore([("A-1", "2025-01-05", 3000), ("A-1", "2025-01-20", 3000)])
        let folder = try PolicyFolder(incentivePolicy("""
            ps.commission "Monthly commission" { every = "month", basis = { kind = "revenue" }, rate = "commission" },
            """))
        let run = ProgramRun(store: store, policySet: try folder.load())
        try run.evaluate(asOf: day("2025-01-10"), dryRun: false)   // Authorized: 8% of 3,000
        try run.evaluate(asOf: day("2025-01-31"), dryRun: false)   // Premier now: 12% of 6,000
        #expect(try ledgerLines(store) == [
            "A-1 accrual 2025-01 3000 3000 0.08 240.00",
            "A-1 true_up 2025-01 0 3000 0.12 120.00",
            "A-1 accrual 2025-01 3000 6000 0.12 360.00",
        ])
    }

    @Test("a later period's run adds its own lines and leaves the earlier period's alone; a dry run writes none")
    func periodsAndDryRun() throws {
        let store = try incentiveStore([("A-1", "2025-01-05", 1000), ("A-1", "2025-02-05", 2000), ("A-2", "2025-02-06", 0.05)])
        let folder = try PolicyFolder(incentivePolicy("""
            ps.commission "Monthly commission" { every = "month", basis = { kind = "revenue" }, rate = "commission" },
            """))
        let run = ProgramRun(store: store, policySet: try folder.load())
        try run.evaluate(asOf: day("2025-01-31"), dryRun: false)
        let january = try ledgerLines(store)
        var dry: [PartnerEvaluation] = []
        try run.evaluate(asOf: day("2025-02-28"), dryRun: true) { dry.append($0) }
        #expect(try ledgerLines(store) == january)
        // The dry run still says what the month would pay.
        #expect(dry.first { $0.partnerID == "A-1" }?.incentives.first?.amount == ExactDecimal(text: "160"))
        try run.evaluate(asOf: day("2025-02-28"), dryRun: false)
        let all = try ledgerLines(store)
        #expect(Array(all.prefix(january.count)) == january)
        // 8% of 0.05 is 0.004: rounded to the cent, nothing to post for A-2.
        #expect(all == january + ["A-1 accrual 2025-02 2000 2000 0.08 160.00"])
    }

    @Test("MDF accrues at its rate up to the tier's cap; a tier without the cap benefit accrues nothing")
    func mdfCap() throws {
        let store = try incentiveStore([("A-1", "2025-01-05", 10_000), ("A-1", "2025-02-05", 30_000), ("A-1", "2025-03-05", 5_000),
                                        ("A-2", "2025-01-05", 1000)],
                                       extra: [agreement("A-1", until: "2025-12-31"), agreement("A-2", until: "2025-12-31")])
        let folder = try PolicyFolder(incentivePolicy("""
            ps.mdf "MDF" { every = "quarter", basis = { kind = "revenue" }, rate = 0.03, cap = "mdf" },
            """))
        let run = ProgramRun(store: store, policySet: try folder.load())
        try run.evaluate(asOf: day("2025-01-31"), dryRun: false)
        try run.evaluate(asOf: day("2025-02-28"), dryRun: false)
        try run.evaluate(asOf: day("2025-03-31"), dryRun: false)
        // A-1 is Premier (cap 1,000): 300 in January, then 1,200 capped at 1,000; in March nothing more accrues, and
        // the line says the quarter's basis grew (statements and explain read the cumulative basis from the last line).
        // A-2 is Authorized: no mdf benefit, no line.
        #expect(try ledgerLines(store) == [
            "A-1 accrual 2025-Q1 10000 10000 0.03 300.00",
            "A-1 accrual 2025-Q1 30000 40000 0.03 700.00",
            "A-1 accrual 2025-Q1 5000 45000 0.03 0.00",
        ])
        #expect(try IncentiveLedger.lines(in: store, .init()).last?.detail == #"{"cap":"1000.00","capped":true,"tier":"Premier"}"#)
    }

    @Test("while a lapsed gate suspends the line's benefit, the basis added since the previous evaluation does not accrue")
    func suspension() throws {
        let store = try incentiveStore([("A-1", "2025-01-05", 10_000), ("A-1", "2025-02-05", 5_000), ("A-1", "2025-03-05", 6_000)],
                                       extra: [agreement("A-1", until: "2025-01-31"),
                                               ActivityEvent(partnerID: "A-1", date: day("2025-03-01"),
                                                             kind: .credential(kind: "agreement", expires: day("2025-12-31")))])
        let folder = try PolicyFolder(incentivePolicy("""
            ps.mdf "MDF" { every = "quarter", basis = { kind = "revenue" }, rate = 0.03, cap = 100000 },
            """))
        let run = ProgramRun(store: store, policySet: try folder.load())
        var earned: [IncentiveEarning] = []
        for asOf in ["2025-01-31", "2025-02-28", "2025-03-31"] {
            try run.evaluate(asOf: day(asOf), dryRun: false) { earned += $0.incentives }
        }
        // February's 5,000 came while the agreement had lapsed: excluded, recorded with nothing to pay; March's accrues again.
        #expect(try ledgerLines(store) == [
            "A-1 accrual 2025-Q1 10000 10000 0.03 300.00",
            "A-1 accrual 2025-Q1 0 10000 0.03 0.00",
            "A-1 accrual 2025-Q1 6000 16000 0.03 180.00",
        ])
        #expect(earned.map(\.suspended) == [false, true, false])
        #expect(earned.last?.eligible == ExactDecimal(16_000) && earned.last?.excluded == ExactDecimal(5_000))
    }

    @Test("a suspension is day-exact: revenue dated while the gate's credential was not valid does not accrue, for partners the gate applies to")
    func dayExactSuspension() throws {
        let policy = incentivePolicy("""
            ps.mdf "MDF" { every = "quarter", basis = { kind = "revenue" }, rate = 0.03, cap = 100000 },
            """).replacingOccurrences(of: #"ps.gate "Agreement" { credential = "agreement","#,
                                      with: #"ps.gate "Agreement" { credential = "agreement", applies_to = { "voice" },"#)
        #expect(policy.contains(#"applies_to = { "voice" }"#))
        let store = try ledgerStore()
        try store.upsertPartners([("A-1", "voice"), ("A-2", "data")].map { id, product in
            Partner(id: id, name: "Agent \(id)", type: .agent, program: "agents", region: "NA", country: "US",
                    territories: ["US-CA"], products: [product], enrolled: day("2025-01-01"), channelAccountManager: "cam")
        })
        var events: [ActivityEvent] = []
        for id in ["A-1", "A-2"] {
            for (date, amount) in [("2025-01-10", 10_000.0), ("2025-02-15", 1_000.0), ("2025-02-16", 2_000.0), ("2025-03-10", 4_000.0),
                                   ("2025-03-20", 8_000.0)] {
                events.append(ActivityEvent(partnerID: id, date: day(date), kind: .revenue(amount: amount, currency: "USD", product: "voice")))
            }
            // Valid to February 15 (its last valid day), renewed from March 20.
            events.append(agreement(id, until: "2025-02-15"))
            events.append(ActivityEvent(partnerID: id, date: day("2025-03-20"), kind: .credential(kind: "agreement", expires: day("2026-03-31"))))
        }
        try store.importEvents(events)
        let folder = try PolicyFolder(policy)
        let run = ProgramRun(store: store, policySet: try folder.load())
        // One evaluation, at the quarter's end: the gate is valid again then.
        var named: [IncentiveEarning] = []
        try run.evaluate(asOf: day("2025-03-31"), dryRun: true, partnerIDs: ["A-1"]) { named += $0.incentives }
        var earned: [String: IncentiveEarning] = [:]
        try run.evaluate(asOf: day("2025-03-31"), dryRun: false) { earned[$0.partnerID] = $0.incentives.first }
        // A-1: 10,000 + 1,000 + 8,000 accrue; 2,000 (Feb 16) and 4,000 (Mar 10) came while the agreement had lapsed.
        #expect(earned["A-1"]?.eligible == ExactDecimal(19_000) && earned["A-1"]?.excluded == ExactDecimal(6_000))
        #expect(earned["A-1"]?.amount == ExactDecimal(text: "570.00"))
        // The gate does not apply to A-2 (it may not sell voice): everything accrues.
        #expect(earned["A-2"]?.eligible == ExactDecimal(25_000) && earned["A-2"]?.excluded == .zero)
        // A few named partners' snapshots (read event by event) give the same.
        #expect(named == [earned["A-1"]!])
        #expect(try ledgerLines(store) == ["A-1 accrual 2025-Q1 19000 19000 0.03 570.00", "A-2 accrual 2025-Q1 25000 25000 0.03 750.00"])
        #expect(try IncentiveLedger.lines(in: store, .init(partnerID: "A-1")).first?.basisExcluded == ExactDecimal(6_000))
    }

    @Test("a rate function decides each partner's rate from p and its tier; accelerators and true-ups apply to what it returns")
    func rateFunction() throws {
        let store = try incentiveStore([("A-1", "2025-01-15", 3_000), ("A-1", "2025-02-15", 4_000), ("A-2", "2025-01-20", 1_000)])
        let folder = try PolicyFolder(incentivePolicy("""
            ps.rebate "Rebate" { every = "quarter", basis = { kind = "revenue" }, accelerators = { { at = 6000, add = 0.01 } },
              rate = function(p, tier)
                if p.revenue_1m < 2000 then return nil end
                return tier == "Premier" and 0.05 or 0.02
              end },
            """))
        let run = ProgramRun(store: store, policySet: try folder.load())
        try run.evaluate(asOf: day("2025-01-31"), dryRun: false)   // A-1: 2% of 3,000; A-2: revenue_1m 1,000, no rate
        try run.evaluate(asOf: day("2025-02-28"), dryRun: false)   // A-1: 2% + 1% on all 7,000
        #expect(try ledgerLines(store) == [
            "A-1 accrual 2025-Q1 3000 3000 0.02 60.00",
            "A-1 true_up 2025-Q1 0 3000 0.03 30.00",
            "A-1 accrual 2025-Q1 4000 7000 0.03 120.00",
        ])
    }

    @Test("a rate function returning something else than a rate, or running past its limits, stops the run naming the partner and the function's line")
    func rateFunctionFailures() throws {
        let store = try incentiveStore([("A-1", "2025-01-15", 3_000)])
        for (body, words) in [("return \"high\"", "must return a rate from 0 to 1"), ("return 2", "must return a rate from 0 to 1"),
                              ("while true do end", "instruction")] {
            let folder = try PolicyFolder(incentivePolicy("""
                ps.commission "C" { every = "month", basis = { kind = "revenue" },
                  rate = function(p, tier) \(body) end },
                """).replacingOccurrences(of: "cadence = \"rolling\",", with: "cadence = \"rolling\", limits = { instructions = 100000 },"))
            let run = ProgramRun(store: store, policySet: try folder.load())
            #expect {
                try run.evaluate(asOf: day("2025-01-31"), dryRun: false)
            } throws: { error in
                let text = "\(error)"
                return text.contains("A-1") && text.contains("Policies/agents/agents.lua:14:") && text.contains(words)
            }
            #expect(try ledgerLines(store).isEmpty)
        }
        // What a function returns plus the rule's accelerators is at most 1 as well.
        let accelerated = try PolicyFolder(incentivePolicy("""
            ps.rebate "R" { every = "quarter", basis = { kind = "revenue" }, accelerators = { { at = 1000, add = 0.2 } },
              rate = function(p, tier) return 0.9 end },
            """))
        #expect {
            try ProgramRun(store: store, policySet: try accelerated.load()).evaluate(asOf: day("2025-01-31"), dryRun: false)
        } throws: { error in
            "\(error)".contains("returned 0.9, which its accelerators (+0.2) would take to 1.1") && "\(error)".contains("return at most 0.8")
        }
        #expect(try ledgerLines(store).isEmpty)
    }

    @Test("the ledger's lines are the same bytes whatever the number of workers and the store")
    func deterministic() throws {
        let files = try TemporaryFolder()
        func lines(jobs: Int, file: Bool) throws -> [String] {
            let store = try ledgerStore(in: file ? files : nil, file: "j\(jobs).sqlite")
            let partners = (0..<600).map { i in
                Partner(id: String(format: "Z-%04d", i), name: "Z\(i)", type: .agent, program: "agents", region: "NA", country: "US",
                        territories: ["US-CA"], products: ["voice"], enrolled: day("2025-01-01"), channelAccountManager: "cam")
            }
            try store.upsertPartners(partners)
            try store.importEvents(partners.enumerated().flatMap { i, p in
                [ActivityEvent(partnerID: p.id, date: day("2025-01-15"), kind: .revenue(amount: Double(i * 17) + 0.33, currency: "USD", product: "voice")),
                 ActivityEvent(partnerID: p.id, date: day("2025-02-10"), kind: .revenue(amount: Double(i * 11) + 0.07, currency: "USD", product: "voice"))]
            })
            let folder = try PolicyFolder(incentivePolicy("""
                ps.commission "Monthly commission" { every = "month", basis = { kind = "revenue" }, rate = "commission" },
                ps.rebate "Volume rebate" { every = "quarter", basis = { kind = "revenue" }, rate = "rebate",
                                            accelerators = { { at = 5000, add = 0.01 } } },
                """))
            var run = ProgramRun(store: store, policySet: try folder.load(), jobs: jobs)
            run.batchSize = 100
            for asOf in ["2025-01-20", "2025-01-31", "2025-02-15", "2025-02-28"] { try run.evaluate(asOf: day(asOf), dryRun: false) }
            return try store.writer.read { db in
                try String.fetchAll(db, sql: """
                    SELECT partnerNumber || ' ' || rule || ' ' || posting || ' ' || period || ' ' || basis || ' ' || basisTotal
                        || ' ' || rate || ' ' || amountCents || ' ' || detail FROM incentive_line ORDER BY id
                    """)
            }
        }
        let one = try lines(jobs: 1, file: false)
        #expect(one.count > 1500)
        #expect(one.contains { $0.contains("true_up") })
        #expect(try lines(jobs: 2, file: false) == one)
        #expect(try lines(jobs: 2, file: true) == one)
        #expect(try lines(jobs: 1, file: true) == one)
    }
}
