import PartnerModel

/// A partner program as the generator simulates it. Names (programs, tiers,
/// products, certifications, credentials) are exactly those the policy sets
/// in `Policies/<industry>` govern.
public struct ProgramProfile: Sendable {
    public var name: String
    public var types: [PartnerType]
    /// Lowest first; the initial tiers form a pyramid.
    public var tiers: [String]
    public var products: [String]
    /// Territories partners are authorized for, and how many each gets.
    public var territories: [String]
    public var territoriesPerPartner: ClosedRange<Int>
    /// Territories are handed out round-robin (exclusive distribution), not at random.
    public var exclusiveTerritories: Bool
    /// Certifications partners earn, each with its validity in months.
    public var certifications: [(name: String, validMonths: Int)]
    /// The credential partners need (to sell `regulatedProducts`, or all products when empty), valid 1 year.
    public var credential: String?
    public var regulatedProducts: [String]
    /// Custom attributes the program tracks.
    public var attributes: [String]
    public var currency: String
    /// The country of partners without a country territory (e.g. US states).
    public var country: String
    /// Monthly bookings of a transacting partner of median quality: deal
    /// sizes differ by industry, and each bundled set's thresholds and health
    /// targets are set for its industry's.
    public var monthlyRevenue: Double
}

/// The sales region of a country, as channel programs split the world.
public enum SalesRegion {
    public static func of(country: String) -> String {
        switch country {
        case "US", "CA": "NA"
        case "MX", "BR": "LATAM"
        case "JP", "AU", "SG": "APAC"
        default: "EMEA"
        }
    }
}

/// An industry: its programs. `--industry NAME` picks one; otherwise the generator mixes all.
public struct Industry: Sendable {
    public var name: String
    public var programs: [ProgramProfile]

    public static func named(_ name: String) -> Industry? { all.first { $0.name == name } }

    public static let all: [Industry] = [
        Industry(name: "telecom", programs: [
            ProgramProfile(name: "telecom-agents", types: [.agent], tiers: ["Authorized", "Premier"],
                           products: ["voice", "broadband", "mobile", "sd-wan"],
                           territories: ["US-CA", "US-TX", "US-NY", "US-FL", "US-IL", "US-WA", "US-GA", "US-OH", "US-PA", "US-AZ"],
                           territoriesPerPartner: 1...4, exclusiveTerritories: false,
                           certifications: [("Telecom Solutions Advisor", 24)], credential: nil, regulatedProducts: [],
                           attributes: [], currency: "USD", country: "US", monthlyRevenue: 4_000),
        ]),
        Industry(name: "healthcare", programs: [
            ProgramProfile(name: "healthcare-solutions", types: [.reseller, .si, .msp], tiers: ["Registered", "Silver", "Gold"],
                           products: ["ehr-cloud", "patient-portal", "scheduling"],
                           territories: ["US", "CA"], territoriesPerPartner: 1...2, exclusiveTerritories: false,
                           certifications: [("Clinical Integration Specialist", 24)], credential: "HIPAA",
                           regulatedProducts: ["ehr-cloud", "patient-portal"], attributes: [],
                           currency: "USD", country: "US", monthlyRevenue: 5_000),
        ]),
        Industry(name: "saas", programs: [
            ProgramProfile(name: "saas-resellers", types: [.reseller], tiers: ["Registered", "Silver", "Gold", "Platinum"],
                           products: ["crm", "analytics", "api-platform"],
                           territories: ["US", "CA", "GB", "DE", "FR", "AU"], territoriesPerPartner: 1...2, exclusiveTerritories: false,
                           certifications: [("CRM Sales Professional", 12), ("Analytics Implementation", 24), ("API Platform Administrator", 24)],
                           credential: nil,
                           regulatedProducts: [], attributes: [], currency: "USD", country: "US", monthlyRevenue: 6_000),
            ProgramProfile(name: "saas-isv", types: [.isv], tiers: ["Registered", "Integrated", "Strategic"],
                           products: ["crm", "analytics", "api-platform"],
                           territories: ["US", "CA", "GB", "DE", "FR", "AU"], territoriesPerPartner: 1...3, exclusiveTerritories: false,
                           certifications: [("API Integration Developer", 24)], credential: nil, regulatedProducts: [],
                           attributes: ["integration_depth", "joint_customers"], currency: "USD", country: "US", monthlyRevenue: 1_500),
        ]),
        Industry(name: "cybersecurity", programs: [
            ProgramProfile(name: "cyber-partners", types: [.reseller, .msp, .si], tiers: ["Registered", "Silver", "Gold", "Platinum"],
                           products: ["firewall", "endpoint", "siem"],
                           territories: ["US", "CA", "GB", "DE", "FR", "JP", "AU"], territoriesPerPartner: 1...2, exclusiveTerritories: false,
                           certifications: [("Security Associate", 24), ("Security Professional", 24), ("Security Expert", 24),
                                            ("Cloud Security Specialist", 24), ("Incident Response Specialist", 24)],
                           credential: nil, regulatedProducts: [], attributes: [], currency: "USD", country: "US", monthlyRevenue: 8_000),
        ]),
        Industry(name: "manufacturing", programs: [
            ProgramProfile(name: "manufacturing-distributors", types: [.distributor], tiers: ["Authorized", "Preferred"],
                           products: ["industrial-sensors", "plc", "robotics"],
                           territories: ["DE", "FR", "IT", "ES", "PL", "NL", "SE", "US", "MX", "BR"],
                           territoriesPerPartner: 1...2, exclusiveTerritories: true,
                           certifications: [("Automation Specialist", 24)], credential: nil, regulatedProducts: [],
                           attributes: [], currency: "EUR", country: "DE", monthlyRevenue: 12_000),
        ]),
        Industry(name: "financial-services", programs: [
            ProgramProfile(name: "fs-banking-tech", types: [.reseller], tiers: ["Registered", "Silver", "Gold"],
                           products: ["core-banking", "payments", "market-data"],
                           territories: ["US", "GB", "DE", "SG"], territoriesPerPartner: 1...2, exclusiveTerritories: false,
                           certifications: [("Core Banking Implementation", 24)], credential: "SOC2", regulatedProducts: [],
                           attributes: [], currency: "USD", country: "US", monthlyRevenue: 6_500),
            ProgramProfile(name: "fs-payments-agents", types: [.agent], tiers: ["Authorized", "Premier"],
                           products: ["payments"],
                           territories: ["US-CA", "US-TX", "US-NY", "US-FL", "US-IL", "US-WA"], territoriesPerPartner: 1...3,
                           exclusiveTerritories: false, certifications: [("Payments Specialist", 12)], credential: "PCI-DSS",
                           regulatedProducts: [], attributes: [], currency: "USD", country: "US", monthlyRevenue: 5_000),
            ProgramProfile(name: "fs-data-isv", types: [.isv], tiers: ["Registered", "Integrated", "Strategic"],
                           products: ["market-data", "core-banking"],
                           territories: ["US", "GB", "DE", "SG"], territoriesPerPartner: 1...3, exclusiveTerritories: false,
                           certifications: [("Market Data Integration", 24)], credential: "SOC2", regulatedProducts: [],
                           attributes: ["integration_depth"], currency: "USD", country: "US", monthlyRevenue: 1_500),
        ]),
    ]
}
