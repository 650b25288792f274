import Foundation
import PartnerModel

/// One partner's life in the program, from enrolment to the end day.
///
/// Calibration (asserted by ProgramGeneratorTests on a sample):
/// - partner quality is lognormal (σ 1.0): about 20% of partners bring about
///   75% of revenue;
/// - about a third go dormant (no activity in the last 90 days before the
///   end; published figures: 30–60%);
/// - monthly bookings scale with the industry's deal sizes
///   (`ProgramProfile.monthlyRevenue`), so each bundled set's tiers form a
///   pyramid on generated data, every tier reached by some partners;
/// - a partner's region is its country's sales region (`SalesRegion`);
/// - about 30% win a first deal; time to it is lognormal, median ~4.5 months;
/// - initial tiers form a pyramid by quality (most in the entry tier);
/// - certifications expire (12–24 months) and are renewed or not;
/// - ~10% of active partners that need a credential let it lapse;
/// - ~3% of deal registrations fall outside the authorized territories/products;
/// - enrolments spread over the 4 years before the end;
/// - about `eventsPerYear` events per year of activity, mostly logins.
struct PartnerSimulation {
    let index: Int
    let program: ProgramProfile
    let options: ProgramGenerator.Options
    var random: SeededRandom
    private var events: [ActivityEvent] = []

    static let qualitySigma = 1.0

    init(index: Int, program: ProgramProfile, options: ProgramGenerator.Options, random: SeededRandom) {
        self.index = index
        self.program = program
        self.options = options
        self.random = random
    }

    var id: String {
        let digits = String(index + 1)
        return "P" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }

    mutating func run() -> ProgramGenerator.GeneratedPartner {
        let end = options.end
        let enrolled = end.adding(days: -random.int(0...(4 * 365)))
        let tenureDays = enrolled.days(until: end)
        let z = random.normal()
        let quality = exp(PartnerSimulation.qualitySigma * z)
        // Dormancy: the partner's last active day is well before the end.
        let dormant = tenureDays > 120 && random.chance(0.35)
        let lastActive = dormant ? enrolled.adding(days: random.int(0...(tenureDays - 91))) : end
        let activeDays = enrolled.days(until: lastActive)

        let territories = chooseTerritories()
        let products = random.subset(program.products, count: random.int(1...program.products.count))
        let country = territories.first.map(Self.country) ?? program.country
        let partner = Partner(id: id, name: Self.name(index: index, random: &random), type: random.pick(program.types),
                              program: program.name, region: SalesRegion.of(country: country), country: country,
                              territories: territories, products: products, enrolled: enrolled,
                              channelAccountManager: "cam-\(random.int(1...40))", tier: nil, tierSince: nil,
                              status: random.chance(0.03) ? .suspended : .active)
        var profile = partner
        let tierIndex = Self.tierIndex(z: z, tiers: program.tiers.count)
        profile.tier = program.tiers[tierIndex]
        profile.tierSince = tierIndex == 0 ? enrolled : enrolled.adding(days: random.int(0...max(0, tenureDays)))

        // Onboarding and engagement.
        let engagement = max(0.2, random.lognormal(median: 1, sigma: 0.4))
        let logins = random.poisson(options.eventsPerYear * 0.9 * engagement * Double(activeDays + 1) / 365)
        if logins > 0 || activeDays > 0 {
            add(enrolled.adding(days: min(activeDays, random.int(0...4))), .portalLogin)
        }
        for _ in 0..<max(0, logins - 1) { add(randomDay(enrolled, lastActive), .portalLogin) }

        let modules = ["onboarding-101", "partner-portal", "sales-methodology", "deal-registration"]
            + program.products.map { "product-\($0)" }
        let trainings = min(modules.count, 1 + random.poisson(Double(activeDays) / 365 * 2 * engagement))
        for (n, module) in random.subset(modules, count: trainings).enumerated() {
            let day = n == 0 ? enrolled.adding(days: min(activeDays, random.int(1...14))) : randomDay(enrolled, lastActive)
            add(day, .trainingCompleted(module: module))
        }

        // Certifications: earned while active, renewed before expiry or left to lapse.
        for certification in program.certifications where random.chance(min(0.85, 0.25 + 0.15 * quality)) {
            var granted = randomDay(enrolled, lastActive)
            while granted <= lastActive {
                let expires = granted.adding(months: certification.validMonths).adding(days: -1)
                add(granted, .certificationEarned(name: certification.name, expires: expires))
                guard random.chance(0.7) else { break }
                granted = expires.adding(days: -random.int(0...45))
            }
        }

        // Credentials (HIPAA, SOC2, PCI-DSS): yearly, for partners that need one.
        if let credential = program.credential,
           program.regulatedProducts.isEmpty || !Set(products).isDisjoint(with: program.regulatedProducts) {
            let lapses = random.chance(0.10)
            var granted = enrolled.adding(days: min(activeDays, random.int(0...20)))
            let stop = lapses ? end.adding(days: -random.int(400...700)) : lastActive
            repeat {
                let expires = granted.adding(months: 12).adding(days: -1)
                add(granted, .credential(kind: credential, expires: expires))
                granted = expires.adding(days: -random.int(0...30))
            } while granted <= stop && granted <= lastActive
        }

        // Deals: activated partners win a first deal after a skewed delay.
        let activationCandidate = random.chance(min(0.9, 0.36 + 0.06 * log(quality + 1)))
        let firstDealDelay = Int(random.lognormal(median: 135, sigma: 0.8))
        let firstWin = enrolled.adding(days: firstDealDelay)
        let activated = activationCandidate && firstWin <= lastActive
        let registrationsPerYear = 2 + 6 * min(quality, 4) * engagement
        let registrations = random.poisson(Double(activeDays) / 365 * registrationsPerYear * (activated ? 1 : 0.25))
        if activated {
            registerDeal(on: max(enrolled, firstWin.adding(days: -random.int(10...40))), territories: territories, products: products,
                         quality: quality, outcome: .won, closeOn: firstWin)
        }
        for _ in 0..<registrations {
            let day = randomDay(enrolled, lastActive)
            let outcome: DealOutcome
            if activated && day >= firstWin {
                outcome = random.chance(0.4) ? .won : (random.chance(0.6) ? .lost : .open)
            } else {
                outcome = random.chance(0.55) ? .lost : .open
            }
            let close = min(lastActive, day.adding(days: random.int(20...120)))
            registerDeal(on: day, territories: territories, products: products, quality: quality, outcome: outcome, closeOn: close)
        }

        // Revenue: monthly bookings from transacting partners, sized by quality.
        if activated || random.chance(0.55) {
            let start = activated ? firstWin : enrolled.adding(days: random.int(30...200))
            var month = start
            let monthly = program.monthlyRevenue * quality
            while month <= lastActive {
                let amount = (monthly * random.lognormal(median: 1, sigma: 0.35) * 100).rounded() / 100
                add(month, .revenue(amount: amount, currency: program.currency, product: random.pick(products)))
                month = month.adding(months: 1)
            }
        }

        // Custom attributes (ISV programs).
        for attribute in program.attributes {
            var day = enrolled.adding(days: min(activeDays, random.int(5...60)))
            var value = attribute == "integration_depth" ? Double(random.int(0...1)) : Double(random.int(0...3))
            while day <= lastActive {
                add(day, .attribute(name: attribute, value: .number(value)))
                day = day.adding(days: random.int(90...240))
                value = attribute == "integration_depth" ? min(3, value + (random.chance(0.4) ? 1 : 0))
                    : value + Double(random.poisson(2 * min(quality, 5)))
            }
        }

        events.sort { ($0.date, Self.order($0.kind)) < ($1.date, Self.order($1.kind)) }
        return ProgramGenerator.GeneratedPartner(partner: profile, events: events.filter { $0.date >= enrolled && $0.date <= end })
    }

