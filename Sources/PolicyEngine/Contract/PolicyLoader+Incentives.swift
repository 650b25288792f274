import LuaHost
import PartnerModel

/// The `incentives` field of a policy: a currency and a list of
/// `ps.commission`, `ps.rebate`, `ps.growth_rebate`, `ps.mdf` and `ps.spiff`
/// rules (docs/policies.md, "Incentives").
///
/// Read twice, like measures: first for the bases, which become hidden
/// measures of the set's plan (``incentiveBases(from:)``), then in full
/// against the plan and the tiers (``incentives(from:tiers:)``). Every error
/// names the file, the rule's line and the field.
extension PolicyLoader {
    /// The hidden measures computing the bases of the policy's incentive rules.
    func incentiveBases(from root: LuaValue) throws -> [MeasureDeclaration] {
        guard let drafts = try incentiveDrafts(root) else { return [] }
        return drafts.rules.flatMap { $0.hidden }
    }

    /// The policy's incentives, checked against the set's measures and the policy's tiers.
    func incentives(from root: LuaValue, tiers: [TierDefinition]) throws -> IncentivePlan? {
        guard let drafts = try incentiveDrafts(root) else { return nil }
        var rules: [IncentiveRule] = []
        for draft in drafts.rules {
            var rule = draft.rule
            let spec = draft.spec
            func index(of name: String) throws -> Int {
                guard let i = measures.index(of: name) else { throw spec.error("basis", "no measure named '\(name)'") }
                return i
            }
            if let valid = measures.index(of: "\(file): \(rule.name) while valid") {
                rule.basisWhileValid = valid
                rule.gates = gatesSuspending(rule.benefit, root: root).map(\.name)
            }
            switch draft.basis {
            case .hidden(let name, let lastYear):
                rule.basis = try index(of: name)
                rule.basisLastYear = try lastYear.map(index(of:))
                if rule.line != .spiff && measures.types[rule.basis] != .money {
                    throw spec.error("basis", "the basis must be money: revenue or deal amounts, or a custom kind with format = \"money\"")
                }
            case .declared(let name, let lastYear):
                guard let i = measures.index(of: name), i < measures.shownCount, declared.contains(name) else {
                    throw spec.error("basis", "no measure named '\(name)'"
                        + (Suggestion.closest(to: name, among: measures.names).map { " — did you mean '\($0)'?" }
                           ?? " (name a sum measure the set declares, or give the events: basis = { kind = \"revenue\" })"))
                }
                let expected = MeasureWindow.toDate(rule.every, fiscalYearStart: rule.fiscalYearStart)
                guard case .events(let e) = measures.declarations[i].definition, e.aggregation == .sum, e.ago == nil,
                      e.window == expected, measures.types[i] == .money else {
                    throw spec.error("basis", "measure '\(name)' (\(measures.declarations[i].location)) must be a money sum over the "
                        + "payment period to date — aggregate = \"sum\", window = \"\(rule.every.rawValue)_to_date\""
                        + (rule.fiscalYearStart == 1 ? "" : ", fiscal_year_start = \(rule.fiscalYearStart)") + ", no ago — to be a basis")
                }
                rule.basis = i
                rule.basisLastYear = try lastYear.map(index(of:))
                rule.basisMeaning = measures.declarations[i].meaning
            }
            if case .benefit(let benefit) = rule.rate {
                try checkBenefit(benefit, field: "rate", spec: spec, tiers: tiers, fraction: true)
            }
            // A benefit named on purpose must be one a tier has, or no gate could ever suspend the rule.
            if let benefit = spec["benefit"]?.stringValue {
                try requireBenefit(benefit, field: "benefit", spec: spec, tiers: tiers)
            }
            if case .byTier(let rates) = rule.rate {
                for name in rates.keys.sorted() where !tiers.contains(where: { $0.name == name }) {
                    throw spec.error("rate.\(name)", "no tier named '\(name)'" + Suggestion.didYouMean(name, among: tiers.map(\.name)))
                }
            }
            if case .benefit(let benefit)? = rule.cap {
                try checkBenefit(benefit, field: "cap", spec: spec, tiers: tiers, fraction: false)
            }
            if case .byTier(let caps)? = rule.cap {
                for name in caps.keys.sorted() where !tiers.contains(where: { $0.name == name }) {
                    throw spec.error("cap.\(name)", "no tier named '\(name)'" + Suggestion.didYouMean(name, among: tiers.map(\.name)))
                }
            }
            // A rate is at most 1 also after its accelerators: the highest base rate plus every `add`.
            // (A rate function's result is checked the same way at each call.)
            if !rule.accelerators.isEmpty {
                let bases: [ExactDecimal] = switch rule.rate {
                case .fixed(let value): [value]
                case .byTier(let rates): Array(rates.values)
                case .benefit(let name): tiers.compactMap { tier in
                        if case .number(let n)? = tier.benefits[name] { Self.exact(n, rate: true) } else { nil }
                    }
                case .function: []
                }
                let added = rule.accelerators.reduce(ExactDecimal.zero) { $0 + $1.add }
                if let highest = bases.max(), highest + added > ExactDecimal(1) {
                    throw spec.error("accelerators", "the rate reaches \(highest + added) (the highest base rate \(highest) plus "
                        + "\(added) from the accelerators); a rate is at most 1 — lower the base rate or the adds")
                }
            }
            rules.append(rule)
        }
        return IncentivePlan(currency: drafts.currency, rules: rules).resolved(tiers: tiers)
    }

