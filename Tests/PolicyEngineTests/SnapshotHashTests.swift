import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

/// Snapshot digests are stored with every decision and compared across runs
/// and releases, so their value for a given snapshot must never change.
@Suite struct SnapshotHashTests {
    static func richSnapshot(longNames: Bool) -> PartnerSnapshot {
        let long = longNames ? String(repeating: "long-territory-name-", count: 80) : "US-TX"
        var s = snapshot(partner("P-42", territories: ["US-CA", long], products: ["voice", "fiber"], tier: "Gold"),
                         asOf: "2026-10-31",
                         metrics: [.revenue12m: 182_300.5, .dealsWon12m: 7, .logins30d: 0],
                         credentials: [Credential(name: "insurance", granted: day("2026-01-01"), expires: day("2027-01-01"))],
                         certifications: [Credential(name: "sales-1", granted: day("2025-03-01"), expires: nil)],
                         milestones: MilestoneDates(firstLogin: day("2025-01-03"), firstDealWon: day("2025-06-30")),
                         attributes: ["nps": .number(42), "segment": .text("smb"), "a": .number(-0.5)])
        s[.revenue3m] = -.nan
        return s
    }

    @Test func digestsArePinned() {
        #expect(SnapshotHash.of(Self.richSnapshot(longNames: false)).hex == "1b14c7cda9f04d6513b73863f60313c9")
        #expect(SnapshotHash.of(Self.richSnapshot(longNames: true)).hex == "63491114dce2b389e69f5df55dde6b4f")
        #expect(SnapshotHash.of(snapshot(partner(), asOf: "2026-01-31")).hex == "83bc1834a6128297132e976e3f26d59d")
    }

    @Test("declared measures are covered by the digest; a snapshot without them keeps the digest it always had")
    func measuresAreCovered() {
        let plain = Self.richSnapshot(longNames: false)
        var measured = plain
        measured.measures = MeasureValues(values: [12, .nan], texts: [MeasureText(measure: 1, text: "n/a")])
        let digest = SnapshotHash.of(measured)
        #expect(digest != SnapshotHash.of(plain))
        #expect(SnapshotHash.of(plain).hex == "1b14c7cda9f04d6513b73863f60313c9")
        var changed = measured
        changed.measures.values[0] = 13
        #expect(SnapshotHash.of(changed) != digest)
        changed = measured
        changed.measures.texts[0].text = "n/b"
        #expect(SnapshotHash.of(changed) != digest)
        #expect(SnapshotHash.of(measured) == digest)
    }

    @Test func digestReadsBackFromItsText() throws {
        let digest = SnapshotHash.of(Self.richSnapshot(longNames: false))
        #expect(digest.description == digest.hex)
        #expect(SnapshotDigest(hex: digest.hex) == digest)
        #expect(SnapshotDigest(hex: digest.hex.uppercased()) == digest)
        #expect(SnapshotDigest(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210).hex == "0123456789abcdeffedcba9876543210")
        // As JSON it is its text, and it reads back from it.
        let json = try JSONEncoder().encode([digest])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(digest.hex)\"]")
        #expect(try JSONDecoder().decode([SnapshotDigest].self, from: json) == [digest])
    }

    @Test func digestTextMustBe32HexDigits() throws {
        let good = "1b14c7cda9f04d6513b73863f60313c9"
        for bad in ["", String(good.dropLast()), good + "0", "1b14c7cda9f04d6513b73863f60313cg", " " + String(good.dropFirst())] {
            #expect(SnapshotDigest(hex: bad) == nil, "\(bad)")
        }
        let error = #expect(throws: DecodingError.self) { try JSONDecoder().decode([SnapshotDigest].self, from: Data("[\"abc\"]".utf8)) }
        #expect("\(String(describing: error))".contains("32 hex digits, not 'abc'"))
    }

    @Test("every NaN is a missing value to the digest; infinities are values")
    func missingValues() {
        let base = Self.richSnapshot(longNames: false)
        for nan in [Double.nan, -Double.nan, Double.signalingNaN, Double(bitPattern: 0x7ff0_0000_0000_0001)] {
            var other = base
            other.values[Metric.revenue3m.rawValue] = nan
            #expect(SnapshotHash.of(other) == SnapshotHash.of(base), "\(nan.bitPattern)")
        }
        var infinite = base
        infinite.values[Metric.revenue3m.rawValue] = .infinity
        #expect(SnapshotHash.of(infinite) != SnapshotHash.of(base))
    }

    @Test("values beyond the digest's buffer are hashed field by field, every one of them")
    func moreValuesThanTheBufferHolds() {
        var base = Self.richSnapshot(longNames: false)
        base.values += (0..<300).map(Double.init)   // 8 bytes each: more than the 1,024-byte buffer
        var last = base
        last.values[last.values.count - 1] = -1
        #expect(SnapshotHash.of(last) != SnapshotHash.of(base))
        var missing = base, otherMissing = base
        missing.values[missing.values.count - 1] = .nan
        otherMissing.values[otherMissing.values.count - 1] = -Double.nan
        #expect(SnapshotHash.of(missing) == SnapshotHash.of(otherMissing))
        #expect(SnapshotHash.of(missing) != SnapshotHash.of(base))
    }

    @Test func anyFieldChangesTheDigest() {
        let base = Self.richSnapshot(longNames: false)
        var other = base
        other[.dealsWon12m] = 8
        #expect(SnapshotHash.of(other) != SnapshotHash.of(base))
        other = base
        other.attributes["segment"] = .text("mid")
        #expect(SnapshotHash.of(other) != SnapshotHash.of(base))
        other = base
        other.partner.territories = ["US-CAUS-TX"]
        #expect(SnapshotHash.of(other) != SnapshotHash.of(base))
    }
}
