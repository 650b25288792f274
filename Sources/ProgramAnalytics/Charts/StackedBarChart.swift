/// A stacked bar chart drawn as inline SVG: vertical columns or horizontal
/// bars, with a title, labelled axes with ticks, a legend when there is
/// more than one series, and each stack's total at its end. Every text is
/// escaped. The SVG scales to its container (viewBox) and never clips:
/// margins are computed from the labels it has to fit.
///
/// ```swift
/// let chart = StackedBarChart(title: "Alerts by step", orientation: .columns,
///                             categoryAxis: "Escalation step", valueAxis: "Open alerts",
///                             categories: ["step 1", "step 2"],
///                             series: [.init(name: "tier_review", color: "#2563eb", values: [3, 1])])
/// let svg = chart.svg(id: "alerts")
/// ```
public struct StackedBarChart: Sendable {
    public enum Orientation: Sendable { case columns, bars }

    public struct Series: Sendable {
        public var name: String
        public var color: String
        public var values: [Double]
        public init(name: String, color: String, values: [Double]) {
            self.name = name
            self.color = color
            self.values = values
        }
    }

    public var title: String
    public var orientation: Orientation
    public var categoryAxis: String
    public var valueAxis: String
    public var categories: [String]
    public var series: [Series]
    /// The label at the end of each stack (default: its total as a count).
    public var totalLabels: [String]?
    public var width: Double = 640

    public init(title: String, orientation: Orientation, categoryAxis: String, valueAxis: String,
                categories: [String], series: [Series], totalLabels: [String]? = nil) {
        self.title = title
        self.orientation = orientation
        self.categoryAxis = categoryAxis
        self.valueAxis = valueAxis
        self.categories = categories
        self.series = series
        self.totalLabels = totalLabels
    }

    static let font = 12.0
    /// A generous estimate of a label's width in the report's sans-serif font.
    static func textWidth(_ text: String, size: Double = font) -> Double { Double(text.count) * size * 0.62 }

    var totals: [Double] {
        categories.indices.map { i in series.reduce(0) { $0 + (i < $1.values.count ? max(0, $1.values[i]) : 0) } }
    }

    /// The chart as an `<svg>` element; `id` makes its title referable.
    public func svg(id: String) -> String {
        orientation == .columns ? columns(id: id) : bars(id: id)
    }

    // MARK: - Shared parts

    private func header(id: String, height: Double) -> String {
        let e = Markup.escape
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(Markup.n(width)) \(Markup.n(height))\" "
        s += "width=\"\(Markup.n(width))\" height=\"\(Markup.n(height))\" role=\"img\" aria-labelledby=\"\(e(id))-title\">"
        s += "<title id=\"\(e(id))-title\">\(e(title))</title>"
        s += "<text class=\"chart-title\" x=\"0\" y=\"16\" font-size=\"15\" font-weight=\"600\">\(e(title))</text>"
        return s
    }

    /// The legend rows under the title; returns the markup and the height used.
    private func legend(top: Double) -> (String, Double) {
        guard series.count > 1 else { return ("", 0) }
        var s = "<g class=\"legend\" font-size=\"\(Markup.n(Self.font))\">"
        var x = 0.0, y = top
        for item in series {
            let w = 16 + Self.textWidth(item.name) + 14
            if x > 0 && x + w > width { x = 0; y += 18 }
            s += "<rect x=\"\(Markup.n(x))\" y=\"\(Markup.n(y - 10))\" width=\"11\" height=\"11\" fill=\"\(Markup.escape(item.color))\"/>"
            s += "<text x=\"\(Markup.n(x + 15))\" y=\"\(Markup.n(y))\">\(Markup.escape(item.name))</text>"
            x += w
        }
        return (s + "</g>", y - top + 18)
    }

    private func label(_ i: Int) -> String { totalLabels.map { i < $0.count ? $0[i] : "" } ?? Format.count(Int(totals[i].rounded())) }

    // MARK: - Columns

