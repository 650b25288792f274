import TestSupport
import Testing
@testable import PolicyEngine

@Suite("What policy functions print is kept per partner, within bounds")
struct PrintCaptureBoundsTests {
    @Test("per evaluation and in all, output beyond the bounds is dropped with a note")
    func bounds() {
        let capture = PrintCapture()
        let line = String(repeating: "x", count: 1000)
        for partner in 0..<300 {
            capture.begin("P\(partner)")
            for _ in 0..<20 { capture.append(line) }
        }
        let first = capture.lines(of: "P0")
        #expect(first.count == 9 && first.last?.contains("8 KiB per evaluation") == true)
        // 1 MiB holds about 128 partners' 8 KiB: later ones keep only the note.
        #expect(capture.lines(of: "P299") == ["… (print output beyond 1 MiB in one case is dropped)"])
        capture.clear()
        #expect(capture.lines(of: "P0").isEmpty)
        capture.begin("P0")
        capture.append("again")
        #expect(capture.lines(of: "P0") == ["again"])
    }
}
