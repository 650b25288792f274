import Foundation
import TestSupport
import Testing
@testable import PolicyEngine

/// The evidence formats every evaluation writes: pinned examples, and the
/// byte-level writer checked against Foundation's `String(format:)`.
@Suite struct FormatTests {
    @Test func groupsThousands() {
        #expect(Format.number(0) == "0")
        #expect(Format.number(999) == "999")
        #expect(Format.number(1000) == "1,000")
        #expect(Format.number(250_000) == "250,000")
        #expect(Format.number(-1_234_567) == "-1,234,567")
        #expect(Format.number(12_345.6, money: true) == "12,346")
        #expect(Format.number(999_999_999_999_999) == "999,999,999,999,999")
        #expect(Format.number(-0.0) == "0")
    }

    @Test("money beyond Int64 (a sum of many large amounts) prints instead of trapping")
    func hugeMoney() {
        #expect(!Format.number(1e19, money: true).isEmpty)
        #expect(!Format.metric(5e20, .revenue12m).isEmpty)
        #expect(Format.number(9e17, money: true) == "900,000,000,000,000,000")
    }

    @Test func fractionsAndPercentages() {
        #expect(Format.number(0.125) == "0.125")
        #expect(Format.number(2.5) == "2.5")
        #expect(Format.number(1.0004) == "1")
        #expect(Format.number(1e15 + 0.5) == "1000000000000000.5")
        #expect(Format.number(.nan) == "none")
        #expect(Format.number(.infinity) == "∞")
        #expect(Format.percent(0.1234) == "12.3%")
        #expect(Format.percent(1) == "100.0%")
        #expect(Format.percent(.nan) == "none")
    }

    @Test func sameDigitsAsStringFormat() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let value = Double.random(in: -1e7...1e7, using: &generator) / Double([1, 10, 1000, 1e6].randomElement(using: &generator)!)
            var expected = String(format: "%.3f", value)
            while expected.hasSuffix("0") { expected.removeLast() }
            if expected.hasSuffix(".") { expected.removeLast() }
            if value != value.rounded() { #expect(Format.number(value) == expected, "\(value)") }
            #expect(Format.percent(value) == String(format: "%.1f%%", value * 100), "\(value)")
        }
        #expect(Format.fixed(-1e300, places: 3, trimZeros: false, suffix: nil) { String(decoding: $0, as: UTF8.self) }
                == String(format: "%.3f", -1e300))
    }

    @Test("an observation reads as its value formatted its way, and compares by its words")
    func observations() {
        #expect(Observation.metric(182_300.4, .revenue12m).words == "182,300")
        #expect(Observation.metric(0.4851, .winRate12m).words == "48.5%")
        #expect(Observation.metric(2.5, .logins30d).words == "2.5")
        #expect(Observation.number(3).words == "3")
        #expect(Observation.none.words == "none")
        #expect(Observation.words("valid until 2027-01-31").words == "valid until 2027-01-31")
        for observation in [Observation.metric(12_000, .revenue1m), .number(0.125), .none, .words("yes")] {
            #expect(observation.withWords { String(decoding: $0, as: UTF8.self) } == observation.words)
        }
        // Two values written alike read the same; a value and its words too.
        #expect(Observation.sameWords(.metric(1000.4, .revenue1m), .metric(1000.2, .revenue1m)))
        #expect(Observation.sameWords(.metric(12_000, .revenue1m), .words("12,000")))
        #expect(Observation.sameWords(.none, .words("none")))
        #expect(!Observation.sameWords(.metric(0.5, .winRate12m), .number(0.5)))
        #expect(!Observation.sameWords(.number(1), .number(2)))
    }
}
