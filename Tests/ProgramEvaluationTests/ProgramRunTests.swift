import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine
import TestSupport
import Testing
@testable import ProgramEvaluation

/// The same program measured by declared measures: money, a ratio and a login count
/// in criteria and health components.
let measurePolicy = """
    local ps = require "partnerscore"
    return ps.policy {
      name = "Agents", version = "1.0", effective = "2025-01-01", programs = { "agents" },
      cadence = "monthly", remediation = "30 days",
      measures = {
        ps.measure "revenue_voice_3m" { kind = "revenue", products = { "voice" }, window = "3 months", aggregate = "sum" },
        ps.ratio "voice_share_3m" { "revenue_voice_3m", "revenue_3m" },
        ps.measure "logins_ever" { kind = "login", window = "all_time", aggregate = "count" },
      },
      tiers = {
        ps.tier "Authorized" { benefits = { commission = 0.08 } },
        ps.tier "Premier" { entry = { ps.at_least("revenue_voice_3m", 15000), ps.at_least("voice_share_3m", 0.5) },
                            maintain = { ps.at_least("revenue_voice_3m", 9000) }, benefits = { commission = 0.12, mdf = 1000 } },
      },
      health = { components = {
        ps.component "voice" { weight = 1, metric = "voice_share_3m", target = 1 },
        ps.component "logins" { weight = 1, metric = "logins_ever", target = 1 },
      } },
      interventions = ps.default_interventions,
    }
    """

/// The agents program in an in-memory store with the ledger.
func makeStore() throws -> PartnerStore {
    let store = try ledgerStore()
    try fill(store)
    return store
}

/// The agents program (TestSupport) in `store`, on either engine.
func fill(_ store: PartnerStore) throws {
    try store.upsertPartners(agentsProgramPartners)
    try store.importEvents(agentsProgramEvents)
}

