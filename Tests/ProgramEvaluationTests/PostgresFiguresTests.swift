import Foundation
import TestSupport
import PartnerModel
import PartnerStore
import PolicyEngine
import Testing
@testable import ProgramEvaluation

/// Program analytics read the decision detail's JSON in SQL: SQLite's JSON
/// functions on one engine, PostgreSQL's `json` operators on the other. The
/// same ledger must give the same figures and the same attention list.
@Suite("Ledger figures on PostgreSQL", .enabled(if: TestPostgres.enabled, "set PARTNERSCORE_TEST_DATABASE_URL (Scripts/test.sh does)"))
struct PostgresFiguresTests {
    /// The figures as comparable lines, each list in a fixed order (GROUP BY
    /// order is the engine's; the tier entries' order is the policy's and kept).
    static func lines(_ f: LedgerFigures) -> [String] {
        func g(_ group: LedgerFigures.Group) -> String { "\(group.policySet)/\(group.program)" }
        return f.latest.map { "latest \(g($0.group)) \($0.tier) \($0.standing) \($0.healthBand) \($0.partners) \($0.latestAsOf) \($0.lowestScore)" }.sorted()
            + f.tierEntries.map { "entry \(g($0.group)) \($0.tier)" }
            + f.milestones.map { "milestone \(g($0.group)) \($0.milestone) \($0.status) \($0.partners) \($0.totalDays)" }.sorted()
            + f.alerts.map { "alert \(g($0.group)) \($0.step) \($0.key) \($0.alerts)" }.sorted()
            + f.lapsedGates.map { "lapsed \(g($0.group)) \($0.partners)" }.sorted()
            + f.history.map { "history \(g($0.group)) \($0.asOf) \($0.tier) \($0.tierEvent) \($0.decisions)" }.sorted()
    }

    static func attention(_ store: PartnerStore, asOf: Day) throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try store.database.read { try LedgerQueries.attention($0, asOf: asOf, limit: 400) }.map { record in
            "\(record.id) \(record.partnerID) \(record.policySet) \(record.asOf) \(record.standing) \(record.healthScore) "
                + String(decoding: try encoder.encode(record.evaluation), as: UTF8.self)
        }
    }

    @Test("every bundled set at three month-ends: the same figures (tiers, milestones, alerts, lapsed gates, history) and attention list on both engines")
    func sameFiguresAsSQLite() throws {
        let (sets, sqlite, postgres, database) = try RunPostgres.generatedProgram(partners: 200, seed: 11)
        defer { withExtendedLifetime(database) {} }
        var seen = (milestones: 0, alerts: 0, lapsed: 0, attention: 0, reviews: 0)
        for asOf in ["2026-08-31", "2026-09-30", "2026-10-31"] {
            for set in sets {
                for store in [sqlite, postgres] {
                    var run = ProgramRun(store: store, policySet: set, jobs: 2)
                    run.startsSeparateHistory = true
                    _ = try run.evaluate(asOf: day(asOf), dryRun: false)
                }
            }
            let onSQLite = try sqlite.database.read { try LedgerFigures.load($0, asOf: day(asOf)) }
            let onPostgres = try postgres.database.read { try LedgerFigures.load($0, asOf: day(asOf)) }
            #expect(Self.lines(onPostgres) == Self.lines(onSQLite), "figures as of \(asOf)")
            let attention = try Self.attention(sqlite, asOf: day(asOf))
            #expect(try Self.attention(postgres, asOf: day(asOf)) == attention, "attention list as of \(asOf)")
            seen.milestones += onSQLite.milestones.count
            seen.alerts += onSQLite.alerts.count
            seen.lapsed += onSQLite.lapsedGates.count
            seen.attention += attention.count
            seen.reviews += attention.filter { $0.contains(" review ") }.count
            #expect(!onSQLite.tierEntries.isEmpty && !onSQLite.history.isEmpty)
        }
        // The data exercises every JSON path the queries read.
        #expect(seen.milestones > 0 && seen.alerts > 0 && seen.lapsed > 0 && seen.attention > 0 && seen.reviews > 0, "\(seen)")
    }
}
