import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

extension ProgramRun {
    /// A deterministic sample of the stored partners `policySet` governs:
    /// up to `size` of them, spread evenly over their ids, and the day to
    /// evaluate them as of — the later of the set's last recorded run and
    /// the sample's latest enrolment, so every one of them is evaluated.
    /// What the service evaluates before it lets a new version of a set
    /// serve. Nil when the store holds none of the set's partners.
    public static func sample(of policySet: PolicySet, in store: PartnerStore, size: Int) throws -> (asOf: Day, partnerIDs: [String])? {
        let programs = policySet.programs
        guard size > 0, !programs.isEmpty else { return nil }
        return try store.database.read { session -> (Day, [String])? in
            let ids = try session.rows("""
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS position, COUNT(*) OVER () AS total
                    FROM partner WHERE program IN (\(databaseQuestionMarks(count: programs.count)))) ranked
                WHERE position % (CASE WHEN total / ? > 1 THEN total / ? ELSE 1 END) = 0 ORDER BY id LIMIT ?
                """, programs.map(SQLValue.text) + [.integer(Int64(size)), .integer(Int64(size)), .integer(Int64(size))])
                .compactMap { $0.string(0) }
            guard !ids.isEmpty else { return nil }
            let enrolled = try session.row("SELECT MAX(enrolled) FROM partner WHERE id IN (\(databaseQuestionMarks(count: ids.count)))",
                                           ids.map(SQLValue.text))?.int(0)
            let lastRun = try Ledger(session: session, policySet: policySet.name).lastEvaluation()
            guard let asOf = [enrolled.map { Day(daysSinceEpoch: Int32($0)) }, lastRun].compactMap({ $0 }).max() else { return nil }
            return (asOf, ids)
        }
    }
}
