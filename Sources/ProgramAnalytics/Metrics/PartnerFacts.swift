import PartnerModel
import PartnerStore

/// What the metrics need of one partner as of a day: a few figures of its
/// snapshot (the store's one definition of each metric — the deal outside
/// territory rule among them), computed for all partners at once from the
/// rollups as an evaluation run computes them.
struct PartnerFacts {
    var program: String
    var enrolled: Int32
    var status: PartnerStatus
    var firstLogin: Int32?
    var firstTraining: Int32?
    var firstDealRegistration: Int32?
    var firstDealWon: Int32?
    var firstRevenue: Int32?
    var lastActivity: Int32?
    var revenue12m: Double
    var revenuePrior12m: Double
    var dealsRegistered12m: Int
    var dealsOutside12m: Int
    var certificationsActive: Int
    var certificationsExpiring90d: Int

    init(_ snapshot: PartnerSnapshot) {
        let m = snapshot.milestones
        program = snapshot.partner.program
        enrolled = snapshot.partner.enrolled.daysSinceEpoch
        status = snapshot.partner.status
        firstLogin = m.firstLogin?.daysSinceEpoch
        firstTraining = m.firstTraining?.daysSinceEpoch
        firstDealRegistration = m.firstDealRegistration?.daysSinceEpoch
        firstDealWon = m.firstDealWon?.daysSinceEpoch
        firstRevenue = m.firstRevenue?.daysSinceEpoch
        lastActivity = snapshot[.daysSinceLastActivity].map { snapshot.asOf.daysSinceEpoch - Int32($0) }
        revenue12m = snapshot[.revenue12m] ?? 0
        revenuePrior12m = snapshot[.revenuePrior12m] ?? 0
        dealsRegistered12m = Int(snapshot[.dealsRegistered12m] ?? 0)
        dealsOutside12m = Int(snapshot[.dealsOutsideTerritory12m] ?? 0)
        certificationsActive = Int(snapshot[.certificationsActive] ?? 0)
        certificationsExpiring90d = Int(snapshot[.certificationsExpiring90d] ?? 0)
    }

    /// Every partner enrolled on or before `asOf`, in partner id order.
    static func load(_ session: any SQLSession, store: PartnerStore, asOf: Day) throws -> [PartnerFacts] {
        var facts: [PartnerFacts] = []
        try SnapshotCalculator(store: store).forEachSnapshot(in: session, asOf: asOf) { facts.append(PartnerFacts($0)) }
        return facts
    }
}
