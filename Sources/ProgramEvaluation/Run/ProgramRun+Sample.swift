import GRDB
import PartnerModel
import PolicyEngine

extension ProgramRun {
    /// A dry run of a deterministic sample of the set's stored partners:
    /// up to `size` of them, spread evenly over their ids, as of the later
    /// of the set's last recorded run and the sample's latest enrolment
    /// (so every sampled partner is evaluated). What the service runs before
    /// it swaps a new version of a set in: a policy function that fails or
    /// runs past its limits for these partners fails here, with its file
    /// and line, instead of in every live evaluation afterwards.
    ///
    /// Nil when the store holds none of the set's partners.
    public func sampleDryRun(size: Int) throws -> (asOf: Day, partners: Int)? {
        let programs = policySet.programs
        guard size > 0, !programs.isEmpty else { return nil }
        let (ids, asOf) = try store.writer.read { db -> ([String], Day?) in
            let marks = databaseQuestionMarks(count: programs.count)
            let ids = try String.fetchAll(db, sql: """
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS position, COUNT(*) OVER () AS total
                    FROM partner WHERE program IN (\(marks)))
                WHERE position % MAX(1, total / ?) = 0 ORDER BY id LIMIT ?
                """, arguments: StatementArguments(programs) + [size, size])
            guard !ids.isEmpty else { return ([], nil) }
            let enrolled = try Int32.fetchOne(db, sql: "SELECT MAX(enrolled) FROM partner WHERE id IN (\(databaseQuestionMarks(count: ids.count)))",
                                              arguments: StatementArguments(ids))
            let lastRun = try Ledger(db: db, policySet: policySet.name).lastEvaluation()
            let days = [enrolled.map(Day.init(daysSinceEpoch:)), lastRun].compactMap { $0 }
            return (ids, days.max())
        }
        guard let asOf, !ids.isEmpty else { return nil }
        var single = self
        single.jobs = 1
        let summary = try single.evaluate(asOf: asOf, dryRun: true, partnerIDs: ids)
        return (asOf, summary.partners)
    }
}