    /// A rate or cap naming a benefit: some tier must have it, and every tier having it must give a number.
    private func checkBenefit(_ benefit: String, field: String, spec: ContractTable, tiers: [TierDefinition], fraction: Bool) throws {
        try requireBenefit(benefit, field: field, spec: spec, tiers: tiers)
        for tier in tiers where tier.benefits[benefit] != nil {
            guard case .number(let n)? = tier.benefits[benefit], Self.exact(n, rate: fraction) != nil, n >= 0, !fraction || n <= 1 else {
                throw spec.error(field, "tier '\(tier.name)' gives benefit '\(benefit)' as \(tier.benefits[benefit]!); "
                    + (fraction ? "a rate is a number from 0 to 1 (0.12 for 12%)" : "a cap is an amount, a number ≥ 0") + " (\(Self.limits))",
                    line: spec.line)
            }
        }
    }

    /// Some tier must have the benefit `field` names; else the error lists the benefits there are.
    private func requireBenefit(_ benefit: String, field: String, spec: ContractTable, tiers: [TierDefinition]) throws {
        guard !tiers.contains(where: { $0.benefits[benefit] != nil }) else { return }
        let names = Set(tiers.flatMap(\.benefits.keys)).sorted()
        throw spec.error(field, "no tier has a benefit named '\(benefit)'" + Suggestion.didYouMean(benefit, among: names)
            + (names.isEmpty ? " (the tiers declare no benefits)" : " (benefits: \(names.joined(separator: ", ")))"))
    }

    // MARK: - Drafts

    private struct Drafts {
        var currency: String
        var rules: [Draft]
    }

    private enum Basis {
        /// A basis given as events: hidden measures (the period's, and last year's for a growth rebate).
        case hidden(String, lastYear: String?)
        /// A declared sum measure (and a hidden copy of it a year earlier for a growth rebate).
        case declared(String, lastYear: String?)
    }

    private struct Draft {
        var rule: IncentiveRule
        var spec: ContractTable
        var basis: Basis
        var hidden: [MeasureDeclaration]
    }

    static let incentiveKinds: [String: IncentiveLine] = ["commission": .commission, "rebate": .rebate,
                                                         "growth_rebate": .growthRebate, "mdf": .mdf, "spiff": .spiff]

