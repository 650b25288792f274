import Foundation
import PartnerModel
import TestSupport
import Testing

@Suite("Days parse strictly and do calendar arithmetic")
struct DayTests {
    @Test("valid dates round-trip", arguments: ["1970-01-01", "2024-02-29", "2000-02-29", "2026-12-31", "1999-01-01"])
    func roundTrip(text: String) throws {
        #expect(try Day(parsing: text).description == text)
    }

    @Test("impossible and malformed dates are rejected", arguments: [
        "2023-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01", "26-01-01", "2026/01/01",
        "", "2026-01-01T00:00", "abcd-ef-gh",
    ])
    func rejected(text: String) {
        #expect(throws: DayParseError.self) { try Day(parsing: text) }
    }

    @Test("month arithmetic clamps to month ends, including leap days")
    func months() throws {
        #expect(try Day(parsing: "2024-03-31").adding(months: -1).description == "2024-02-29")
        #expect(try Day(parsing: "2023-03-31").adding(months: -1).description == "2023-02-28")
        #expect(try Day(parsing: "2024-02-29").adding(months: 12).description == "2025-02-28")
        #expect(try Day(parsing: "2026-01-15").adding(months: -13).description == "2024-12-15")
        #expect(try Day(parsing: "2026-11-22").adding(months: 0).description == "2026-11-22")
    }

    @Test("day arithmetic and distances")
    func days() throws {
        let a = try Day(parsing: "2024-02-28")
        #expect(a.adding(days: 1).description == "2024-02-29")
        #expect(a.adding(days: 2).description == "2024-03-01")
        #expect(a.days(until: try Day(parsing: "2025-02-28")) == 366)
    }
}

@Suite("Dates at the edges: input stays in the supported range, arithmetic never traps")
struct DayRangeTests {
    @Test("the supported range is 1900-01-01 … 2999-12-31; days beyond it are refused as input, naming the range",
          arguments: ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31", "0000-01-01"])
    func outsideSupported(text: String) {
        #expect { try Day(parsing: text) } throws: { error in
            guard let error = error as? DayParseError else { return false }
            return error.kind == (text == "0000-01-01" ? .noSuchDay : .outOfRange)
                && (error.kind != .outOfRange || error.description.contains("1900-01-01 … 2999-12-31"))
        }
    }

    @Test("both ends of the supported range parse and print back", arguments: ["1900-01-01", "2999-12-31"])
    func ends(text: String) throws {
        #expect(try Day(parsing: text).description == text)
        #expect(Day.supported.contains(try Day(parsing: text)))
    }

    @Test("a supported day plus the longest period a policy may declare stays representable, both ways")
    func longestSpan() {
        let years = Day.longestSpanInYears
        for day in [Day.supported.lowerBound, Day.supported.upperBound] {
            let later = day.adding(months: years * 12).adding(days: years * 366)
            #expect(later < Day.representable.upperBound, "no clamping: \(later)")
            #expect(day.adding(months: -24) > Day.representable.lowerBound)
        }
    }

    @Test("arithmetic clamps to the representable range instead of trapping, for any amount")
    func totalArithmetic() {
        let lowest = Day.representable.lowerBound, highest = Day.representable.upperBound
        #expect(lowest.description == "0001-01-01" && highest.description == "9999-12-31")
        #expect(lowest.adding(months: -1) == lowest)
        #expect(lowest.adding(days: -1) == lowest)
        #expect(highest.adding(months: 1) == highest)
        #expect(highest.adding(days: 1) == highest)
        for amount in [Int.min, Int.min + 1, -1_000_000_000, 1_000_000_000, Int.max] {
            #expect(Day.supported.lowerBound.adding(days: amount) == (amount < 0 ? lowest : highest))
            #expect(Day.supported.lowerBound.adding(months: amount) == (amount < 0 ? lowest : highest))
        }
        // Stored days of any value still compute (a store written by an older version).
        for raw in [Int32.min, Int32.max] {
            _ = Day(daysSinceEpoch: raw).adding(months: -12)
            _ = Day(daysSinceEpoch: raw).adding(days: -90)
            _ = Day(daysSinceEpoch: raw).description
            #expect(Day(daysSinceEpoch: raw).days(until: Day(daysSinceEpoch: raw == .min ? .max : .min)) != 0)
        }
    }

    @Test("months before year 1 round toward the past, not toward zero")
    func negativeMonths() throws {
        #expect(try Day(parsing: "1900-03-31").adding(months: -1).description == "1900-02-28")
        #expect(Day(year: 1, month: 3, day: 15)!.adding(months: -3) == Day.representable.lowerBound)
        #expect(Day(year: 2, month: 1, day: 31)!.adding(months: -1).description == "0001-12-31")
    }

    @Test("decoding reads back any representable day a decision stored (a deadline past the supported range)")
    func decoding() throws {
        let decoded = try JSONDecoder().decode([Day].self, from: Data(#"["3999-02-28"]"#.utf8))
        #expect(decoded.first?.description == "3999-02-28")
        #expect(throws: (any Error).self) { try JSONDecoder().decode([Day].self, from: Data(#"["10000-01-01"]"#.utf8)) }
    }
}
