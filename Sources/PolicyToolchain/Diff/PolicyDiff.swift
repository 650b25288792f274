import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

/// Previews a policy change: evaluates two versions of a policy set on the
/// same data and stored state, writing nothing, and compares the outcomes
/// partner by partner.
///
/// Both versions read the state the ledger remembers under the `from` set's
/// name (tiers, reviews, when each alert was first raised), whatever folder
/// `to` was loaded from: load it under that name (`PolicySet(name:)`), as
/// the command line does, so that a byte-identical copy shows no change.
public struct PolicyDiff {
    public let store: PartnerStore
    public let from: PolicySet
    public let to: PolicySet
    /// Evaluate tiers as if the cadence made them due on the day.
    public var tiersAsIfDue: Bool

    public init(store: PartnerStore, from: PolicySet, to: PolicySet, tiersAsIfDue: Bool = false) {
        self.store = store
        self.from = from
        self.to = to
        self.tiersAsIfDue = tiersAsIfDue
    }

    /// What one version decided for one partner, in brief.
    struct Outcome: Equatable {
        var program: String
        var tier: String?
        var standing: Standing
        var event: TierEvent
        var band: String
        var lapsedGates: [String]
        var intervention: String?

        init(_ e: PartnerEvaluation) {
            program = e.program
            tier = e.tier
            standing = e.standing
            event = e.tierEvent
            band = e.health.band
            lapsedGates = e.gates.filter { $0.status == .lapsed }.map(\.gate)
            intervention = e.intervention?.action
        }
    }

    public func run(asOf: Day) throws -> DiffReport {
        var before: [String: Outcome] = [:]
        var report = DiffReport(from: from.displayPath, fromHash: from.contentHash, to: to.displayPath, toHash: to.contentHash,
                                asOf: asOf, set: from.name, tiersAsIfDue: tiersAsIfDue)
        var earnedBefore: [String: [IncentiveEarning]] = [:]
        let paysIncentives = (from.policies + to.policies).contains { $0.incentives != nil }
        if paysIncentives {
            report.incentives = IncentiveDiff(currency: (from.policies + to.policies).compactMap(\.incentives?.currency).first ?? "")
        }
        var fromRun = ProgramRun(store: store, policySet: from)
        fromRun.tiersAsIfDue = tiersAsIfDue
        try fromRun.evaluate(asOf: asOf, dryRun: true) { e in
            before[e.partnerID] = Outcome(e)
            if paysIncentives { earnedBefore[e.partnerID] = e.incentives }
            if !e.tierDue { report.notDue(e, version: "from", cadence: from.policy(forProgram: e.program)?.cadence) }
        }
        var seen: Set<String> = []
        var toRun = ProgramRun(store: store, policySet: to)
        toRun.tiersAsIfDue = tiersAsIfDue
        try toRun.evaluate(asOf: asOf, dryRun: true) { e in
            seen.insert(e.partnerID)
            if paysIncentives { report.incentives?.add(old: earnedBefore[e.partnerID] ?? [], new: e.incentives, partnerID: e.partnerID,
                                                       program: e.program, tier: e.tier) }
            if !e.tierDue { report.notDue(e, version: "to", cadence: to.policy(forProgram: e.program)?.cadence) }
            let after = Outcome(e)
            guard let old = before[e.partnerID] else {
                report.add(PartnerChange(partnerID: e.partnerID, program: e.program, change: "only evaluated by the new version",
                                         fromTier: nil, toTier: e.tier))
                return
            }
            report.record(old: old, new: after, partnerID: e.partnerID, rank: { tier in
                self.to.policy(forProgram: e.program)?.tier(named: tier)?.index
            })
        }
        for (id, old) in before where !seen.contains(id) {
            if paysIncentives { report.incentives?.add(old: earnedBefore[id] ?? [], new: [], partnerID: id, program: old.program, tier: nil) }
            report.add(PartnerChange(partnerID: id, program: old.program, change: "no longer evaluated by the new version",
                                     fromTier: old.tier, toTier: nil))
        }
        report.sort()
        return report
    }
}

/// One partner whose outcome differs between the versions.
public struct PartnerChange: Sendable, Codable, Equatable {
    public var partnerID: String
    public var program: String
    public var change: String
    public var fromTier: String?
    public var toTier: String?

