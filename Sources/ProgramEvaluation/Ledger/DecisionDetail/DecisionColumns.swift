import PartnerModel
import PolicyEngine

/// What a decision's row in the decision log holds beside its detail: the
/// columns that filters and listings read without parsing JSON.
///
/// A compact detail (``DecisionDetail/write(_:texts:to:)``) leaves these
/// out rather than storing them twice, and reads back with them
/// (``DecisionDetail/decode(_:texts:columns:)``).
public struct DecisionColumns: Sendable, Equatable {
    public var asOf: Day
    public var previousTier: String?
    public var tier: String?
    public var previousStanding: Standing
    public var standing: Standing
    public var tierEvent: TierEvent
    public var healthScore: Double
    public var healthBand: String
    public var snapshotHash: SnapshotDigest

    public init(asOf: Day, previousTier: String?, tier: String?, previousStanding: Standing, standing: Standing,
                tierEvent: TierEvent, healthScore: Double, healthBand: String, snapshotHash: SnapshotDigest) {
        self.asOf = asOf
        self.previousTier = previousTier
        self.tier = tier
        self.previousStanding = previousStanding
        self.standing = standing
        self.tierEvent = tierEvent
        self.healthScore = healthScore
        self.healthBand = healthBand
        self.snapshotHash = snapshotHash
    }

    /// The columns as a row stores them (standing, tier event and snapshot
    /// hash as their texts); nil when a text is not one this version knows.
    public init?(asOf: Day, previousTier: String?, tier: String?, previousStanding: String, standing: String,
                 tierEvent: String, healthScore: Double, healthBand: String, snapshotHash: String) {
        guard let previous = Standing(rawValue: previousStanding), let standing = Standing(rawValue: standing),
              let event = TierEvent(rawValue: tierEvent), let digest = SnapshotDigest(hex: snapshotHash) else { return nil }
        self.init(asOf: asOf, previousTier: previousTier, tier: tier, previousStanding: previous, standing: standing,
                  tierEvent: event, healthScore: healthScore, healthBand: healthBand, snapshotHash: digest)
    }

    /// The columns of `evaluation`'s row.
    public init(_ evaluation: PartnerEvaluation) {
        self.init(asOf: evaluation.asOf, previousTier: evaluation.previousTier, tier: evaluation.tier,
                  previousStanding: evaluation.previousStanding, standing: evaluation.standing,
                  tierEvent: evaluation.tierEvent, healthScore: evaluation.health.score,
                  healthBand: evaluation.health.band, snapshotHash: evaluation.snapshotHash)
    }

    /// Where a decoder finds them.
    static let userInfoKey = CodingUserInfoKey(rawValue: "partnerscore.decisionColumns")!
}

extension Decoder {
    /// The columns of the decision's row, which a compact detail leaves out;
    /// an error when the decoder was not given them.
    func decisionColumns() throws -> DecisionColumns {
        guard let columns = userInfo[DecisionColumns.userInfoKey] as? DecisionColumns else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription:
                "this decision leaves out what its row in the decision log holds (asOf, tiers, standings, tier event, "
                    + "health score and band, snapshot hash); read it with its row's columns"))
        }
        return columns
    }
}