@Suite("An evaluation run records decisions, tier history and alerts in one transaction")
struct ProgramRunTests {
    @Test("consecutive monthly runs: upgrade, review, demotion, gate lapse; all recorded")
    func lifecycle() throws {
        let store = try makeStore()
        let folder = try PolicyFolder(agentsPolicy)
        let run = ProgramRun(store: store, policySet: try folder.load())
        var events: [String: [String]] = [:]
        for asOf in ["2025-01-31", "2025-02-28", "2025-05-31", "2025-06-30", "2025-07-31"] {
            let summary = try run.evaluate(asOf: day(asOf), dryRun: false) { e in
                events[e.partnerID, default: []].append(e.tierEvent.rawValue)
            }
            #expect(summary.partners == 3)
            #expect(summary.runID != nil)
        }
        #expect(events["A-1"] == ["assigned", "unchanged", "review_opened", "demoted", "unchanged"])
        #expect(events["A-2"] == ["assigned", "unchanged", "unchanged", "unchanged", "unchanged"])
        try store.writer.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evaluation_run") == 5)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decision") == 15)
            let history = try Row.fetchAll(db, sql: """
                SELECT fromTier, toTier, event FROM tier_history h JOIN partner p ON p.number = h.partnerNumber
                WHERE p.id = 'A-1' ORDER BY h.id
                """).map { "\($0[0] as String? ?? "-")>\($0[1] as String? ?? "-"):\($0[2] as String)" }
            #expect(history == ["->Premier:assigned", "Premier>Authorized:demoted"])
            #expect(try String.fetchOne(db, sql: "SELECT tier FROM partner WHERE id = 'A-1'") == "Authorized")
            let lapsed = try Row.fetchOne(db, sql: "SELECT firstRaised, resolved FROM alert WHERE kind = 'gate_lapsed' AND subject = 'Agreement' AND partnerNumber = (SELECT number FROM partner WHERE id = 'A-1')")
            #expect(lapsed?[0] == day("2025-06-30").daysSinceEpoch)
            let detail = try String.fetchOne(db, sql: "SELECT detail FROM decision ORDER BY id DESC LIMIT 1") ?? ""
            #expect(detail.contains("\"criteria\""))
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decision WHERE contentHash = ?", arguments: [run.policySet.contentHash]) == 15)
        }
    }

    @Test("each decision's detail refers to its run's policy texts and reads back as the evaluation the run made",
          arguments: [(agentsPolicy, "revenue_1m ≥ 5,000"), (measurePolicy, "revenue_voice_3m ≥ 15,000")])
    func compactDetail(policy: String, label: String) throws {
        let store = try makeStore()
        let folder = try PolicyFolder(policy)
        let run = ProgramRun(store: store, policySet: try folder.load())
        var made: [String: PartnerEvaluation] = [:]
        for asOf in ["2025-01-31", "2025-06-30"] {
            try run.evaluate(asOf: day(asOf), dryRun: false) { made["\($0.partnerID) \(asOf)"] = $0 }
        }
        #expect(made.count == 6)
        try store.writer.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decision_text") == 2, "one per run and policy")
            let rows = try Row.fetchAll(db, sql: """
                SELECT p.id, d.asOf, d.detail, t.texts, d.previousTier, d.tier, d.previousStanding, d.standing, d.tierEvent,
                       d.healthScore, d.healthBand, d.snapshotHash
                FROM decision d JOIN partner p ON p.number = d.partnerNumber
                JOIN decision_text t ON t.runId = d.runId AND t.contentHash = d.contentHash
                """)
            #expect(rows.count == 6)
            for row in rows {
                let key = "\(row[0] as String) \(Day(daysSinceEpoch: row[1]))"
                let detail: String = row[2]
                let texts = try DecisionTexts(json: row[3])
                let asOf = Day(daysSinceEpoch: row[1])
                let previousTier: String? = row[4], tier: String? = row[5]
                let previousStanding: String = row[6], standing: String = row[7], tierEvent: String = row[8]
                let healthScore: Double = row[9], healthBand: String = row[10], snapshotHash: String = row[11]
                let columns = try #require(DecisionColumns(
                    asOf: asOf, previousTier: previousTier, tier: tier, previousStanding: previousStanding, standing: standing,
                    tierEvent: tierEvent, healthScore: healthScore, healthBand: healthBand, snapshotHash: snapshotHash))
                let expected = try #require(made[key])
                #expect(try DecisionDetail.decode(Data(detail.utf8), texts: texts, columns: columns) == expected, "\(key)")
                #expect(detail.utf8.count < expected.json().utf8.count, "\(key)")
                #expect(!detail.contains(label) && !detail.contains(folder.set.path), "\(key)")
                // The row holds these; the detail does not repeat them.
                #expect(!detail.contains("snapshot_hash") && !detail.contains(expected.snapshotHash.hex) && !detail.contains("as_of"), "\(key)")
            }
        }
    }

    @Test("--dry-run writes nothing")
    func dryRun() throws {
        let store = try makeStore()
        let folder = try PolicyFolder(agentsPolicy)
        let run = ProgramRun(store: store, policySet: try folder.load())
        let summary = try run.evaluate(asOf: day("2025-02-28"), dryRun: true)
        #expect(summary.partners == 3)
        #expect(summary.runID == nil)
        try store.writer.read { (db: Database) throws in
            for table in ["evaluation_run", "decision", "decision_text", "partner_state", "tier_history", "alert"] {
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") == 0, "\(table)")
            }
        }
    }

    @Test("a policy that raises a runtime error writes nothing and names file, line and partner")
    func failingPolicy() throws {
        let store = try makeStore()
        let broken = agentsPolicy.replacingOccurrences(of: "ps.tier \"Authorized\" { benefits = { commission = 0.08 } },",
                                                 with: "ps.tier \"Authorized\" { entry = { ps.check('boom', function(p) if p.id == 'A-2' then error('no data for ' .. p.id) end return true end) } },")
        let folder = try PolicyFolder(broken)
        let run = ProgramRun(store: store, policySet: try folder.load())
        #expect {
            try run.evaluate(asOf: day("2025-02-28"), dryRun: false)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("Policies/agents/agents.lua:6") && text.contains("no data for A-2") && text.contains("partner A-2")
        }
        try store.writer.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decision") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evaluation_run") == 0)
        }
    }

    @Test("evaluations move forward in time; looking back needs --dry-run")
    func forwardOnly() throws {
        let store = try makeStore()
        let folder = try PolicyFolder(agentsPolicy)
        let run = ProgramRun(store: store, policySet: try folder.load())
        try run.evaluate(asOf: day("2025-03-31"), dryRun: false)
        #expect(throws: ProgramRun.Failure.self) { try run.evaluate(asOf: day("2025-03-31"), dryRun: false) }
        #expect(throws: ProgramRun.Failure.self) { try run.evaluate(asOf: day("2025-02-28"), dryRun: false) }
        #expect(try run.evaluate(asOf: day("2025-02-28"), dryRun: true).partners == 3)
    }

    @Test("the same data, policy and date give byte-identical decisions")
    func determinism() throws {
        func decisions() throws -> [String] {
            let store = try makeStore()
            let folder = try PolicyFolder(agentsPolicy)
        let run = ProgramRun(store: store, policySet: try folder.load())
            for asOf in ["2025-01-31", "2025-05-31", "2025-06-30"] { try run.evaluate(asOf: day(asOf), dryRun: false) }
            return try store.writer.read { (db: Database) throws in
                try String.fetchAll(db, sql: "SELECT detail FROM decision ORDER BY asOf, partnerNumber")
            }
        }
        let first = try decisions(), second = try decisions()
        #expect(first.count == 9)
        #expect(first == second)
    }

    @Test("only the partners asked for, and unknown ones are an error")
    func partnerFilter() throws {
        let store = try makeStore()
        let folder = try PolicyFolder(agentsPolicy)
        let run = ProgramRun(store: store, policySet: try folder.load())
        var seen: [String] = []
        try run.evaluate(asOf: day("2025-02-28"), dryRun: true, partnerIDs: ["A-2"]) { seen.append($0.partnerID) }
        #expect(seen == ["A-2"])
        #expect(throws: ProgramRun.Failure.self) { try run.evaluate(asOf: day("2025-02-28"), dryRun: true, partnerIDs: ["NOPE"]) }
    }
}

