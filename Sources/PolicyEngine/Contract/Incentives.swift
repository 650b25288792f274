import LuaHost
import PartnerModel

/// A policy's `incentives`: what partners earn — commissions, rebates with
/// accelerators, growth rebates, MDF accruals and SPIFFs — each over a
/// payment period, paid in one currency (docs/policies.md, "Incentives").
///
/// Rules are plain values. Their bases are measures the host adds to the
/// set's plan (hidden: policies and exports do not see them), so the
/// snapshot pass computes every basis with the other measures and an
/// evaluation only multiplies.
public struct IncentivePlan: Sendable {
    /// The currency every line is paid in (`"USD"`); events are not converted.
    public var currency: String
    public var rules: [IncentiveRule]
}

/// The line types of the incentive ledger.
public enum IncentiveLine: String, Sendable, Hashable, CaseIterable, Codable {
    case commission
    case rebate
    case growthRebate = "growth_rebate"
    case mdf
    case spiff

    /// The constructor that declares it.
    public var constructor: String { "ps.\(rawValue)" }

    /// The tier benefit it belongs to unless the rule names one: a gate
    /// suspending that benefit stops the line from accruing.
    var defaultBenefit: String? {
        switch self {
        case .commission: "commission"
        case .rebate, .growthRebate: "rebate"
        case .mdf: "mdf"
        case .spiff: nil
        }
    }
}

/// A rate: a number for everyone, a tier benefit's value, or one per tier.
public enum IncentiveRate: Sendable {
    case fixed(ExactDecimal)
    /// The named benefit of the tier held (tiers without it earn nothing).
    case benefit(String)
    /// Tier name → rate (tiers not listed earn nothing).
    case byTier([String: ExactDecimal])
    /// `rate = function(p, tier) ... end`: called for each partner at each
    /// evaluation, under the policy's limits; it returns the rate (0 to 1) or nil for none.
    case function(LuaReference)
}

/// One rule of `incentives`.
public struct IncentiveRule: Sendable {
    public var name: String
    public var line: IncentiveLine
    /// The payment period: month, quarter or year.
    public var every: CalendarUnit
    public var fiscalYearStart: Int
    /// The basis: a (hidden or declared) measure summing the period to date;
    /// for a SPIFF, the number of qualifying events in the promotion's days of the period.
    public var basis: Int
    /// Growth rebates: the same basis a year earlier (the period to the same day last year).
    public var basisLastYear: Int?
    /// The basis counted only on days the credentials of the gates suspending the
    /// rule's benefit were valid (nil: no gate suspends it), and those gates' names.
    public var basisWhileValid: Int?
    public var gates: [String] = []
    /// What the basis counts, in words.
    public var basisMeaning: String
    /// Commission, rebates and MDF: the rate. A SPIFF's is its amount per event.
    public var rate: IncentiveRate
    /// Rebates: crossing `at` in the period adds `add` to the rate for the whole period.
    public var accelerators: [Accelerator]
    /// MDF: the most a period accrues (per tier when a benefit).
    public var cap: IncentiveRate?
    /// The tier benefit this line belongs to (a gate suspending it stops the accrual).
    public var benefit: String?
    /// SPIFF: the promotion's days and the event kind it pays for.
    public var promotion: (from: Day, to: Day, kind: String, products: [String])?
    public var file: String
    public var sourceLine: Int?

    public struct Accelerator: Sendable, Equatable {
        public var at: ExactDecimal
        public var add: ExactDecimal
    }

    /// `file:line` of the declaration.
    public var location: String { sourceLine.map { "\(file):\($0)" } ?? file }
}

/// A payment period: its label (`2026-10`, `2026-Q4`, `2026`; `FY2027-Q1`
/// with a fiscal year not starting in January, named by the calendar year it
/// ends in) and its first and last days.
public struct IncentivePeriod: Sendable, Hashable {
    public var unit: CalendarUnit
    public var fiscalYearStart: Int
    public var start: Day
    public var end: Day

    /// The period of `unit` holding `day`.
    public init(_ unit: CalendarUnit, fiscalYearStart: Int, holding day: Day) {
        self.unit = unit
        self.fiscalYearStart = fiscalYearStart
        start = unit.start(of: day, fiscalYearStart: fiscalYearStart)
        end = start.adding(months: unit.months).adding(days: -1)
    }