    private func columns(id: String) -> String {
        let e = Markup.escape, f = Self.font
        let (legendMarkup, legendHeight) = legend(top: 38)
        let plotTop = 38 + legendHeight + 18
        let plotHeight = 200.0
        let axis = ValueAxis(covering: totals.max() ?? 0)
        let tickWidth = axis.ticks.map { Self.textWidth(axis.label($0)) }.max() ?? 0
        let left = 22 + tickWidth + 8, right = 12.0
        let plotWidth = width - left - right
        let slot = plotWidth / Double(max(categories.count, 1))
        // Category labels: horizontal when they fit their slot, else turned 35°.
        let longest = categories.map { Self.textWidth($0) }.max() ?? 0
        let turned = longest > slot - 6
        let labelDepth = turned ? longest * 0.58 + f + 6 : f + 8
        let height = plotTop + plotHeight + labelDepth + 30
        let y0 = plotTop + plotHeight
        func y(_ v: Double) -> Double { y0 - v / axis.maximum * plotHeight }

        var s = header(id: id, height: height) + legendMarkup
        s += "<g class=\"axis\" font-size=\"\(Markup.n(f - 1))\" fill=\"#475569\">"
        for t in axis.ticks {
            s += "<line x1=\"\(Markup.n(left))\" x2=\"\(Markup.n(width - right))\" y1=\"\(Markup.n(y(t)))\" y2=\"\(Markup.n(y(t)))\" stroke=\"#e2e8f0\"/>"
            s += "<text x=\"\(Markup.n(left - 6))\" y=\"\(Markup.n(y(t) + 4))\" text-anchor=\"end\">\(e(axis.label(t)))</text>"
        }
        s += "</g>"
        let barWidth = min(slot * 0.62, 64)
        for (i, category) in categories.enumerated() {
            let x = left + slot * Double(i) + (slot - barWidth) / 2
            var base = 0.0
            for item in series where i < item.values.count && item.values[i] > 0 {
                let v = item.values[i]
                s += "<rect x=\"\(Markup.n(x))\" y=\"\(Markup.n(y(base + v)))\" width=\"\(Markup.n(barWidth))\" height=\"\(Markup.n(max(0.5, y(base) - y(base + v))))\" fill=\"\(e(item.color))\"><title>\(e(category)) · \(e(item.name)): \(Format.count(Int(v.rounded())))</title></rect>"
                base += v
            }
            s += "<text class=\"value\" x=\"\(Markup.n(x + barWidth / 2))\" y=\"\(Markup.n(y(base) - 4))\" text-anchor=\"middle\" font-size=\"\(Markup.n(f - 1))\">\(e(label(i)))</text>"
            let cx = left + slot * (Double(i) + 0.5), cy = y0 + f + 4
            if turned {
                s += "<text x=\"\(Markup.n(cx))\" y=\"\(Markup.n(cy))\" font-size=\"\(Markup.n(f - 1))\" text-anchor=\"end\" transform=\"rotate(-35 \(Markup.n(cx)) \(Markup.n(cy)))\">\(e(category))</text>"
            } else {
                s += "<text x=\"\(Markup.n(cx))\" y=\"\(Markup.n(cy))\" font-size=\"\(Markup.n(f - 1))\" text-anchor=\"middle\">\(e(category))</text>"
            }
        }
        s += "<line x1=\"\(Markup.n(left))\" x2=\"\(Markup.n(width - right))\" y1=\"\(Markup.n(y0))\" y2=\"\(Markup.n(y0))\" stroke=\"#334155\"/>"
        s += "<line x1=\"\(Markup.n(left))\" x2=\"\(Markup.n(left))\" y1=\"\(Markup.n(plotTop))\" y2=\"\(Markup.n(y0))\" stroke=\"#334155\"/>"
        // Axis titles.
        s += "<text class=\"axis-label x-label\" x=\"\(Markup.n(left + plotWidth / 2))\" y=\"\(Markup.n(height - 6))\" text-anchor=\"middle\" font-size=\"\(Markup.n(f))\" font-weight=\"600\">\(e(categoryAxis))</text>"
        let ly = plotTop + plotHeight / 2
        s += "<text class=\"axis-label y-label\" x=\"14\" y=\"\(Markup.n(ly))\" text-anchor=\"middle\" font-size=\"\(Markup.n(f))\" font-weight=\"600\" transform=\"rotate(-90 14 \(Markup.n(ly)))\">\(e(valueAxis))</text>"
        return s + "</svg>"
    }

    // MARK: - Bars