    enum CodingKeys: String, CodingKey {
        case partnerID = "partner_id", program, change, fromTier = "from_tier", toTier = "to_tier"
    }
}

/// Partners for whom one version's cadence did not make tiers due on the
/// day, by policy: their tiers, reviews and demotions are not compared.
public struct TiersNotDue: Sendable, Codable, Equatable {
    /// `from` or `to`.
    public var version: String
    public var policy: String
    public var cadence: String
    public var partners: Int
    /// The first day tiers are due again.
    public var nextDue: Day

    enum CodingKeys: String, CodingKey {
        case version, policy, cadence, partners, nextDue = "next_due"
    }
}

/// The comparison of two versions of a policy set.
public struct DiffReport: Sendable, Codable {
    public var from: String
    public var fromHash: String
    public var to: String
    public var toHash: String
    public var asOf: Day
    /// The set's name in the ledger, whose remembered state both versions start from.
    public var set: String
    /// Whether tiers were evaluated as if due (`--as-if-due`).
    public var tiersAsIfDue: Bool
    /// Where tiers were not due, by version and policy (empty with `tiersAsIfDue`).
    public var tiersNotDue: [TiersNotDue] = []
    public var partners = 0
    public var unchanged = 0
    /// Old tier → new tier → partners.
    public var migration: [String: [String: Int]] = [:]
    /// Partners the new version demotes now.
    public var demoted: [PartnerChange] = []
    /// Partners the new version puts in tier review (demotion follows at the
    /// deadline unless they recover).
    public var newlyInReview: [PartnerChange] = []
    /// Partners the new version places in a lower tier than the old one did,
    /// demoted or not yet.
    public var lowerTier: [PartnerChange] = []
    public var higherTier: [PartnerChange] = []
    public var gateChanges: [PartnerChange] = []
    /// Old band → new band → partners (only where they differ).
    public var healthBandShifts: [String: [String: Int]] = [:]
    public var interventionChanges: [PartnerChange] = []
    public var other: [PartnerChange] = []
    /// What the change costs: both versions' incentives for the periods holding the day (nil: neither pays any).
    public var incentives: IncentiveDiff?

    init(from: String, fromHash: String, to: String, toHash: String, asOf: Day, set: String, tiersAsIfDue: Bool) {
        self.from = from
        self.fromHash = fromHash
        self.to = to
        self.toHash = toHash
        self.asOf = asOf
        self.set = set
        self.tiersAsIfDue = tiersAsIfDue
    }

    mutating func notDue(_ e: PartnerEvaluation, version: String, cadence: Cadence?) {
        if let i = tiersNotDue.firstIndex(where: { $0.version == version && $0.policy == e.policy.name }) {
            tiersNotDue[i].partners += 1
        } else if let cadence {
            tiersNotDue.append(TiersNotDue(version: version, policy: e.policy.name, cadence: cadence.rawValue, partners: 1,
                                           nextDue: cadence.nextDue(after: asOf)))
        }
    }

    /// Partners either version did not evaluate tiers for.
    public var partnersWithTiersNotDue: Int {
        max(tiersNotDue.filter { $0.version == "from" }.reduce(0) { $0 + $1.partners },
            tiersNotDue.filter { $0.version == "to" }.reduce(0) { $0 + $1.partners })
    }

    /// Partners demoted now or put in review toward demotion by the new version.
    public var demotionCount: Int { Set((demoted + newlyInReview).map(\.partnerID)).count }

    mutating func add(_ change: PartnerChange) {
        partners += 1
        other.append(change)
    }

