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
        return try store.writer.read { db -> (Day, [String])? in
            let ids = try String.fetchAll(db, sql: """
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS position, COUNT(*) OVER () AS total
                    FROM partner WHERE program IN (\(databaseQuestionMarks(count: programs.count))))
                WHERE position % MAX(1, total / ?) = 0 ORDER BY id LIMIT ?
                """, arguments: StatementArguments(programs) + [size, size])
            guard !ids.isEmpty else { return nil }
            let enrolled = try Int32.fetchOne(db, sql: "SELECT MAX(enrolled) FROM partner WHERE id IN (\(databaseQuestionMarks(count: ids.count)))",
                                              arguments: StatementArguments(ids))
            let lastRun = try Ledger(session: GRDBSession(db), policySet: policySet.name).lastEvaluation()
            guard let asOf = [enrolled.map(Day.init(daysSinceEpoch:)), lastRun].compactMap({ $0 }).max() else { return nil }
            return (asOf, ids)
        }
    }
}