    private func bars(id: String) -> String {
        let e = Markup.escape, f = Self.font
        let (legendMarkup, legendHeight) = legend(top: 38)
        let plotTop = 38 + legendHeight + 10
        let row = categories.count <= 6 ? 34.0 : 26.0
        let plotHeight = row * Double(max(categories.count, 1))
        let labelWidth = categories.map { Self.textWidth($0) }.max() ?? 0
        let endWidth = (categories.indices.map { Self.textWidth(label($0)) }.max() ?? 0) + 8
        let left = 22 + labelWidth + 8, right = max(16, endWidth)
        let plotWidth = width - left - right
        let axis = ValueAxis(covering: totals.max() ?? 0)
        let y0 = plotTop + plotHeight
        let height = y0 + f + 8 + 28
        func x(_ v: Double) -> Double { left + v / axis.maximum * plotWidth }

        var s = header(id: id, height: height) + legendMarkup
        s += "<g class=\"axis\" font-size=\"\(Markup.n(f - 1))\" fill=\"#475569\">"
        for t in axis.ticks {
            s += "<line x1=\"\(Markup.n(x(t)))\" x2=\"\(Markup.n(x(t)))\" y1=\"\(Markup.n(plotTop))\" y2=\"\(Markup.n(y0))\" stroke=\"#e2e8f0\"/>"
            s += "<text x=\"\(Markup.n(x(t)))\" y=\"\(Markup.n(y0 + f + 4))\" text-anchor=\"middle\">\(e(axis.label(t)))</text>"
        }
        s += "</g>"
        let barHeight = row * 0.66
        for (i, category) in categories.enumerated() {
            let y = plotTop + row * Double(i) + (row - barHeight) / 2
            s += "<text x=\"\(Markup.n(left - 6))\" y=\"\(Markup.n(y + barHeight / 2 + 4))\" text-anchor=\"end\" font-size=\"\(Markup.n(f))\">\(e(category))</text>"
            var base = 0.0
            for item in series where i < item.values.count && item.values[i] > 0 {
                let v = item.values[i]
                s += "<rect x=\"\(Markup.n(x(base)))\" y=\"\(Markup.n(y))\" width=\"\(Markup.n(max(0.5, x(base + v) - x(base))))\" height=\"\(Markup.n(barHeight))\" fill=\"\(e(item.color))\"><title>\(e(category)) · \(e(item.name)): \(Format.count(Int(v.rounded())))</title></rect>"
                base += v
            }
            s += "<text class=\"value\" x=\"\(Markup.n(x(base) + 4))\" y=\"\(Markup.n(y + barHeight / 2 + 4))\" font-size=\"\(Markup.n(f - 1))\">\(e(label(i)))</text>"
        }
        s += "<line x1=\"\(Markup.n(left))\" x2=\"\(Markup.n(left))\" y1=\"\(Markup.n(plotTop))\" y2=\"\(Markup.n(y0))\" stroke=\"#334155\"/>"
        s += "<line x1=\"\(Markup.n(left))\" x2=\"\(Markup.n(left + plotWidth))\" y1=\"\(Markup.n(y0))\" y2=\"\(Markup.n(y0))\" stroke=\"#334155\"/>"
        s += "<text class=\"axis-label x-label\" x=\"\(Markup.n(left + plotWidth / 2))\" y=\"\(Markup.n(height - 6))\" text-anchor=\"middle\" font-size=\"\(Markup.n(f))\" font-weight=\"600\">\(e(valueAxis))</text>"
        let ly = plotTop + plotHeight / 2
        s += "<text class=\"axis-label y-label\" x=\"14\" y=\"\(Markup.n(ly))\" text-anchor=\"middle\" font-size=\"\(Markup.n(f))\" font-weight=\"600\" transform=\"rotate(-90 14 \(Markup.n(ly)))\">\(e(categoryAxis))</text>"
        return s + "</svg>"
    }
}

/// Colours the report uses, so the same thing has the same colour everywhere.
public enum Palette {
    static let categorical = ["#2563eb", "#f59e0b", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#0f766e", "#9333ea", "#64748b"]
    /// Lowest tier lightest.
    static let tiers = ["#bfdbfe", "#60a5fa", "#2563eb", "#1d4ed8", "#1e3a8a", "#172554"]
    static let none = "#cbd5e1"

    static func band(_ name: String, index: Int) -> String {
        switch name.lowercased() {
        case "green", "healthy", "good": "#16a34a"
        case "yellow", "watch": "#eab308"
        case "amber", "orange", "at risk", "at_risk": "#f97316"
        case "red", "critical", "poor": "#dc2626"
        default: categorical[index % categorical.count]
        }
    }

    static func tier(_ name: String, rank: Int) -> String {
        name == "none" ? none : tiers[min(rank, tiers.count - 1)]
    }
}