    mutating func record(old: PolicyDiff.Outcome, new: PolicyDiff.Outcome, partnerID: String, rank: (String?) -> Int?) {
        partners += 1
        migration[old.tier ?? "none", default: [:]][new.tier ?? "none", default: 0] += 1
        guard old != new else {
            unchanged += 1
            return
        }
        func change(_ text: String) -> PartnerChange {
            PartnerChange(partnerID: partnerID, program: new.program, change: text, fromTier: old.tier, toTier: new.tier)
        }
        if new.event == .demoted && old.event != .demoted {
            demoted.append(change("demoted (\(old.tier ?? "none") → \(new.tier ?? "none"))"))
        }
        if new.standing == .review && old.standing != .review {
            newlyInReview.append(change("enters tier review for \(new.tier ?? "?")"))
        }
        if old.tier != new.tier, let o = rank(old.tier) ?? (old.tier == nil ? -1 : nil), let n = rank(new.tier) ?? (new.tier == nil ? -1 : nil) {
            if n < o { lowerTier.append(change("\(old.tier ?? "none") → \(new.tier ?? "none")")) }
            if n > o { higherTier.append(change("\(old.tier ?? "none") → \(new.tier ?? "none")")) }
        }
        if old.lapsedGates != new.lapsedGates {
            gateChanges.append(change("lapsed gates: \(old.lapsedGates.joined(separator: ", ").ifEmpty("none")) → \(new.lapsedGates.joined(separator: ", ").ifEmpty("none"))"))
        }
        if old.band != new.band {
            healthBandShifts[old.band, default: [:]][new.band, default: 0] += 1
        }
        if old.intervention != new.intervention {
            interventionChanges.append(change("intervention: \(old.intervention ?? "none") → \(new.intervention ?? "none")"))
        }
    }

    mutating func sort() {
        incentives?.earnLess.sort { $0.partnerID < $1.partnerID }
        for keyPath in [\DiffReport.demoted, \.newlyInReview, \.lowerTier, \.higherTier, \.gateChanges, \.interventionChanges, \.other] {
            self[keyPath: keyPath].sort { $0.partnerID < $1.partnerID }
        }
    }

    /// The report for people, listing at most `limit` partners per section.
    public func text(limit: Int = 20) -> String {
        var out = "Policy diff as of \(asOf)\n  from \(from) (content \(fromHash.prefix(12)))\n  to   \(to) (content \(toHash.prefix(12)))\n"
        out += "  both from the state recorded for policy set '\(set)'\n"
        out += "  \(TextFormat.count(partners, "partner")) evaluated, \(unchanged) unchanged\n"
        if tiersAsIfDue { out += "  tiers evaluated as if due (--as-if-due)\n" }
        out += "\n"
        if !tiersNotDue.isEmpty {
            out += "TIERS NOT DUE as of \(asOf): tier changes, reviews and demotions are not compared for these partners\n"
            for note in tiersNotDue.sorted(by: { ($0.version, $0.policy) < ($1.version, $1.policy) }) {
                out += "  \(note.version == "from" ? "current" : "new") version, \(note.policy) (\(note.cadence) cadence): "
                    + "partners not due: \(note.partners); tiers next due \(note.nextDue)\n"
            }
            out += "  Run with --as-if-due to compare tiers as if they were due today.\n\n"
        }
        let tiers = Array(Set(migration.keys).union(migration.values.flatMap(\.keys))).sorted()
        if !tiers.isEmpty {
            out += "Tier migration (rows: old version, columns: new version)\n"
            let width = max(12, (tiers.map(\.count).max() ?? 0) + 2)
            out += "".padding(toLength: width, withPad: " ", startingAt: 0) + tiers.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined() + "\n"
            for row in tiers where migration[row] != nil {
                out += row.padding(toLength: width, withPad: " ", startingAt: 0)
                out += tiers.map { String(migration[row]?[$0] ?? 0).padding(toLength: width, withPad: " ", startingAt: 0) }.joined() + "\n"
            }
            out += "\n"
        }
        func section(_ title: String, _ list: [PartnerChange]) {
            out += "\(title): \(list.count)\n"
            for c in list.prefix(limit) { out += "  \(c.partnerID) (\(c.program)): \(c.change)\n" }
            if list.count > limit { out += "  … and \(list.count - limit) more (--format json lists all)\n" }
        }
        section("Demoted now", demoted)
        section("Newly in tier review (demoted at the deadline unless they recover)", newlyInReview)
        section("Placed in a lower tier", lowerTier)
        section("Placed in a higher tier", higherTier)
        section("Compliance gate changes", gateChanges)
        out += "Health band shifts: " + (healthBandShifts.isEmpty ? "none" : healthBandShifts.keys.sorted().flatMap { from in
            healthBandShifts[from]!.keys.sorted().map { "\(from) → \($0): \(healthBandShifts[from]![$0]!)" }
        }.joined(separator: ", ")) + "\n"
        section("Intervention changes", interventionChanges)
        if !other.isEmpty { section("Other", other) }
        if let incentives { out += "\n" + incentives.text(asOf: asOf, limit: limit) }
        return out
    }