    enum DealOutcome { case won, lost, open }

    private mutating func registerDeal(on day: Day, territories: [String], products: [String], quality: Double,
                                       outcome: DealOutcome, closeOn close: Day) {
        var territory = random.pick(territories), product = random.pick(products)
        if random.chance(0.03) {
            // Outside the authorization: another territory or another product line.
            let otherTerritories = program.territories.filter { !territories.contains($0) }
            let otherProducts = program.products.filter { !products.contains($0) }
            if !otherTerritories.isEmpty && (otherProducts.isEmpty || random.chance(0.5)) {
                territory = random.pick(otherTerritories)
            } else if !otherProducts.isEmpty {
                product = random.pick(otherProducts)
            } else {
                territory = "XX"
            }
        }
        let amount = (random.lognormal(median: 8_000 * min(quality, 10).squareRoot(), sigma: 0.7) * 100).rounded() / 100
        add(day, .dealRegistered(territory: territory, product: product, amount: amount))
        let closeDay = max(day, close)
        switch outcome {
        // A closed deal carries its registration's product and territory (no draw: the stream is unchanged).
        case .won: add(closeDay, .dealWon(amount: amount, product: product, territory: territory))
        case .lost: add(closeDay, .dealLost(amount: amount, product: product, territory: territory))
        case .open: break
        }
    }

    private mutating func add(_ day: Day, _ kind: ActivityEvent.Kind) {
        events.append(ActivityEvent(partnerID: id, date: day, kind: kind))
    }

    private mutating func randomDay(_ from: Day, _ to: Day) -> Day {
        from.adding(days: random.int(0...max(0, from.days(until: to))))
    }

    private mutating func chooseTerritories() -> [String] {
        let all = program.territories
        let count = min(all.count, random.int(program.territoriesPerPartner))
        if program.exclusiveTerritories {
            // Distribution territories: handed out in turn, a second one rarely and next door.
            let first = index % all.count
            return count > 1 && random.chance(0.3) ? [all[first], all[(first + 1) % all.count]] : [all[first]]
        }
        return random.subset(all, count: count)
    }

    /// The initial tier from the quality rank: a pyramid, most in the first tier.
    static func tierIndex(z: Double, tiers: Int) -> Int {
        // Standard-normal quantiles of the tier boundaries.
        let cuts: [Double] = switch tiers {
        case 2: [0.84]                 // 80% / 20%
        case 3: [0.39, 1.28]           // 65% / 25% / 10%
        default: [0.13, 0.84, 1.55]    // 55% / 25% / 14% / 6%
        }
        return cuts.filter { z > $0 }.count
    }

    static func country(of territory: String) -> String {
        territory.hasPrefix("US-") ? "US" : territory
    }

    static func order(_ kind: ActivityEvent.Kind) -> Int { ActivityEvent.Kind.names.firstIndex(of: kind.name)! }

    static let firstWords = ["Northwind", "Contoso", "Fabrikam", "Litware", "Tailspin", "Woodgrove", "Adatum", "Proseware",
                             "Wingtip", "Lucerne", "Alpine", "Blue Yonder", "Coho", "Fourth Coffee", "Humongous", "Margie's",
                             "Trey", "Wide World", "Relecloud", "Southridge"]
    static let secondWords = ["Networks", "Systems", "Solutions", "Partners", "Digital", "Consulting", "Technologies", "Group"]
    static let suffixes = ["", "", " LLC", ", Inc.", " GmbH", " Ltd"]

    static func name(index: Int, random: inout SeededRandom) -> String {
        random.pick(firstWords) + " " + random.pick(secondWords) + random.pick(suffixes)
    }
}