@Suite("Parallel evaluation")
struct ParallelRunTests {
    @Test("--jobs 1 and --jobs 2, one connection or a reader stage, write identical decisions, over many batches")
    func jobs() throws {
        let files = try TemporaryFolder()
        func decisions(jobs: Int, file: Bool = false) throws -> [String] {
            // A file store is a DatabasePool: snapshots come from a reader connection on their own thread.
            let store = try ledgerStore(in: file ? files : nil, file: "jobs\(jobs).sqlite")
            let partners = (0..<700).map { i in
                Partner(id: String(format: "Z-%04d", i), name: "Z\(i)", type: .agent, program: "agents", region: "NA", country: "US",
                        territories: ["US-CA"], products: ["voice"], enrolled: day("2025-01-01"), channelAccountManager: "cam")
            }
            try store.upsertPartners(partners)
            try store.importEvents(partners.enumerated().map { i, p in
                ActivityEvent(partnerID: p.id, date: day("2025-01-15"), kind: .revenue(amount: Double(i * 20), currency: "USD", product: "voice"))
            })
            let folder = try PolicyFolder(agentsPolicy)
            var run = ProgramRun(store: store, policySet: try folder.load(), jobs: jobs)
            run.batchSize = 100
            try run.evaluate(asOf: day("2025-01-31"), dryRun: false)
            try run.evaluate(asOf: day("2025-02-28"), dryRun: false)
            return try store.writer.read { (db: Database) throws in
                // Alerts raised in the first run are found again (a batch at a
                // time) and updated in the second, never raised twice.
                let duplicates = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM (SELECT 1 FROM alert WHERE resolved IS NULL
                    GROUP BY partnerNumber, kind, subject HAVING COUNT(*) > 1)
                    """)
                #expect(duplicates == 0)
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert WHERE lastSeen > firstRaised")! > 0)
                return try String.fetchAll(db, sql: "SELECT detail FROM decision ORDER BY id")
                    + String.fetchAll(db, sql: "SELECT state FROM partner_state ORDER BY partnerNumber")
                    + String.fetchAll(db, sql: """
                        SELECT partnerNumber || ' ' || kind || ' ' || subject || ' ' || firstRaised || ' ' || lastSeen || ' ' || step
                        FROM alert ORDER BY partnerNumber, kind, subject
                        """)
            }
        }
        let one = try decisions(jobs: 1), two = try decisions(jobs: 2)
        #expect(one.count > 700 * 2 + 700)
        #expect(one == two)
        #expect(try decisions(jobs: 2, file: true) == one)
        #expect(try decisions(jobs: 1, file: true) == one)
    }

    @Test("with a reader stage, a partner failing in a later batch stops the run, names it, and writes nothing")
    func pipelineFailure() throws {
        let files = try TemporaryFolder()
        let store = try ledgerStore(in: files)
        let partners = (0..<500).map { i in
            Partner(id: String(format: "Z-%04d", i), name: "Z\(i)", type: .agent, program: "agents", region: "NA", country: "US",
                    territories: ["US-CA"], products: ["voice"], enrolled: day("2025-01-01"), channelAccountManager: "cam")
        }
        try store.upsertPartners(partners)
        let broken = agentsPolicy.replacingOccurrences(
            of: "ps.tier \"Authorized\" { benefits = { commission = 0.08 } },",
            with: "ps.tier \"Authorized\" { entry = { ps.check('boom', function(p) if p.id >= 'Z-0321' then error('bad ' .. p.id) end return true end) } },")
        let folder = try PolicyFolder(broken)
        var run = ProgramRun(store: store, policySet: try folder.load(), jobs: 2)
        run.batchSize = 64
        var seen = 0
        #expect { try run.evaluate(asOf: day("2025-02-28"), dryRun: false) { _ in seen += 1 } } throws: {
            String(describing: $0).contains("partner Z-0321")
        }
        // The batches before the failing one were delivered; the failing batch is not.
        #expect(seen == 320)
        let written = try store.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM decision) + (SELECT COUNT(*) FROM evaluation_run)")
        }
        #expect(written == 0)
    }

    @Test("a failing partner is reported the same way with parallel workers")
    func failureOrder() throws {
        let store = try makeStore()
        let broken = agentsPolicy.replacingOccurrences(of: "ps.tier \"Authorized\" { benefits = { commission = 0.08 } },",
                                                 with: "ps.tier \"Authorized\" { entry = { ps.check('boom', function(p) if p.id ~= 'A-1' then error('bad ' .. p.id) end return true end) } },")
        let folder = try PolicyFolder(broken)
        let run = ProgramRun(store: store, policySet: try folder.load(), jobs: 2)
        #expect { try run.evaluate(asOf: day("2025-02-28"), dryRun: false) } throws: { String(describing: $0).contains("partner A-2") }
    }
}

@Suite("Evaluation output")
struct EvaluationOutputTests {
    @Test("a CSV row quotes what needs quoting, field by field, as TextFormat does")
    func csvQuoting() throws {
        let store = try makeStore()
        let folder = try PolicyFolder(agentsPolicy)
        var evaluations: [PartnerEvaluation] = []
        try ProgramRun(store: store, policySet: try folder.load()).evaluate(asOf: day("2025-06-30"), dryRun: true) { evaluations.append($0) }
        var e = try #require(evaluations.first { $0.intervention != nil })
        e.tier = "Gold, \"plus\""
        e.intervention?.action = "Call,\nthen \"visit\""
        e.program = "agents\r"
        var bytes: [UInt8] = []
        var output = EvaluationOutput(format: .csv) { bytes.append(contentsOf: $0) }
        try output.begin()
        try output.partner(e, set: "set,1")
        let row = String(decoding: bytes, as: UTF8.self).split(separator: "\n", maxSplits: 1).last.map(String.init)
        let lapsed = e.gates.filter { $0.status == .lapsed }.map(\.gate).joined(separator: ";")
        let warning = e.gates.filter { $0.status == .warning }.map(\.gate).joined(separator: ";")
        let fields = ["set,1", e.partnerID, e.program, e.asOf.description, e.previousTier ?? "", e.tier!, e.tierEvent.rawValue,
                      e.standing.rawValue, e.review?.deadline.description ?? "", e.qualifiesFor ?? "", Format.number(e.health.score),
                      e.health.band, lapsed, warning, e.suspendedProducts.joined(separator: ";"), String(e.alerts.count),
                      String(e.intervention!.step), e.intervention!.action, e.policy.name, e.policy.version, e.policy.contentHash,
                      e.snapshotHash.hex]
        #expect(fields.count == EvaluationOutput.csvColumns.count)
        #expect(row == fields.map(TextFormat.csvField).joined(separator: ",") + "\n")
        #expect(row?.hasPrefix("\"set,1\",") == true && row?.contains("\"Gold, \"\"plus\"\"\"") == true)
    }
}

/// How a set is identified in the ledger: by its name (the folder's, unless
/// loaded under another). A first recorded run under a new name for programs
/// that already have a history elsewhere must be asked for.
@Suite("A copy of a set records under a name chosen on purpose")
struct SetIdentityTests {
    @Test("a first recorded run under another name is refused, naming the history it would not continue")
    func separateHistory() throws {
        let folder = try PolicyFolder(agentsPolicy)
        let store = try makeStore()
        try ProgramRun(store: store, policySet: try folder.load()).evaluate(asOf: day("2025-01-31"), dryRun: false)
        let copyFolder = folder.root.appendingPathComponent("tmp/agents-2027")
        try FileManager.default.createDirectory(at: copyFolder.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: folder.set, to: copyFolder)
        let copy = try PolicySet(directory: copyFolder, displayPath: "tmp/agents-2027")
        #expect(copy.name == "agents-2027")
        do {
            try ProgramRun(store: store, policySet: copy).evaluate(asOf: day("2025-02-28"), dryRun: false)
            Issue.record("a second history was started silently")
        } catch let failure as ProgramRun.Failure {
            #expect(failure.description.contains("history under policy set 'agents' (last evaluated 2025-01-31)"))
            #expect(failure.description.contains("--set-name agents"))
        }
        // A dry run writes nothing, so it may look.
        try ProgramRun(store: store, policySet: copy).evaluate(asOf: day("2025-02-28"), dryRun: true)
        // Under the set's own name the copy continues its history: A-3's alert has been open since January.
        var continued: PartnerEvaluation?
        try ProgramRun(store: store, policySet: try PolicySet(directory: copyFolder, name: "agents"))
            .evaluate(asOf: day("2025-02-28"), dryRun: false) { if $0.partnerID == "A-3" { continued = $0 } }
        #expect(continued?.alerts.first { $0.key.kind == .healthRed }?.firstRaised == day("2025-01-31"))
        // Asked for on purpose, a separate history starts: the same alert is new in it.
        var separate = ProgramRun(store: store, policySet: copy)
        separate.startsSeparateHistory = true
        var fresh: PartnerEvaluation?
        try separate.evaluate(asOf: day("2025-03-31"), dryRun: false) { if $0.partnerID == "A-3" { fresh = $0 } }
        #expect(fresh?.alerts.first { $0.key.kind == .healthRed }?.firstRaised == day("2025-03-31"))
    }

    @Test("the ledger reads back the decision a run recorded, and the state it left")
    func decisionLog() throws {
        let folder = try PolicyFolder(agentsPolicy)
        let store = try makeStore()
        var written: PartnerEvaluation?
        try ProgramRun(store: store, policySet: try folder.load()).evaluate(asOf: day("2025-01-31"), dryRun: false) {
            if $0.partnerID == "A-1" { written = $0 }
        }
        let recorded = try #require(try DecisionLog.decision(in: store, policySet: "agents", partnerID: "A-1", asOf: day("2025-01-31")))
        #expect(recorded.evaluation == written)
        #expect(recorded.runID == 1)
        #expect(try DecisionLog.decision(in: store, policySet: "agents", partnerID: "A-1", asOf: day("2025-01-30")) == nil)
        #expect(try DecisionLog.lastRun(in: store, policySet: "agents") == day("2025-01-31"))
        #expect(try DecisionLog.state(in: store, policySet: "agents", partnerID: "A-1")?.lastTierEvaluation == day("2025-01-31"))
    }
}