    enum CodingKeys: String, CodingKey {
        case from, fromHash = "from_hash", to, toHash = "to_hash", asOf = "as_of", set, tiersAsIfDue = "tiers_as_if_due"
        case tiersNotDue = "tiers_not_due", partners, unchanged, migration, demoted
        case newlyInReview = "newly_in_review", lowerTier = "lower_tier", higherTier = "higher_tier"
        case gateChanges = "gate_changes", healthBandShifts = "health_band_shifts"
        case interventionChanges = "intervention_changes", other, incentives
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}

/// The money of a policy change: what each version's incentive rules pay
/// for the periods holding the day (each version's E, as dry runs), in
/// total, per rule and per tier (the tier the new version gives), and the
/// partners who would earn less.
public struct IncentiveDiff: Sendable, Codable {
    public var currency: String
    public var from = ExactDecimal.zero.cents
    public var to = ExactDecimal.zero.cents
    /// Per rule: the period (label) and both totals, by rule name.
    public var rules: [String: Amounts] = [:]
    /// Per tier under the new version ("none": no tier).
    public var tiers: [String: Amounts] = [:]
    public var earnLess: [EarningChange] = []

    public struct Amounts: Sendable, Codable, Equatable {
        public var period = ""
        public var from = ExactDecimal.zero.cents
        public var to = ExactDecimal.zero.cents
        public var change: ExactDecimal { to - from }
        /// The change before each line's rounding to the cent (exact).
        public var unroundedChange = ExactDecimal.zero

        enum CodingKeys: String, CodingKey { case period, from, to, change, unroundedChange = "change_before_rounding" }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            if !period.isEmpty { try c.encode(period, forKey: .period) }
            try c.encode(from.text(places: 2), forKey: .from)
            try c.encode(to.text(places: 2), forKey: .to)
            try c.encode(change.text(places: 2), forKey: .change)
            try c.encode(unroundedChange.description, forKey: .unroundedChange)
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            period = try c.decodeIfPresent(String.self, forKey: .period) ?? ""
            self.from = ExactDecimal(text: try c.decode(String.self, forKey: .from)) ?? .zero
            to = ExactDecimal(text: try c.decode(String.self, forKey: .to)) ?? .zero
            unroundedChange = ExactDecimal(text: try c.decode(String.self, forKey: .unroundedChange)) ?? .zero
        }
    }

    /// A rule's or tier's amounts in the JSON's lists: `{ "rule": "Monthly commission", "from": ... }`.
    struct Named: Codable {
        var name: String
        var key: String
        var amounts: Amounts

