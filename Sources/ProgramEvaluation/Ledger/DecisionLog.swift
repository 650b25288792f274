import PartnerModel
import PartnerStore
import PolicyEngine

/// Reading the decision log: what a policy set decided about a partner
/// (`explain`'s questions, each in one read of the ledger's queries).
public enum DecisionLog {
    /// The decision the set (by its ledger name) recorded about the partner
    /// as of `asOf`, if a run was recorded that day.
    public static func decision(in store: PartnerStore, policySet: String, partnerID: String, asOf: Day) throws -> RecordedDecision? {
        try store.database.read { try LedgerQueries.decision($0, policySet: policySet, partnerID: partnerID, asOf: asOf) }
    }

    /// What the ledger remembers of the partner under the set's name now (nil: never evaluated).
    public static func state(in store: PartnerStore, policySet: String, partnerID: String) throws -> PartnerProgramState? {
        try store.database.read { session in
            guard let number = try PartnerQueries.number(session, partnerID: partnerID) else { return nil }
            return try LedgerQueries.state(session, policySet: policySet, partnerNumber: number)
        }
    }

    /// The day of the set's latest recorded run, if any.
    public static func lastRun(in store: PartnerStore, policySet: String) throws -> Day? {
        try store.database.read { try LedgerQueries.lastRun($0, policySet: policySet) }
    }
}
