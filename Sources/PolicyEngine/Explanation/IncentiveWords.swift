import PartnerModel

/// What a partner earns, in words: why a rule pays what it pays this period
/// (basis, rate, tier, accelerators, cap, suspension), and what the next
/// accelerator or tier would pay. `explain` and fixture failures show them.
public enum IncentiveWords {
    /// An amount with thousands separators and two decimals: `48,000.00`.
    public static func money(_ value: ExactDecimal) -> String { grouped(value.text(places: 2)) }

    /// A basis: money with its cents only when it has some (`48,000`, `1,844.92`), a count as is.
    static func basis(_ value: ExactDecimal, _ line: IncentiveLine) -> String {
        line == .spiff ? value.description : grouped(value.cents.normalized.scale == 0 ? value.cents.text(places: 0) : value.text(places: 2))
    }

    public static func grouped(_ text: String) -> String {
        var integer = Substring(text)
        var sign = ""
        if integer.first == "-" { sign = "-"; integer = integer.dropFirst() }
        var fraction = ""
        if let point = integer.firstIndex(of: ".") {
            fraction = String(integer[point...])
            integer = integer[..<point]
        }
        var digits = Array(integer)
        var out: [Character] = []
        while digits.count > 3 {
            out.insert(contentsOf: [","] + digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        return sign + String(digits) + String(out) + fraction
    }

    /// Why the rule pays `e.amount` this period, one line each.
    public static func why(_ e: IncentiveEarning) -> [String] {
        var lines: [String] = []
        let period = "\(e.period.label) (\(e.period.start) to \(e.period.end))"
        let tier = e.tier.map { "tier \($0)" } ?? "no tier"
        if e.line == .spiff {
            let rate = e.rate.map(money) ?? "nothing"
            lines.append("\(period): \(e.basis) qualifying \(e.basis == ExactDecimal(1) ? "event" : "events") × \(rate) = \(money(e.amount))")
        } else if let rate = e.rate {
            var text = "\(period): \(rate.percent) (\(tier)) of \(basis(e.eligible, e.line))"
            if let last = e.basisLastYear { text += " growth over last year's \(basis(last, e.line))" }
            text += " = \(money(e.amount))"
            lines.append(text)
        } else {
            lines.append("\(period): \(tier) earns no rate under this rule (basis \(basis(e.eligible, e.line)))")
        }
        if e.accelerators > 0 {
            lines.append("the period's basis reached \(e.accelerators == 1 ? "an accelerator" : "\(e.accelerators) accelerators"): "
                         + "the rate applies to all of it, back to the first unit")
        }
        if let cap = e.cap, e.capped { lines.append("capped at \(money(cap)) for the period") }
        if e.suspended { lines.append("suspended now: the benefit is suspended by a lapsed gate, so nothing more accrues") }
        if !e.excluded.isZero {
            lines.append("\(basis(e.excluded, e.line)) of the basis came while the benefit was suspended and does not accrue")
        }
        return lines
    }

    /// What the next accelerator or a higher tier would pay this period, if anything.
    public static func next(_ e: IncentiveEarning, rule: IncentiveRule, tiers: [TierDefinition]) -> [String] {
        guard rule.line != .spiff, !e.suspended else { return [] }
        var lines: [String] = []
        let unit = rule.every.rawValue
        if let next = rule.accelerators.first(where: { $0.at > e.eligible }), let now = e.rate,
           let then = rule.rate(on: next.at, tier: e.tier, base: .given(e.baseRate))?.rate {
            let more = next.at - e.eligible
            // The uplift on the whole threshold basis: the new rate less the current one, on all of it.
            let gain = rule.amount(on: next.at, tier: e.tier, base: .given(e.baseRate)).amount
                - rule.amount(on: next.at, tier: e.tier, reaching: e.eligible, base: .given(e.baseRate)).amount
            lines.append("another \(basis(more, rule.line)) this \(unit) lifts the \(rule.line == .rebate ? "rebate" : "rate") "
                         + "from \(now.percent) to \(then.percent) on all \(basis(next.at, rule.line)): +\(money(gain))")
        }
        // A rate function's rate for another tier is not known without calling it as that tier.
        if !rule.rateIsFunction, let index = tiers.firstIndex(where: { $0.name == e.tier }) ?? (e.tier == nil ? -1 : nil) {
            for higher in tiers.dropFirst(index + 1) {
                let result = rule.amount(on: e.eligible, tier: higher.name)
                guard let rate = result.rate, result.amount > e.amount else { continue }
                lines.append("as \(higher.name) (\(rate.percent)) the \(unit) so far would pay \(money(result.amount)): "
                             + "+\(money(result.amount - e.amount))")
                break
            }
        }
        return lines
    }
}
