/// One thing a partner did, dated. Snapshots are computed from these.
public struct ActivityEvent: Hashable, Sendable {
    public var partnerID: String
    public var date: Day
    public var kind: Kind

    public init(partnerID: String, date: Day, kind: Kind) {
        self.partnerID = partnerID
        self.date = date
        self.kind = kind
    }

    public enum Kind: Hashable, Sendable {
        /// Booked revenue (amount ≥ 0) in a currency for a product line.
        case revenue(amount: Double, currency: String, product: String)
        /// A deal registration for a territory and product line.
        case dealRegistered(territory: String, product: String, amount: Double)
        case dealWon(amount: Double)
        case dealLost(amount: Double)
        /// A certification earned (e.g. a named technical certification), valid until `expires`.
        case certificationEarned(name: String, expires: Day?)
        case trainingCompleted(module: String)
        case portalLogin
        /// A credential or contract (HIPAA attestation, PCI, reseller agreement) valid until `expires`.
        case credential(kind: String, expires: Day?)
        /// A named fact about the partner (integration depth, joint customers, CSAT, ...).
        case attribute(name: String, value: AttributeValue)
    }

    /// The kind's name as written in import files.
    public var kindName: String { kind.name }
}

extension ActivityEvent.Kind {
    public static let names = ["revenue", "deal_registered", "deal_won", "deal_lost", "certification",
                               "training", "login", "credential", "attribute"]

    public var name: String {
        switch self {
        case .revenue: "revenue"
        case .dealRegistered: "deal_registered"
        case .dealWon: "deal_won"
        case .dealLost: "deal_lost"
        case .certificationEarned: "certification"
        case .trainingCompleted: "training"
        case .portalLogin: "login"
        case .credential: "credential"
        case .attribute: "attribute"
        }
    }
}

/// A custom attribute's value: a number or a text.
public enum AttributeValue: Hashable, Sendable {
    case number(Double)
    case text(String)

    public var number: Double? { if case .number(let n) = self { n } else { nil } }
}
