import PartnerModel

/// What the host remembers about a partner between evaluations of a policy
/// set: its tier and standing, an open tier review, milestone achievements
/// that only evaluations can see, the last gate statuses and when each open
/// alert was first raised.
public struct PartnerProgramState: Sendable, Hashable, Codable {
    public var tier: String?
    public var tierSince: Day?
    public var review: TierReview?
    /// The last evaluation at which tiers were due (cadence).
    public var lastTierEvaluation: Day?
    /// First time the partner qualified for a tier above the entry tier.
    public var firstQualified: Day?
    /// First upgrade to a higher tier.
    public var firstAdvanced: Day?
    public var gates: [String: GateStatus]
    /// Open alerts and the day each was first raised.
    public var openAlerts: OpenAlerts

    public init(tier: String? = nil, tierSince: Day? = nil, review: TierReview? = nil, lastTierEvaluation: Day? = nil,
                firstQualified: Day? = nil, firstAdvanced: Day? = nil, gates: [String: GateStatus] = [:],
                openAlerts: OpenAlerts = [:]) {
        self.tier = tier
        self.tierSince = tierSince
        self.review = review
        self.lastTierEvaluation = lastTierEvaluation
        self.firstQualified = firstQualified
        self.firstAdvanced = firstAdvanced
        self.gates = gates
        self.openAlerts = openAlerts
    }

    /// The state of a partner never evaluated: its imported tier, if any.
    public static func initial(for partner: Partner) -> PartnerProgramState {
        PartnerProgramState(tier: partner.tier, tierSince: partner.tierSince ?? (partner.tier == nil ? nil : partner.enrolled))
    }
}

/// A partner below its tier's maintenance criteria, with until when it may recover.
public struct TierReview: Sendable, Hashable, Codable {
    public var tier: String
    public var opened: Day
    public var deadline: Day

    public init(tier: String, opened: Day, deadline: Day) {
        self.tier = tier
        self.opened = opened
        self.deadline = deadline
    }
}

public enum GateStatus: String, Sendable, Hashable, Codable {
    /// The credential is valid and not expiring within the warning window.
    case ok
    /// Valid, but expiring within the warning window.
    case warning
    /// Expired or missing: the gate's products and benefits are suspended.
    case lapsed
    /// The gate does not apply to this partner.
    case notApplicable = "not_applicable"
}

/// Identifies one alert of a partner (kind + what it is about).
public struct AlertKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var kind: AlertKind
    public var subject: String

    public init(kind: AlertKind, subject: String) {
        self.kind = kind
        self.subject = subject
    }

    public static func < (a: AlertKey, b: AlertKey) -> Bool {
        a.kind != b.kind ? a.kind < b.kind : a.subject < b.subject
    }

    public var description: String { "\(kind.rawValue):\(subject)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let colon = text.firstIndex(of: ":"), let kind = AlertKind(rawValue: String(text[..<colon])) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad alert key \(text)"))
        }
        self.init(kind: kind, subject: String(text[text.index(after: colon)...]))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

// Dictionaries keyed by AlertKey encode as objects keyed by "kind:subject".
extension AlertKey: CodingKeyRepresentable {
    public var codingKey: any CodingKey { AnyKey(stringValue: description) }
    public init?<T: CodingKey>(codingKey: T) {
        let text = codingKey.stringValue
        guard let colon = text.firstIndex(of: ":"), let kind = AlertKind(rawValue: String(text[..<colon])) else { return nil }
        self.init(kind: kind, subject: String(text[text.index(after: colon)...]))
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
