/// A channel partner enrolled in a vendor's partner program.
public struct Partner: Hashable, Sendable, Codable {
    public var id: String
    public var name: String
    public var type: PartnerType
    /// The partner program it belongs to (policy sets govern programs by name).
    public var program: String
    public var region: String
    public var country: String
    /// Territories it may sell in (e.g. country or state codes).
    public var territories: [String]
    /// Product lines it is authorized to sell.
    public var products: [String]
    public var enrolled: Day
    /// The channel account manager responsible for it.
    public var channelAccountManager: String
    /// The current tier, kept by the engine (nil before the first evaluation).
    public var tier: String?
    public var tierSince: Day?
    public var status: PartnerStatus

    public init(id: String, name: String, type: PartnerType, program: String, region: String, country: String,
                territories: [String], products: [String], enrolled: Day, channelAccountManager: String,
                tier: String? = nil, tierSince: Day? = nil, status: PartnerStatus = .active) {
        self.id = id
        self.name = name
        self.type = type
        self.program = program
        self.region = region
        self.country = country
        self.territories = territories
        self.products = products
        self.enrolled = enrolled
        self.channelAccountManager = channelAccountManager
        self.tier = tier
        self.tierSince = tierSince
        self.status = status
    }
}

public enum PartnerType: String, CaseIterable, Sendable, Codable {
    case reseller, distributor, msp, isv, si, referral, agent, alliance
}

public enum PartnerStatus: String, CaseIterable, Sendable, Codable {
    /// Enrolled and participating.
    case active
    /// Temporarily barred from the program (e.g. by compliance), still enrolled.
    case suspended
    /// Left or removed from the program.
    case terminated
}

// MARK: - Authorizations

extension Partner {
    /// Whether the partner may sell `product`.
    public func isAuthorized(product: String) -> Bool { Partner.authorizes(products) { $0 == product } }

    /// Whether the partner may sell in `territory`.
    public func isAuthorized(territory: String) -> Bool { Partner.authorizes(territories) { $0 == territory } }

    /// The one rule every authorization check follows (compliance gates,
    /// measure filters, registrations outside territory): an empty list
    /// authorizes everything; otherwise the item must be listed.
    @inlinable
    public static func authorizes<List: Collection>(_ list: List, where listed: (List.Element) -> Bool) -> Bool {
        list.isEmpty || list.contains(where: listed)
    }
}
