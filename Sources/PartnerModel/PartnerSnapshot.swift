/// What a policy sees of one partner as of a day: the partner's profile, its
/// metrics, certifications, credentials, milestone dates and attributes, all
/// computed only from events dated on or before `asOf`.
public struct PartnerSnapshot: Sendable, Hashable {
    public var partner: Partner
    public var asOf: Day
    /// Indexed by `Metric.rawValue`; NaN where the metric has no value.
    public var values: [Double]
    /// The latest record of each certification name.
    public var certifications: [Credential]
    /// The latest record of each credential or contract kind.
    public var credentials: [Credential]
    public var milestones: MilestoneDates
    /// The latest value of each custom attribute.
    public var attributes: [String: AttributeValue]
    /// The policy set's declared measures, indexed as its ``MeasurePlan``
    /// (empty when computed without one).
    public var measures: MeasureValues

    public init(partner: Partner, asOf: Day, values: [Double] = Array(repeating: .nan, count: Metric.allCases.count),
                certifications: [Credential] = [], credentials: [Credential] = [],
                milestones: MilestoneDates = MilestoneDates(), attributes: [String: AttributeValue] = [:],
                measures: MeasureValues = MeasureValues()) {
        precondition(values.count == Metric.allCases.count, "one value per metric")
        self.partner = partner
        self.asOf = asOf
        self.values = values
        self.certifications = certifications
        self.credentials = credentials
        self.milestones = milestones
        self.attributes = attributes
        self.measures = measures
    }

    /// Inlinable: an evaluation reads a few metrics per criterion and health component.
    @inlinable
    public subscript(metric: Metric) -> Double? {
        get {
            let value = values[metric.rawValue]
            return value.isNaN ? nil : value
        }
        set { values[metric.rawValue] = newValue ?? .nan }
    }

    /// The value of measure `index` of the set's plan; nil when it has none
    /// (or the snapshot was computed without measures).
    @inlinable
    public func measure(_ index: Int) -> Double? {
        guard index < measures.values.count else { return nil }
        let value = measures.values[index]
        return value.isNaN ? nil : value
    }

    /// The certification named `name`, if the partner ever earned it.
    public func certification(_ name: String) -> Credential? { certifications.first { $0.name == name } }

    /// The credential or contract of kind `kind`, if ever recorded.
    public func credential(_ kind: String) -> Credential? { credentials.first { $0.name == kind } }

    public static func == (a: PartnerSnapshot, b: PartnerSnapshot) -> Bool {
        a.partner == b.partner && a.asOf == b.asOf && a.certifications == b.certifications
            && a.credentials == b.credentials && a.milestones == b.milestones && a.attributes == b.attributes
            && a.measures == b.measures
            && a.values.elementsEqual(b.values) { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(partner.id)
        hasher.combine(asOf)
    }
}

/// A certification or credential: when it was last granted and until when.
public struct Credential: Hashable, Sendable, Codable {
    public var name: String
    public var granted: Day
    /// nil when it does not expire.
    public var expires: Day?

    public init(name: String, granted: Day, expires: Day?) {
        self.name = name
        self.granted = granted
        self.expires = expires
    }

    /// Valid on `day`: granted on or before it and not expired (an expiry
    /// date is the last valid day).
    public func isValid(on day: Day) -> Bool {
        granted <= day && (expires.map { day <= $0 } ?? true)
    }

    /// Days from `day` until expiry (0 on the expiry day, negative after), nil if it never expires.
    public func daysUntilExpiry(from day: Day) -> Int? { expires.map { day.days(until: $0) } }
}

/// The first time a partner did each onboarding step (nil: not yet).
public struct MilestoneDates: Hashable, Sendable, Codable {
    public var firstLogin: Day?
    public var firstTraining: Day?
    public var firstDealRegistration: Day?
    public var firstDealWon: Day?
    public var firstRevenue: Day?

    public init(firstLogin: Day? = nil, firstTraining: Day? = nil, firstDealRegistration: Day? = nil,
                firstDealWon: Day? = nil, firstRevenue: Day? = nil) {
        self.firstLogin = firstLogin
        self.firstTraining = firstTraining
        self.firstDealRegistration = firstDealRegistration
        self.firstDealWon = firstDealWon
        self.firstRevenue = firstRevenue
    }
}
