import Foundation
import TestSupport
#if canImport(FoundationXML)
import FoundationXML
#endif
import PartnerModel
import Testing
@testable import ProgramAnalytics

/// The parts of the report a strict XML parser sees: the report is written
/// as well-formed XHTML-compatible HTML, so a parse failure is a bug.
final class ReportOutline: NSObject, XMLParserDelegate {
    struct Chart { var id = ""; var title = ""; var axisLabels: [String] = []; var rects = 0 }
    var charts: [Chart] = []
    var texts: [String] = []
    var externalReferences: [String] = []
    var elements: Set<String> = []
    private var stack: [(name: String, attributes: [String: String])] = []
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.insert(name)
        for key in ["src", "href", "xlink:href"] { if let value = attributes[key] { externalReferences.append(value) } }
        if name == "svg" { charts.append(Chart(id: attributes["aria-labelledby"] ?? "")) }
        if name == "rect", !charts.isEmpty { charts[charts.count - 1].rects += 1 }
        stack.append((name, attributes))
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let element = stack.removeLast()
        texts.append(text)
        if name == "text", (element.attributes["class"] ?? "").contains("axis-label"), !charts.isEmpty {
            charts[charts.count - 1].axisLabels.append(text)
        }
        if name == "title", stack.last?.name == "svg", !charts.isEmpty { charts[charts.count - 1].title = text }
        text = ""
    }
}

func outline(_ html: String) throws -> ReportOutline {
    let parser = XMLParser(data: Data(html.utf8))
    let outline = ReportOutline()
    parser.delegate = outline
    guard parser.parse() else {
        throw AnalyticsError("the report is not well-formed at line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "?")")
    }
    return outline
}

@Suite("The HTML report is self-contained, well-formed, escaped, and draws every chart with labelled axes")
struct ReportTests {
    @Test("every chart is an inline SVG with a title and both axis labels; user text is escaped")
    func charts() throws {
        let (store, _) = try makeEvaluatedFixture()
        let html = try ProgramAnalytics(store: store).report(asOf: day("2026-06-30"), source: "fixture <db>.sqlite").html()
        let o = try outline(html)
        let ids = o.charts.map(\.id)
        #expect(ids == ["funnel-title", "time-to-revenue-title", "tiers-agents-title", "health-bands-title", "milestones-title",
                        "alerts-by-step-title"])
        for chart in o.charts {
            #expect(!chart.title.isEmpty, "\(chart.id)")
            #expect(chart.axisLabels.count == 2 && chart.axisLabels.allSatisfy { !$0.isEmpty }, "\(chart.id): \(chart.axisLabels)")
            #expect(chart.rects > 0, "\(chart.id) draws nothing")
        }
        #expect(o.charts.first { $0.id == "tiers-agents-title" }?.axisLabels == ["Evaluation date", "Partners"])
        // Nothing is fetched: no scripts, no links, no images, no external references.
        #expect(o.externalReferences.isEmpty)
        #expect(!o.elements.contains("script") && !o.elements.contains("link") && !o.elements.contains("img"))
        // The partner name and gate name travel escaped and come back intact through the parser.
        #expect(html.contains("Acme &quot;Voice&quot; &lt;Partners&gt; &amp; Co"))
        #expect(!html.contains("<Partners>") && !html.contains("<v2>") && !html.contains("fixture <db>"))
        #expect(o.texts.contains("Acme \"Voice\" <Partners> & Co"))
        #expect(o.texts.contains { $0.contains("Agreement <v2> & NDA lapsed") })
        #expect(html.contains("@media print"))
    }

    @Test("a store with no evaluations still makes a report, saying how to get the rest")
    func withoutEvaluations() throws {
        let html = try ProgramAnalytics(store: try makeFixtureStore()).report(asOf: day("2026-06-30"), source: "x").html()
        let o = try outline(html)
        #expect(o.charts.map(\.id) == ["funnel-title", "time-to-revenue-title"])
        #expect(html.contains("run partnerscore evaluate"))
    }

    @Test("the same data and day give the same bytes")
    func deterministic() throws {
        let (a, _) = try makeEvaluatedFixture(), (b, _) = try makeEvaluatedFixture()
        #expect(try ProgramAnalytics(store: a).report(asOf: day("2026-06-30"), source: "s").html()
                == ProgramAnalytics(store: b).report(asOf: day("2026-06-30"), source: "s").html())
    }

    @Test("escaping covers markup characters and drops characters XML forbids")
    func escaping() {
        #expect(Markup.escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;")
        #expect(Markup.escape("bell\u{7}tab\t") == "belltab\t")
    }

    @Test("value axes end on a round number at or above the largest stack")
    func axis() {
        #expect(ValueAxis(covering: 1928).ticks == [0, 500, 1000, 1500, 2000])
        #expect(ValueAxis(covering: 3).ticks == [0, 1, 2, 3])
        #expect(ValueAxis(covering: 0).maximum == 1)
        let large = ValueAxis(covering: 10_000)
        #expect(large.ticks.map(large.label) == ["0", "2k", "4k", "6k", "8k", "10k"])
    }
}
