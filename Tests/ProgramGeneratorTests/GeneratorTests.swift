import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import ProgramGenerator

@Suite("The generator is deterministic and writes the import formats")
struct GeneratorTests {
    func generate(_ options: ProgramGenerator.Options) throws -> (partners: Data, events: Data) {
        let scratch = try TemporaryFolder()
        return try withExtendedLifetime(scratch) {
            let summary = try ProgramGenerator(options: options).write(to: scratch.url.appendingPathComponent("program"))
            return (try Data(contentsOf: summary.partnersFile), try Data(contentsOf: summary.eventsFile))
        }
    }

    @Test("the same seed and options give the same bytes; another seed does not", arguments: ProgramGenerator.Format.allCases)
    func sameBytes(format: ProgramGenerator.Format) throws {
        let options = ProgramGenerator.Options(partners: 300, seed: 42, format: format)
        let first = try generate(options), second = try generate(options)
        #expect(first.partners == second.partners)
        #expect(first.events == second.events)
        var other = options
        other.seed = 43
        #expect(try generate(other).events != first.events)
    }

    @Test("--industry telecom gives the telecom agent program with its tiers, products and state territories")
    func telecom() {
        let generator = ProgramGenerator(options: .init(partners: 400, seed: 1, industry: .named("telecom")))
        generator.forEachPartner { generated in
            let p = generated.partner
            #expect(p.program == "telecom-agents" && p.type == .agent)
            #expect(["Authorized", "Premier"].contains(p.tier ?? ""))
            #expect((1...4).contains(p.territories.count) && p.territories.allSatisfy { $0.hasPrefix("US-") })
            #expect(Set(p.products).isSubset(of: ["voice", "broadband", "mobile", "sd-wan"]))
        }
    }

    @Test("healthcare partners selling regulated products hold HIPAA credentials; others need none")
    func healthcare() {
        var withHIPAA = 0
        ProgramGenerator(options: .init(partners: 400, seed: 2, industry: .named("healthcare"))).forEachPartner { generated in
            let regulated = !Set(generated.partner.products).isDisjoint(with: ["ehr-cloud", "patient-portal"])
            let hasHIPAA = generated.events.contains { if case .credential("HIPAA", _) = $0.kind { true } else { false } }
            #expect(hasHIPAA == regulated)
            if hasHIPAA { withHIPAA += 1 }
        }
        #expect(withHIPAA > 100)
    }

    @Test("manufacturing distributors hold mostly exclusive country territories")
    func manufacturing() {
        var holders: [String: Int] = [:]
        ProgramGenerator(options: .init(partners: 100, seed: 3, industry: .named("manufacturing"))).forEachPartner {
            for territory in $0.partner.territories { holders[territory, default: 0] += 1 }
            #expect($0.partner.program == "manufacturing-distributors" && $0.partner.territories.count <= 2)
        }
        #expect(holders.keys.sorted() == ["BR", "DE", "ES", "FR", "IT", "MX", "NL", "PL", "SE", "US"])
    }

    @Test("without --industry every program appears; ISV programs carry their attributes")
    func mix() {
        var programs = Set<String>(), attributes = Set<String>()
        ProgramGenerator(options: .init(partners: 200, seed: 4)).forEachPartner { generated in
            programs.insert(generated.partner.program)
            for case .attribute(let name, _) in generated.events.map(\.kind) { attributes.insert(name) }
        }
        #expect(programs == Set(Industry.all.flatMap(\.programs).map(\.name)))
        #expect(attributes == ["integration_depth", "joint_customers"])
    }

    @Test("--events-per-year scales the volume")
    func eventsPerYear() {
        func count(_ perYear: Double) -> Int {
            var total = 0
            ProgramGenerator(options: .init(partners: 200, seed: 5, eventsPerYear: perYear)).forEachPartner { total += $0.events.count }
            return total
        }
        let base = count(100), half = count(50)
        #expect(Double(half) < Double(base) * 0.6 && Double(half) > Double(base) * 0.4)
    }

    @Test("CSV output quotes names with commas and lists territories with ';'")
    func csvShape() throws {
        let files = try generate(.init(partners: 200, seed: 6))
        let text = String(decoding: files.partners, as: UTF8.self)
        #expect(text.hasPrefix("id,name,type,program,region,country,territories,products,enrolled,cam,tier,tier_since,status\n"))
        #expect(text.contains(", Inc.\","))
        let events = String(decoding: files.events, as: UTF8.self)
        #expect(events.hasPrefix("partner_id,date,kind,amount,currency,product,territory,name,value,expires\n"))
    }

    @Test("the seeded random generator is reproducible and uniform enough")
    func random() {
        var a = SeededRandom(seed: 9, stream: 1), b = SeededRandom(seed: 9, stream: 1), c = SeededRandom(seed: 9, stream: 2)
        let xs = (0..<1000).map { _ in a.unit() }
        #expect(xs == (0..<1000).map { _ in b.unit() })
        #expect(xs != (0..<1000).map { _ in c.unit() })
        let mean = xs.reduce(0, +) / 1000
        #expect(abs(mean - 0.5) < 0.05)
    }
}
