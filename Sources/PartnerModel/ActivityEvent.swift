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
        /// A deal closed, optionally for a product line and territory (so measures can filter by them).
        case dealWon(amount: Double, product: String? = nil, territory: String? = nil)
        case dealLost(amount: Double, product: String? = nil, territory: String? = nil)
        /// A certification earned (e.g. a named technical certification), valid until `expires`.
        case certificationEarned(name: String, expires: Day?)
        case trainingCompleted(module: String)
        case portalLogin
        /// A credential or contract (HIPAA attestation, PCI, reseller agreement) valid until `expires`.
        case credential(kind: String, expires: Day?)
        /// A named fact about the partner (integration depth, joint customers, CSAT, ...).
        case attribute(name: String, value: AttributeValue)
        /// A kind the host does not know (`lines_activated`, `csat_survey`),
        /// accepted once a measure of the policies in use names it.
        case custom(kind: String, CustomFields)
    }

    /// What an event of a custom kind may carry; all optional.
    public struct CustomFields: Hashable, Sendable {
        public var amount: Double?
        public var currency: String?
        public var product: String?
        public var territory: String?
        public var name: String?
        public var value: AttributeValue?

        public init(amount: Double? = nil, currency: String? = nil, product: String? = nil, territory: String? = nil,
                    name: String? = nil, value: AttributeValue? = nil) {
            self.amount = amount
            self.currency = currency
            self.product = product
            self.territory = territory
            self.name = name
            self.value = value
        }
    }

    /// The kind's name as written in import files.
    public var kindName: String { kind.name }
}

extension ActivityEvent.Kind {
    /// The built-in kinds' names.
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
        case .custom(let kind, _): kind
        }
    }
}

/// A custom attribute's value: a number or a text.
public enum AttributeValue: Hashable, Sendable {
    case number(Double)
    case text(String)

    public var number: Double? { if case .number(let n) = self { n } else { nil } }
}
