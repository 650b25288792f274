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
        var fromRun = ProgramRun(store: store, policySet: from)
        fromRun.tiersAsIfDue = tiersAsIfDue
        try fromRun.evaluate(asOf: asOf, dryRun: true) { e in
            before[e.partnerID] = Outcome(e)
            if !e.tierDue { report.notDue(e, version: "from", cadence: from.policy(forProgram: e.program)?.cadence) }
        }
        var seen: Set<String> = []
        var toRun = ProgramRun(store: store, policySet: to)
        toRun.tiersAsIfDue = tiersAsIfDue
        try toRun.evaluate(asOf: asOf, dryRun: true) { e in
            seen.insert(e.partnerID)
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
        return out
    }

    enum CodingKeys: String, CodingKey {
        case from, fromHash = "from_hash", to, toHash = "to_hash", asOf = "as_of", set, tiersAsIfDue = "tiers_as_if_due"
        case tiersNotDue = "tiers_not_due", partners, unchanged, migration, demoted
        case newlyInReview = "newly_in_review", lowerTier = "lower_tier", higherTier = "higher_tier"
        case gateChanges = "gate_changes", healthBandShifts = "health_band_shifts"
        case interventionChanges = "intervention_changes", other
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