    /// Made when shown or written, not for every evaluation: `2026-10`, `2026-Q4`, `FY2027-Q1`.
    public var label: String {
        let (y, m, _) = start.components
        func padded(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        if unit == .month { return padded(y, 4) + "-" + padded(m, 2) }
        // A fiscal year is named by the calendar year it ends in.
        let yearStart = CalendarUnit.year.start(of: start, fiscalYearStart: fiscalYearStart)
        let endYear = yearStart.adding(months: 11).components.year
        let year = fiscalYearStart == 1 ? padded(endYear, 4) : "FY" + padded(endYear, 4)
        let offset = (y * 12 + m) - (yearStart.components.year * 12 + yearStart.components.month)
        switch unit {
        case .quarter: return "\(year)-Q\(offset / 3 + 1)"
        case .half: return "\(year)-H\(offset / 6 + 1)"
        default: return year
        }
    }
}

/// What one rule pays a partner for the period holding the evaluation day:
/// E(basis), with the tier held after the evaluation.
public struct IncentiveEarning: Sendable, Equatable {
    /// The rule's position in the policy's ``IncentivePlan/rules``.
    public var rule: Int
    public var name: String
    public var line: IncentiveLine
    public var period: IncentivePeriod
    /// The period's basis to date (a SPIFF: how many qualifying events).
    public var basis: ExactDecimal
    /// The rate that applies to the whole basis (a SPIFF: the amount per event); nil: no rate for the tier.
    public var rate: ExactDecimal?
    /// E(basis): what the period earns so far, to the cent.
    public var amount: ExactDecimal
    public var tier: String?
    /// Rebates: how many accelerators the basis reached.
    public var accelerators: Int
    /// MDF: the cap that applied, and whether the amount was held to it.
    public var cap: ExactDecimal?
    public var capped: Bool
    /// Whether the line's benefit is suspended by a lapsed gate (then nothing more accrues).
    public var suspended: Bool
    /// Growth rebates: the basis a year earlier.
    public var basisLastYear: ExactDecimal?
    /// The rate before accelerators: the tier's, or what the rule's rate function returned (nil: none).
    public var baseRate: ExactDecimal?

    public init(rule: Int, name: String, line: IncentiveLine, period: IncentivePeriod, basis: ExactDecimal, rate: ExactDecimal?,
                amount: ExactDecimal, tier: String?, accelerators: Int, cap: ExactDecimal?, capped: Bool, suspended: Bool,
                basisLastYear: ExactDecimal?) {
        (self.rule, self.name, self.line, self.period, self.basis, self.rate, self.amount, self.tier) =
            (rule, name, line, period, basis, rate, amount, tier)
        (self.accelerators, self.cap, self.capped, self.suspended, self.basisLastYear) = (accelerators, cap, capped, suspended, basisLastYear)
    }
    /// The part of the basis dated on days a gate suspending the line's
    /// benefit was lapsed (its credential not valid): it does not accrue.
    public var excluded: ExactDecimal = .zero

    /// The basis that accrues: ``basis`` less what suspensions excluded.
    public var eligible: ExactDecimal { basis - excluded }

    /// The amount before its one rounding to the cent: the rate times the
    /// eligible basis (a SPIFF: the amount per event times the events), or the cap.
    public var unrounded: ExactDecimal {
        if capped, let cap { return cap }
        return (rate ?? .zero) * eligible
    }
}

/// Where a rate starts before accelerators: the tier's, or one given (a rate function's result; nil: none).
public enum RateBase: Sendable {
    case tier
    case given(ExactDecimal?)
}

extension IncentiveRule {
    /// The rate for `tier` (before accelerators); nil when the tier earns nothing.
    public func baseRate(tier: String?) -> ExactDecimal? { Self.value(rate, tier: tier) }

    /// The cap for `tier`: nil without a cap; zero for a tier without the cap benefit.
    public func capAmount(tier: String?) -> ExactDecimal? {
        guard let cap else { return nil }
        return Self.value(cap, tier: tier) ?? .zero
    }

    static func value(_ rate: IncentiveRate, tier: String?) -> ExactDecimal? {
        switch rate {
        case .fixed(let value): return value
        case .benefit: return nil   // resolved per tier by the plan (``IncentivePlan/resolved(tiers:)``)
        case .byTier(let rates): return tier.flatMap { rates[$0] }
        case .function: return nil   // called per partner: the earning's ``IncentiveEarning/baseRate``
        }
    }

    /// Whether the rate is a function of the partner (explanations cannot say what another tier would earn).
    public var rateIsFunction: Bool { if case .function = rate { true } else { false } }