    private func incentiveDrafts(_ root: LuaValue) throws -> Drafts? {
        guard case .table(let fields) = root, let value = fields["incentives"], !value.isNil else { return nil }
        let policyLine = ContractTable.line(of: root)
        let table = try ContractTable(value, path: "incentives", line: policyLine, file: file,
                                      expected: "a table: { currency = \"USD\", ps.commission \"Name\" { ... }, ... }")
        let count = (1...).prefix { table.fields[String($0)] != nil }.count
        try table.allow(Contract.fieldNames(of: .incentives) + (0..<count).map { String($0 + 1) })
        guard let currency = try table.string("currency", "a currency code such as \"USD\""),
              currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw table.error("currency", "expected the currency lines are paid in, a three-letter code such as \"USD\"")
        }
        guard count > 0 else {
            throw table.error(nil, "expected at least one rule: ps.commission, ps.rebate, ps.growth_rebate, ps.mdf or ps.spiff \"Name\" { ... }")
        }
        var drafts: [Draft] = []
        for i in 1...count {
            let draft = try self.draft(table.fields[String(i)]!, path: "incentives[\(i)]", policyLine: policyLine, root: root)
            if let other = drafts.first(where: { $0.rule.name == draft.rule.name }) {
                throw draft.spec.error("name", "rule '\(draft.rule.name)' is declared twice (first at \(other.rule.location)); "
                                       + "the ledger keeps lines by rule name")
            }
            drafts.append(draft)
        }
        return Drafts(currency: currency, rules: drafts)
    }

    private func draft(_ value: LuaValue, path: String, policyLine: Int?, root: LuaValue) throws -> Draft {
        let spec = try ContractTable(value, path: path, line: policyLine, file: file,
                                     expected: "ps.commission, ps.rebate, ps.growth_rebate, ps.mdf or ps.spiff \"Name\" { ... }")
        guard let kind = spec.kind, let line = Self.incentiveKinds[kind] else {
            throw spec.error(nil, "expected ps.commission, ps.rebate, ps.growth_rebate, ps.mdf or ps.spiff \"Name\" { ... }"
                + (spec.kind.map { ", got a \($0) (ps.\($0) ...)" } ?? ", got a plain table"))
        }
        try spec.allow(Contract.fieldNames(of: Self.declaration(of: line)))
        guard let name = spec["name"]?.stringValue, !name.isEmpty else {
            throw spec.error("name", "expected a name: \(line.constructor) \"Name\" { ... }")
        }
        _ = try spec.string("description", "a text", nonEmpty: false)
        let everyText = try spec.string("every", "\"month\", \"quarter\" or \"year\"") ?? (line == .spiff ? "month" : nil)
        guard let everyText else { throw spec.error("every", "expected the payment period: \"month\", \"quarter\" or \"year\"") }
        guard let every = CalendarUnit(rawValue: everyText), every != .half else {
            throw spec.error("every", "unknown payment period '\(everyText)'"
                + Suggestion.didYouMean(everyText, among: ["month", "quarter", "year"]) + " (expected month, quarter or year)")
        }
        let fail: (String, String) -> PolicyError = { spec.error($0.isEmpty ? nil : $0, $1) }
        let fiscal = try fiscalYearStart(spec["fiscal_year_start"], fail: fail)
        if fiscal != nil && every == .month {
            throw spec.error("fiscal_year_start", "months do not depend on the fiscal year; give it with every = \"quarter\" or \"year\"")
        }
        let benefit = try spec.string("benefit", "a tier benefit's name") ?? line.defaultBenefit
        var rule = IncentiveRule(name: name, line: line, every: every, fiscalYearStart: fiscal ?? 1, basis: 0, basisLastYear: nil,
                                 basisMeaning: "", rate: .fixed(.zero), accelerators: [], cap: nil, benefit: benefit, promotion: nil,
                                 file: file, sourceLine: spec.line)
        let toDate = MeasureWindow.toDate(every, fiscalYearStart: rule.fiscalYearStart)
        let hiddenName = "\(file): \(name)"
        var hidden: [MeasureDeclaration] = []
        let basis: Basis
        if line == .spiff {
            guard let fromText = try spec.string("from", "the promotion's first day, \"YYYY-MM-DD\""),
                  let toText = try spec.string("to", "the promotion's last day, \"YYYY-MM-DD\"") else {
                throw spec.error(spec.has("from") ? "to" : "from", "a SPIFF needs its promotion's days: from = \"2026-10-01\", to = \"2026-12-31\"")
            }
            let from: Day, to: Day
            do { from = try Day(parsing: fromText) } catch { throw spec.error("from", "\(error)") }
            do { to = try Day(parsing: toText) } catch { throw spec.error("to", "\(error)") }
            guard from <= to else { throw spec.error("to", "the promotion ends (\(to)) before it starts (\(from))") }
            let kind = try spec.string("kind", "\"deal_won\" or \"deal_registered\"") ?? "deal_won"
            guard kind == "deal_won" || kind == "deal_registered" else {
                throw spec.error("kind", "a SPIFF pays per deal won or registration: expected \"deal_won\" or \"deal_registered\""
                    + Suggestion.didYouMean(kind, among: ["deal_won", "deal_registered"]))
            }
            let products = try spec.names("products", "a list of products, e.g. { \"managed-k8s\" }")
            guard let amount = try spec.number("amount", "the amount paid per qualifying event, a number > 0"), amount > 0,
                  let exact = Self.exact(amount, rate: false) else {
                throw spec.error("amount", "expected the amount paid per qualifying event, a number > 0 (\(Self.limits))")
            }
            rule.rate = .fixed(exact)
            rule.promotion = (from, to, kind, products)
            let selection = EventSelection(kinds: [kind], products: products)
            let window = MeasureWindow.datedToDate(from: from, to: to, every, fiscalYearStart: rule.fiscalYearStart)
            let definition = MeasureDefinition.events(EventAggregate(events: selection, window: window, aggregation: .count, number: .amount))
            hidden.append(MeasureDeclaration(name: hiddenName, definition: definition, file: file, line: spec.line, isHidden: true))
            rule.basisMeaning = definition.meaning
            basis = .hidden(hiddenName, lastYear: nil)
        } else {
            switch spec["basis"] {
            case nil:
                throw spec.error("basis", "expected the eligible amount: the events, basis = { kind = \"revenue\" }, "
                                 + "or the name of a sum measure over the \(every.rawValue) to date")
            case .string(let measure)?:
                var lastYear: String?
                if let d = try measures(from: root).first(where: { $0.name == measure }), case .events(let declared) = d.definition,
                   declared.ago == nil {
                    // A growth rebate compares with the same measure a year earlier: a hidden copy taken 12 months ago.
                    if line == .growthRebate {
                        var before = declared
                        before.ago = Period(months: 12)
                        lastYear = "\(hiddenName) last year"
                        hidden.append(MeasureDeclaration(name: lastYear!, definition: .events(before), file: file, line: spec.line, isHidden: true))
                    }
                    hidden += whileValid(declared, name: hiddenName, benefit: benefit, root: root, line: spec.line)
                }
                basis = .declared(measure, lastYear: lastYear)
            case let value?:
                let table = try ContractTable(value, path: "\(path).basis", line: spec.line, file: file,
                                              expected: "the events: { kind = \"revenue\", products = { ... } }")
                try table.allow(Contract.fieldNames(of: .incentiveBasis))
                let selection = try self.selection(table.fields, fail: { table.error($0, $1) })
                let format = try table.string("format", "\"money\"")
                if let format, format != "money" { throw table.error("format", "a basis is money: expected \"money\"") }
                let aggregate = EventAggregate(events: selection, window: toDate, aggregation: .sum, number: .amount,
                                               format: format == nil ? nil : .money)
                let definition = MeasureDefinition.events(aggregate)
                hidden.append(MeasureDeclaration(name: hiddenName, definition: definition, file: file, line: spec.line, isHidden: true))
                var lastYear: String?
                if line == .growthRebate {
                    var before = aggregate
                    before.ago = Period(months: 12)
                    lastYear = "\(hiddenName) last year"
                    hidden.append(MeasureDeclaration(name: lastYear!, definition: .events(before), file: file, line: spec.line, isHidden: true))
                }
                hidden += whileValid(aggregate, name: hiddenName, benefit: benefit, root: root, line: spec.line)
                rule.basisMeaning = definition.meaning
                basis = .hidden(hiddenName, lastYear: lastYear)
            }
            rule.rate = try rate(spec, "rate", fraction: true)
            if line == .rebate {
                rule.accelerators = try accelerators(spec)
            }
            if line == .mdf {
                guard spec.has("cap") else {
                    throw spec.error("cap", "missing: every ps.mdf needs a cap, the most a period accrues — a tier benefit's name (\"mdf\"), "
                        + "an amount, or { Tier = amount }")
                }
                rule.cap = try rate(spec, "cap", fraction: false)
            }
        }
        return Draft(rule: rule, spec: spec, basis: basis, hidden: hidden)
    }

    /// The gates of the policy suspending `benefit`: their names and requirements, read from
    /// the policy table as written (the gates themselves are validated with the policy).
    func gatesSuspending(_ benefit: String?, root: LuaValue) -> [(name: String, requirement: ValidityRequirement)] {
        guard let benefit, let gates = root["gates"].arrayValue else { return [] }
        return gates.compactMap { gate in
            guard let name = gate["name"].stringValue,
                  let benefits = gate["suspends"]["benefits"].arrayValue, benefits.contains(where: { $0.stringValue == benefit }) else { return nil }
            if let kind = gate["credential"].stringValue { return (name, ValidityRequirement(kind: "credential", name: kind)) }
            if let certification = gate["certification"].stringValue { return (name, ValidityRequirement(kind: "certification", name: certification)) }
            return nil
        }
    }

    /// The basis counted only on days when the credentials of the gates suspending the
    /// rule's benefit were valid (day-exact suspension), as one more hidden measure.
    private func whileValid(_ basis: EventAggregate, name: String, benefit: String?, root: LuaValue, line: Int?) -> [MeasureDeclaration] {
        let gates = gatesSuspending(benefit, root: root)
        guard !gates.isEmpty else { return [] }
        var valid = basis
        valid.events.whileValid = gates.map(\.requirement)
        return [MeasureDeclaration(name: "\(name) while valid", definition: .events(valid), file: file, line: line, isHidden: true)]
    }

    /// A rate (or cap): a number, a benefit's name or { Tier = number }.
    private func rate(_ spec: ContractTable, _ field: String, fraction: Bool) throws -> IncentiveRate {
        let what = fraction ? "a rate from 0 to 1 (0.12 for 12%)" : "an amount ≥ 0"
        func number(_ value: LuaValue, _ field: String) throws -> ExactDecimal {
            guard let n = value.doubleValue, n.isFinite, n >= 0, !fraction || n <= 1, let exact = Self.exact(n, rate: fraction) else {
                throw spec.error(field, "expected \(what), got \(value.typeName)" + (value.doubleValue.map { " \($0)" } ?? "") + " (\(Self.limits))")
            }
            return exact
        }
        switch spec[field] {
        case nil:
            throw spec.error(field, "expected \(what), a tier benefit's name (\"\(fraction ? "commission" : "mdf")\") or { Tier = number }"
                + (fraction ? ", or function(p, tier) returning one" : ""))
        case .function(let function)? where fraction:
            return .function(function)
        case .string(let benefit)?:
            return .benefit(benefit)
        case .table(let table)?:
            var rates: [String: ExactDecimal] = [:]
            for key in table.keys.sorted() where !ContractTable.recorded.contains(key) {
                rates[key] = try number(table[key]!, "\(field).\(key)")
            }
            return .byTier(rates)
        case let value?:
            return .fixed(try number(value, field))
        }
    }

    private func accelerators(_ spec: ContractTable) throws -> [IncentiveRule.Accelerator] {
        guard let items = try spec.list("accelerators", "a list of { at = amount, add = rate }") else { return [] }
        var result: [IncentiveRule.Accelerator] = []
        for (i, item) in items.enumerated() {
            let path = "accelerators[\(i + 1)]"
            let table = try ContractTable(item, path: "\(spec.path).\(path)", line: spec.line, file: file,
                                          expected: "{ at = 250000, add = 0.01 }")
            try table.allow(Contract.fieldNames(of: .accelerator))
            guard let at = try table.number("at", "the basis that reaches it, a number > 0"), at > 0,
                  let atExact = Self.exact(at, rate: false) else {
                throw table.error("at", "expected the basis that reaches it, a number > 0 (\(Self.limits))")
            }
            guard let add = try table.number("add", "the rate added, a number > 0 (0.01 for a point)"), add > 0, add <= 1,
                  let addExact = Self.exact(add, rate: true) else {
                throw table.error("add", "expected the rate added on the whole period, a number from 0 to 1 (0.01 for a point; \(Self.limits))")
            }
            if let last = result.last, atExact <= last.at {
                throw table.error("at", "accelerators go up: \(atExact) is not above the previous one's \(last.at)")
            }
            result.append(.init(at: atExact, add: addExact))
        }
        return result
    }

    /// What a policy may write: rates with at most 10 decimal places, amounts with at most 4 and up to 10^15
    /// (as imported amounts), so that every product stays exact and every amount fits the ledger.
    static let limits = "rates have at most 10 decimal places; amounts at most 4, and at most 10^15"

    static func exact(_ value: Double, rate: Bool) -> ExactDecimal? {
        guard abs(value) <= 1e15, let exact = ExactDecimal(number: value), exact.normalized.scale <= (rate ? 10 : 4) else { return nil }
        return exact
    }

    static func declaration(of line: IncentiveLine) -> Contract.Declaration {
        switch line {
        case .commission: .commission
        case .rebate: .rebate
        case .growthRebate: .growthRebate
        case .mdf: .mdf
        case .spiff: .spiff
        }
    }
}
