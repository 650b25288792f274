import Testing
import PartnerModel

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