    /// The rate on a basis of `basis`: the base rate (`base`, or the tier's) plus every accelerator reached.
    public func rate(on basis: ExactDecimal, tier: String?, base: RateBase = .tier) -> (rate: ExactDecimal, accelerators: Int)? {
        let start: ExactDecimal?
        switch base {
        case .tier: start = baseRate(tier: tier)
        case .given(let given): start = given
        }
        guard var rate = start else { return nil }
        var reached = 0
        for a in accelerators where basis >= a.at {
            rate = rate + a.add
            reached += 1
        }
        return (rate, reached)
    }

    /// E(basis): what a period with this basis pays, rounded once to the cent.
    /// `reaching`: the basis whose accelerators set the rate (default the
    /// basis itself) — the rate a period's whole basis earns, applied to part of it.
    /// `base`: the base rate a rate function returned (default: the tier's).
    public func amount(on basis: ExactDecimal, tier: String?, reaching: ExactDecimal? = nil, base: RateBase = .tier)
        -> (amount: ExactDecimal, rate: ExactDecimal?, accelerators: Int, cap: ExactDecimal?, capped: Bool) {
        guard let (rate, reached) = rate(on: reaching ?? basis, tier: tier, base: base) else {
            return (.zero.cents, nil, 0, capAmount(tier: tier), false)
        }
        var amount = (rate * basis).cents
        let cap = capAmount(tier: tier)
        var capped = false
        if let cap, amount > cap {
            amount = cap.cents
            capped = true
        }
        return (amount, rate, reached, cap, capped)
    }
}

extension IncentivePlan {
    /// The plan with benefit-named rates and caps turned into per-tier tables.
    func resolved(tiers: [TierDefinition]) -> IncentivePlan {
        func perTier(_ rate: IncentiveRate?, isRate: Bool) -> IncentiveRate? {
            guard case .benefit(let name)? = rate else { return rate }
            var table: [String: ExactDecimal] = [:]
            for tier in tiers {
                // Checked when the policy loaded (PolicyLoader.checkBenefit): every tier's value is exact.
                if case .number(let n)? = tier.benefits[name], let value = PolicyLoader.exact(n, rate: isRate) { table[tier.name] = value }
            }
            return .byTier(table)
        }
        var plan = self
        for i in plan.rules.indices {
            plan.rules[i].rate = perTier(plan.rules[i].rate, isRate: true)!
            plan.rules[i].cap = perTier(plan.rules[i].cap, isRate: false)
        }
        return plan
    }

    /// What each rule pays for the period holding `asOf`, from the snapshot's
    /// bases, for the tier held after the evaluation. `suspended`: the
    /// benefits a lapsed gate suspends now; `applicable`: the gates that apply
    /// to the partner (their suspension excludes the basis dated while their
    /// credential was not valid, day by day).
    /// `rateFunction` calls a rule's rate function for the partner (rules whose rate is one).
    public func earnings(_ snapshot: PartnerSnapshot, tier: String?, suspended: [String], applicable: [String],
                         rateFunction: (LuaReference, IncentiveRule) throws -> ExactDecimal? = { _, _ in nil }) rethrows -> [IncentiveEarning] {
        try rules.indices.map { i in
            let rule = rules[i]
            var base = rule.baseRate(tier: tier)
            if case .function(let function) = rule.rate { base = try rateFunction(function, rule) }
            let period = IncentivePeriod(rule.every, fiscalYearStart: rule.fiscalYearStart, holding: snapshot.asOf)
            var basis = ExactDecimal(money: snapshot.measure(rule.basis) ?? 0)
            var eligible = basis
            if let valid = rule.basisWhileValid, rule.gates.contains(where: applicable.contains) {
                eligible = ExactDecimal(money: snapshot.measure(valid) ?? 0)
            }
            var lastYear: ExactDecimal?
            if let previous = rule.basisLastYear {
                let before = ExactDecimal(money: snapshot.measure(previous) ?? 0)
                lastYear = before
                basis = ExactDecimal.max(.zero, basis - before)
                eligible = ExactDecimal.max(.zero, eligible - before)
            }
            let result = rule.amount(on: eligible, tier: tier, base: .given(base))
            var earning = IncentiveEarning(rule: i, name: rule.name, line: rule.line, period: period, basis: basis, rate: result.rate,
                                           amount: result.amount, tier: tier, accelerators: result.accelerators, cap: result.cap,
                                           capped: result.capped, suspended: rule.benefit.map { suspended.contains($0) } ?? false,
                                           basisLastYear: lastYear)
            earning.excluded = basis - eligible
            earning.baseRate = base
            return earning
        }
    }
}
