import TestSupport
import Testing
@testable import PartnerModel

@Suite("Exact decimals: incentive money without binary rounding")
struct ExactDecimalTests {
    @Test("a Lua number reads as its shortest decimal text; a money double as its four-decimal value")
    func reading() {
        #expect(ExactDecimal(number: 0.12)?.description == "0.12")
        #expect(ExactDecimal(number: 1e-05)?.description == "0.00001")
        #expect(ExactDecimal(number: 250000)?.description == "250000")
        #expect(ExactDecimal(number: .infinity) == nil && ExactDecimal(number: .nan) == nil)
        #expect(ExactDecimal(money: 4273.4400000000005).description == "4273.44")
        #expect(ExactDecimal(money: 0.1 + 0.2).description == "0.3")
        #expect(ExactDecimal(text: "-2.50E+2")?.description == "-250")
        #expect(ExactDecimal(text: "1.2.3") == nil && ExactDecimal(text: "") == nil && ExactDecimal(text: "x") == nil)
    }

    @Test("products are exact and rounded once to the cent, half away from zero")
    func rounding() {
        let rate = ExactDecimal(number: 0.12)!
        // 0.12 × 1844.925 = 221.391 → 221.39; 0.08 × 0.0625 = 0.005 → 0.01; −0.005 → −0.01.
        #expect((rate * ExactDecimal(text: "1844.925")!).cents.text(places: 2) == "221.39")
        #expect((ExactDecimal(number: 0.08)! * ExactDecimal(text: "0.0625")!).cents.text(places: 2) == "0.01")
        #expect(ExactDecimal(text: "-0.005")!.cents.text(places: 2) == "-0.01")
        // What doubles get wrong: 0.07 × 100 is 7.000000000000001 in binary.
        #expect((ExactDecimal(number: 0.07)! * ExactDecimal(100)).description == "7")
        #expect((ExactDecimal(number: 0.02)! + ExactDecimal(number: 0.01)!) == ExactDecimal(text: "0.03"))
        #expect(ExactDecimal(text: "0.5")!.text(places: 2) == "0.50" && ExactDecimal(text: "-7")!.text(places: 2) == "-7.00")
        #expect(ExactDecimal(number: 0.125)!.percent == "12.5%")
    }
}
