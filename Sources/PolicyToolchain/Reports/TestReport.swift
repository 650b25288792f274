import Foundation

/// Renders fixture results for people (a line per case, expected against
/// actual for failures, a closing `N passed, N failed` line), for tools (JSON)
/// and for CI (JUnit XML).
public enum TestReport {
    /// The report for people; coverage reports (if measured) come before the
    /// closing `N passed, N failed` line, which stays last.
    public static func text(_ results: [CaseResult], coverage: [CoverageReport] = []) -> String {
        var out = ""
        var currentSet = ""
        for result in results {
            if result.set != currentSet {
                currentSet = result.set
                out += "\(currentSet)\n"
            }
            let date = result.asOf.map { " (as of \($0))" } ?? ""
            let fixture = (result.fixture as NSString).lastPathComponent
            if result.passed {
                out += "  ✓ \(fixture) › \(result.name)\(date)\n"
                continue
            }
            out += "  ✗ \(fixture) › \(result.name)\(date)\n"
            if let error = result.error {
                out += error.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n") + "\n"
            }
            for m in result.failures {
                out += "      partner \(m.partnerID) \(m.field): expected \(m.expected), got \(m.actual)\n"
                for line in m.detail { out += "          \(line)\n" }
            }
            out += printedText(result, indent: "      ")
        }
        for report in coverage { out += report.text }
        out += summaryLine(results) + "\n"
        return out
    }

    /// What policy functions printed for the partners a case failed on.
    static func printedText(_ result: CaseResult, indent: String) -> String {
        var out = ""
        for (partner, lines) in (result.printed ?? [:]).sorted(by: { $0.key < $1.key }) {
            out += "\(indent)printed while evaluating \(partner):\n"
            for line in lines.flatMap({ $0.split(separator: "\n", omittingEmptySubsequences: false) }) {
                out += "\(indent)  | \(line)\n"
            }
        }
        return out
    }

    public static func summaryLine(_ results: [CaseResult]) -> String {
        let passed = results.filter(\.passed).count
        return "\(passed) passed, \(results.count - passed) failed"
    }

    /// One JSON document: the counts, every case, and the coverage reports when measured.
    public static func json(_ results: [CaseResult], coverage: [CoverageReport]? = nil) throws -> String {
        struct Document: Encodable {
            var passed: Int
            var failed: Int
            var cases: [CaseResult]
            var coverage: [CoverageReport]?
        }
        let passed = results.filter(\.passed).count
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let document = Document(passed: passed, failed: results.count - passed, cases: results, coverage: coverage)
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    /// JUnit XML: one <testsuite> per policy set, one <testcase> per case.
    public static func junit(_ results: [CaseResult]) -> String {
        var sets: [String] = []
        for r in results where !sets.contains(r.set) { sets.append(r.set) }
        let failed = results.filter { !$0.passed }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"partnerscore test\" tests=\"\(results.count)\" failures=\"\(failed)\" errors=\"0\">\n"
        for set in sets {
            let cases = results.filter { $0.set == set }
            let setFailures = cases.filter { !$0.passed }.count
            out += "  <testsuite name=\"\(xml(set))\" tests=\"\(cases.count)\" failures=\"\(setFailures)\" errors=\"0\">\n"
            for c in cases {
                let name = "\((c.fixture as NSString).lastPathComponent) › \(c.name)" + (c.asOf.map { " (as of \($0))" } ?? "")
                out += "    <testcase classname=\"\(xml(set))\" name=\"\(xml(name))\""
                if c.passed {
                    out += "/>\n"
                    continue
                }
                out += ">\n"
                var body = c.error ?? ""
                for m in c.failures {
                    body += "partner \(m.partnerID) \(m.field): expected \(m.expected), got \(m.actual)\n"
                    for line in m.detail { body += "    \(line)\n" }
                }
                body += printedText(c, indent: "")
                let message = c.error.map { String($0.prefix(200)) }
                    ?? c.failures.map { "\($0.partnerID) \($0.field): expected \($0.expected), got \($0.actual)" }.joined(separator: "; ")
                out += "      <failure message=\"\(xml(message))\" type=\"expectation\">\(xml(body))</failure>\n"
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    static func xml(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case let c where c.value < 0x20 && c != "\n" && c != "\t" && c != "\r": out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
