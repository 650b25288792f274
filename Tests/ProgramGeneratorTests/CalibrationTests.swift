import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import ProgramGenerator

/// Statistics of a 5,000-partner sample, measured from the generated events
/// as of the end day, against the published figures the generator targets.
@Suite("The generator is calibrated to published partner-program statistics")
struct CalibrationTests {
    struct Sample {
        var partners: [Partner] = []
        var revenue: [Double] = []
        var inactive = 0
        var activated = 0
        var daysToFirstWin: [Int] = []
        var registrations = 0
        var outside = 0
        var needCredential = 0
        var lapsed = 0
        var events = 0
        var logins = 0
        var activityYears = 0.0
        var expiringSoon = 0
        var expiredCertifications = 0
    }

    static let end = ProgramGenerator.defaultEnd

    static let sample: Sample = {
        var sample = Sample()
        let generator = ProgramGenerator(options: .init(partners: 5_000, seed: 11))
        generator.forEachPartner { generated in
            let partner = generated.partner
            sample.partners.append(partner)
            var revenue = 0.0
            var last: Day?
            var firstWin: Day?
            var latestCredential: [String: Day?] = [:]
            var latestCertification: [String: Day?] = [:]
            for event in generated.events {
                sample.events += 1
                last = event.date
                switch event.kind {
                case .revenue(let amount, _, _): revenue += amount
                case .dealWon: if firstWin == nil { firstWin = event.date }
                case let .dealRegistered(territory, product, _):
                    sample.registrations += 1
                    if !partner.territories.contains(territory) || !partner.products.contains(product) { sample.outside += 1 }
                case .credential(let kind, let expires): latestCredential[kind] = expires
                case .certificationEarned(let name, let expires): latestCertification[name] = expires
                case .portalLogin: sample.logins += 1
                default: break
                }
            }
            sample.revenue.append(revenue)
            let active = last.map { $0.days(until: end) < 90 } ?? false
            if !active { sample.inactive += 1 }
            if let firstWin {
                sample.activated += 1
                sample.daysToFirstWin.append(partner.enrolled.days(until: firstWin))
            }
            if active, let expires = latestCredential.values.first {
                sample.needCredential += 1
                if let expires, expires < end { sample.lapsed += 1 }
            }
            for expires in latestCertification.values.compactMap({ $0 }) {
                if expires >= end && expires.days(until: end) >= -90 { sample.expiringSoon += 1 }
                if expires < end { sample.expiredCertifications += 1 }
            }
            sample.activityYears += Double(partner.enrolled.days(until: last ?? partner.enrolled)) / 365
        }
        return sample
    }()

    @Test("about 20% of partners bring about 75% of revenue")
    func pareto() {
        let sorted = Self.sample.revenue.sorted(by: >)
        let top = sorted.prefix(sorted.count / 5).reduce(0, +) / sorted.reduce(0, +)
        #expect((0.65...0.85).contains(top), "top 20% share: \(top)")
    }

    @Test("30–60% of partners are inactive (no activity in the last 90 days)")
    func inactive() {
        let share = Double(Self.sample.inactive) / Double(Self.sample.partners.count)
        #expect((0.30...0.60).contains(share), "inactive: \(share)")
    }

    @Test("20–40% are activated (a first deal won), with a skewed time to it, median 3–6 months")
    func activation() {
        let share = Double(Self.sample.activated) / Double(Self.sample.partners.count)
        #expect((0.20...0.40).contains(share), "activated: \(share)")
        let days = Self.sample.daysToFirstWin.sorted()
        let median = days[days.count / 2]
        let mean = Double(days.reduce(0, +)) / Double(days.count)
        #expect((90...180).contains(median), "median days to first win: \(median)")
        #expect(mean > Double(median), "right-skewed: mean \(mean) > median \(median)")
    }

    @Test("initial tiers form a pyramid: most partners in each program's entry tier")
    func pyramid() {
        for program in Industry.all.flatMap(\.programs) {
            let partners = Self.sample.partners.filter { $0.program == program.name }
            let counts = program.tiers.map { tier in partners.filter { $0.tier == tier }.count }
            #expect(counts.reduce(0, +) == partners.count, "every partner has one of \(program.tiers)")
            #expect(Double(counts[0]) / Double(partners.count) >= 0.5, "\(program.name): \(counts)")
            #expect(counts == counts.sorted(by: >), "\(program.name) narrows upwards: \(counts)")
        }
    }

    @Test("about 3% of deal registrations fall outside the partner's territories or products")
    func outsideTerritory() {
        let share = Double(Self.sample.outside) / Double(Self.sample.registrations)
        #expect((0.015...0.05).contains(share), "outside: \(share)")
    }

    @Test("about 10% of active partners that need a credential let it lapse")
    func lapsedCredentials() {
        let share = Double(Self.sample.lapsed) / Double(Self.sample.needCredential)
        #expect((0.05...0.16).contains(share), "lapsed: \(share) of \(Self.sample.needCredential)")
    }

    @Test("certifications expire: some have expired, some expire within 90 days of the end")
    func certifications() {
        #expect(Self.sample.expiredCertifications > 100)
        #expect(Self.sample.expiringSoon > 20)
    }

    @Test("about 100 events per partner by default (45 per year of activity), two thirds of them logins")
    func volume() {
        let perYear = Double(Self.sample.events) / Self.sample.activityYears
        let expected = ProgramGenerator.defaultEventsPerYear
        // The rate drives logins (90% of it); trainings, deals and revenue come on top.
        #expect((expected * 1.1...expected * 1.6).contains(perYear), "events per activity-year: \(perYear)")
        let perPartner = Double(Self.sample.events) / Double(Self.sample.partners.count)
        #expect((85...120).contains(perPartner), "events per partner: \(perPartner)")
        #expect(Double(Self.sample.logins) / Double(Self.sample.events) > 0.65, "logins: \(Double(Self.sample.logins) / Double(Self.sample.events))")
    }

    @Test("a partner's region is its country's sales region")
    func regions() {
        for partner in Self.sample.partners {
            #expect(partner.region == SalesRegion.of(country: partner.country), "\(partner.id): \(partner.country) in \(partner.region)")
        }
        let byCountry = Dictionary(grouping: Self.sample.partners, by: \.country).mapValues { Set($0.map(\.region)) }
        for country in ["DE", "FR", "GB", "IT"] { #expect(byCountry[country] == ["EMEA"], "\(country)") }
        #expect(byCountry["US"] == ["NA"] && byCountry["JP"] == ["APAC"] && byCountry["BR"] == ["LATAM"])
    }

    @Test("enrolments spread over the 4 years before the end; events lie between enrolment and end")
    func dates() {
        let enrolled = Self.sample.partners.map(\.enrolled)
        #expect(enrolled.min()! >= Self.end.adding(days: -4 * 365))
        #expect(enrolled.max()! <= Self.end)
        let years = Set(enrolled.map { $0.components.year })
        #expect(years.count >= 4)
        let generator = ProgramGenerator(options: .init(partners: 300, seed: 3))
        generator.forEachPartner { generated in
            #expect(generated.events.allSatisfy { $0.date >= generated.partner.enrolled && $0.date <= Self.end })
            #expect(generated.events.map(\.date) == generated.events.map(\.date).sorted())
        }
    }
}