        init(name: String, key: String, amounts: Amounts) {
            (self.name, self.key, self.amounts) = (name, key, amounts)
        }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(name, forKey: Key(stringValue: key))
            try amounts.encode(to: encoder)
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            key = c.contains(Key(stringValue: "rule")) ? "rule" : "tier"
            name = try c.decode(String.self, forKey: Key(stringValue: key))
            amounts = try Amounts(from: decoder)
        }
    }

    /// A partner who would earn less under the new version.
    public struct EarningChange: Sendable, Codable, Equatable {
        public var partnerID: String
        public var program: String
        public var from: String
        public var to: String
        public var change: String

        enum CodingKeys: String, CodingKey { case partnerID = "partner_id", program, from, to, change }
    }

    init(currency: String) { self.currency = currency }

    public var change: ExactDecimal { to - from }
    /// The change before each line's rounding to the cent: exactly the rates' change times the bases.
    public var unroundedChange = ExactDecimal.zero

    mutating func add(old: [IncentiveEarning], new: [IncentiveEarning], partnerID: String, program: String, tier: String?) {
        let before = old.reduce(ExactDecimal.zero.cents) { $0 + $1.amount }
        let after = new.reduce(ExactDecimal.zero.cents) { $0 + $1.amount }
        from = from + before
        to = to + after
        let exact = new.reduce(ExactDecimal.zero) { $0 + $1.unrounded } - old.reduce(ExactDecimal.zero) { $0 + $1.unrounded }
        unroundedChange = unroundedChange + exact
        for e in old {
            if rules[e.name] == nil { rules[e.name] = Amounts() }
            rules[e.name]!.period = e.period.label
            rules[e.name]!.from = rules[e.name]!.from + e.amount
            rules[e.name]!.unroundedChange = rules[e.name]!.unroundedChange - e.unrounded
        }
        for e in new {
            if rules[e.name] == nil { rules[e.name] = Amounts() }
            rules[e.name]!.period = e.period.label
            rules[e.name]!.to = rules[e.name]!.to + e.amount
            rules[e.name]!.unroundedChange = rules[e.name]!.unroundedChange + e.unrounded
        }
        let key = tier ?? "none"
        if tiers[key] == nil { tiers[key] = Amounts() }
        tiers[key]!.from = tiers[key]!.from + before
        tiers[key]!.to = tiers[key]!.to + after
        tiers[key]!.unroundedChange = tiers[key]!.unroundedChange + exact
        if after < before {
            earnLess.append(EarningChange(partnerID: partnerID, program: program, from: before.text(places: 2), to: after.text(places: 2),
                                          change: (after - before).text(places: 2)))
        }
    }

    static func signed(_ value: ExactDecimal) -> String { (value.isNegative ? "" : "+") + IncentiveWords.money(value) }

    func text(asOf: Day, limit: Int) -> String {
        func line(_ a: Amounts) -> String { "\(IncentiveWords.money(a.from)) → \(IncentiveWords.money(a.to)) (\(Self.signed(a.change)))" }
        var out = "Incentives (\(currency)) for the periods holding \(asOf), each version's total so far\n"
        out += "  total: \(IncentiveWords.money(from)) → \(IncentiveWords.money(to)) (\(Self.signed(change)); "
            + "\(unroundedChange.isNegative ? "" : "+")\(IncentiveWords.grouped(unroundedChange.description)) before rounding each line to the cent)\n"
        for name in rules.keys.sorted() { out += "  \(name) (\(rules[name]!.period)): \(line(rules[name]!))\n" }
        out += "  by tier (the new version's): " + tiers.keys.sorted().map { "\($0) \(line(tiers[$0]!))" }.joined(separator: "; ") + "\n"
        out += "Partners who would earn less: \(earnLess.count)\n"
        for c in earnLess.prefix(limit) { out += "  \(c.partnerID) (\(c.program)): \(c.from) → \(c.to) (\(c.change))\n" }
        if earnLess.count > limit { out += "  … and \(earnLess.count - limit) more (--format json lists all)\n" }
        return out
    }

    enum CodingKeys: String, CodingKey {
        case currency, from, to, change, unroundedChange = "change_before_rounding", rules, tiers, earnLess = "earn_less"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(currency, forKey: .currency)
        try c.encode(from.text(places: 2), forKey: .from)
        try c.encode(to.text(places: 2), forKey: .to)
        try c.encode(change.text(places: 2), forKey: .change)
        try c.encode(unroundedChange.description, forKey: .unroundedChange)
        // Lists, not maps keyed by data: every JSON key the tools write is snake_case.
        try c.encode(rules.keys.sorted().map { Named(name: $0, key: "rule", amounts: rules[$0]!) }, forKey: .rules)
        try c.encode(tiers.keys.sorted().map { Named(name: $0, key: "tier", amounts: tiers[$0]!) }, forKey: .tiers)
        try c.encode(earnLess, forKey: .earnLess)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        currency = try c.decode(String.self, forKey: .currency)
        from = ExactDecimal(text: try c.decode(String.self, forKey: .from)) ?? .zero
        to = ExactDecimal(text: try c.decode(String.self, forKey: .to)) ?? .zero
        unroundedChange = ExactDecimal(text: try c.decode(String.self, forKey: .unroundedChange)) ?? .zero
        for item in try c.decode([Named].self, forKey: .rules) { rules[item.name] = item.amounts }
        for item in try c.decode([Named].self, forKey: .tiers) { tiers[item.name] = item.amounts }
        earnLess = try c.decode([EarningChange].self, forKey: .earnLess)
    }
}
