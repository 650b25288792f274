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
        try store.database.read { session in
            guard let sample = try PartnerQueries.sample(session, programs: policySet.programs, size: size) else { return nil }
            let lastRun = try LedgerQueries.lastRun(session, policySet: policySet.name)
            return (max(sample.lastEnrolled, lastRun ?? sample.lastEnrolled), sample.ids)
        }
    }
}
