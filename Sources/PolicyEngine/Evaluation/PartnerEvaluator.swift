import Foundation
import LuaHost
import PartnerModel

/// Applies a policy set to partners, one at a time, as of a day.
///
/// Declarative criteria are evaluated here in Swift; Lua runs only for the
/// functions a policy declares (custom checks, scores, gate scopes), with the
/// partner's snapshot as a table `p`. A Lua error stops the evaluation with
/// the policy's file and line and the partner it was evaluating.
public struct PartnerEvaluator {
    public let policySet: PolicySet
    /// Limits for each call into a policy function.
    public var limits: LuaLimits

    public init(policySet: PolicySet, limits: LuaLimits = PartnerEvaluator.defaultLimits) {
        self.policySet = policySet
        self.limits = limits
    }

    /// Per-function limits during evaluation: generous for a policy function,
    /// tight enough that a runaway one stops quickly.
    public static let defaultLimits = LuaLimits(instructions: 10_000_000, memoryBytes: 64 << 20, timeout: .milliseconds(500))

    public enum Failure: Error, CustomStringConvertible {
        /// The partner's program is not governed by the set.
        case noPolicy(partner: String, program: String, set: String)
        /// A policy function failed while evaluating a partner.
        case policyFunction(partner: String, PolicyError)

        public var description: String {
            switch self {
            case .noPolicy(let partner, let program, let set):
                "partner \(partner): program '\(program)' is not governed by policy set '\(set)'"
            case .policyFunction(let partner, let error):
                "\(error) (while evaluating partner \(partner))"
            }
        }
    }

    /// Evaluate `snapshot` against its program's policy, given what the
    /// ledger remembers, and return the evaluation and the next state.
    public func evaluate(_ snapshot: PartnerSnapshot, state: PartnerProgramState) throws -> (PartnerEvaluation, PartnerProgramState) {
        let partner = snapshot.partner
        guard let policy = policySet.policy(forProgram: partner.program) else {
            throw Failure.noPolicy(partner: partner.id, program: partner.program, set: policySet.name)
        }
        var context = Context(evaluator: self, policy: policy, asOf: snapshot.asOf)
        defer { context.releaseTable() }
        do {
            return try context.run(snapshot, state: state)
        } catch let error as LuaError {
            throw Failure.policyFunction(partner: partner.id, PolicyError(error, file: policy.file))
        }
    }
}

/// One partner's evaluation in progress.
///
/// The snapshot is not a field: every step takes it as a (borrowed)
/// argument, so the evaluation never copies it, which would retain each of
/// its strings and arrays.
private struct Context {
    let evaluator: PartnerEvaluator
    let policy: Policy
    let asOf: Day
    /// The snapshot as a Lua table, built on first use.
    var table: LuaReference?

    init(evaluator: PartnerEvaluator, policy: Policy, asOf: Day) {
        self.evaluator = evaluator
        self.policy = policy
        self.asOf = asOf
    }

    mutating func releaseTable() {
        if let table { evaluator.policySet.lua.release(table) }
        table = nil
    }

    mutating func callFunction(_ function: LuaReference, _ snapshot: PartnerSnapshot) throws -> [LuaValue] {
        let lua = evaluator.policySet.lua
        if table == nil { table = try SnapshotTable.make(snapshot, in: lua) }
        return try lua.call(function, [.function(table!)], limits: evaluator.limits)
    }

    // MARK: - The whole evaluation

    mutating func run(_ snapshot: PartnerSnapshot, state previous: PartnerProgramState) throws -> (PartnerEvaluation, PartnerProgramState) {
        var state = previous
        if state.tier != nil, policy.tierIndex(named: state.tier) == nil {
            // The policy no longer has the partner's tier: it gets reassigned at the next due evaluation.
            state.tier = nil
            state.review = nil
        }

        // Criteria: entry of every tier, maintenance of the current one.
        var results: [CriterionResult] = []
        results.reserveCapacity(policy.criteriaPerEvaluation)
        var entryHolds: [Bool] = []
        entryHolds.reserveCapacity(policy.tiers.count)
        // By index: no copy of each tier and criterion (and their strings).
        let tiers = policy.tiers
        for t in tiers.indices {
            var holds = true
            for c in tiers[t].entry.indices {
                let result = try evaluate(tiers[t].entry[c], tier: tiers[t].name, phase: .entry, snapshot)
                holds = holds && result.passed
                results.append(result)
            }
            entryHolds.append(holds)
        }
        let qualifying = entryHolds.lastIndex(of: true)
        let current = policy.tierIndex(named: state.tier)
        var maintains = true
        if let current, let maintain = policy.tiers[current].maintain {
            for c in maintain.indices {
                let result = try evaluate(maintain[c], tier: policy.tiers[current].name, phase: .maintain, snapshot)
                maintains = maintains && result.passed
                results.append(result)
            }
        } else if let current {
            maintains = entryHolds[current]
        }

        // The tier state machine.
        let due = policy.cadence.isDue(on: asOf, lastEvaluation: state.lastTierEvaluation)
        var event: TierEvent = due ? .unchanged : .notDue
        let previousTier = state.tier
        let previousStanding: Standing = previous.review != nil ? .review : (previous.tier == nil ? .none : .good)
        if let q = qualifying, q >= 1, state.firstQualified == nil { state.firstQualified = asOf }
        if let current, current >= 1, state.firstQualified == nil { state.firstQualified = state.tierSince ?? snapshot.partner.enrolled }

        if due, let q = qualifying, q > (current ?? -1) {
            if current == nil {
                event = .assigned
            } else {
                event = .upgraded
                if state.firstAdvanced == nil { state.firstAdvanced = asOf }
            }
            state.tier = policy.tiers[q].name
            state.tierSince = asOf
            state.review = nil
        } else if let current {
            if maintains {
                if state.review != nil {
                    state.review = nil
                    event = .reviewCleared
                }
            } else if let review = state.review {
                if due && asOf >= review.deadline {
                    let target = try demotionTarget(below: current, snapshot)
                    state.tier = target.map { policy.tiers[$0].name }
                    state.tierSince = asOf
                    state.review = nil
                    event = .demoted
                } else if due {
                    event = .reviewContinues
                }
            } else if due {
                let deadline = policy.remediation.after(asOf)
                if deadline <= asOf {
                    let target = try demotionTarget(below: current, snapshot)
                    state.tier = target.map { policy.tiers[$0].name }
                    state.tierSince = asOf
                    event = .demoted
                } else {
                    state.review = TierReview(tier: policy.tiers[current].name, opened: asOf, deadline: deadline)
                    event = .reviewOpened
                }
            }
        } else if due, qualifying == nil, previousTier == nil {
            event = .unchanged
        }
        if due { state.lastTierEvaluation = asOf }
        let standing: Standing = state.review != nil ? .review : (state.tier == nil ? .none : .good)

        // Monitored at every run.
        let health = try healthResult(snapshot)
        let gates = try gateResults(previous: previous.gates, snapshot)
        for gate in gates { state.gates[gate.gate] = gate.status }
        let milestones = milestoneResults(state: state, snapshot)
        var raisedFlags: [String] = []
        for flag in policy.flags where try evaluate(flag.condition, tier: "flag \(flag.name)", phase: .entry, snapshot).passed {
            raisedFlags.append(flag.name)
        }
        let (alerts, resolved, openAlerts) = alertResults(milestones: milestones, gates: gates, review: state.review,
                                                          health: health, flags: raisedFlags, previous: previous.openAlerts)
        state.openAlerts = openAlerts

        var benefits = policy.tierIndex(named: state.tier).map { policy.tiers[$0].benefits } ?? [:]
        let lapsed = gates.filter { $0.status == .lapsed }
        let suspendedBenefits = lapsed.isEmpty ? [] : Set(lapsed.flatMap(\.suspendedBenefits)).sorted()
        for benefit in suspendedBenefits { benefits[benefit] = nil }
        let suspendedProducts = lapsed.isEmpty ? [] : Set(lapsed.flatMap(\.suspendedProducts)).sorted()
        let authorized = suspendedProducts.isEmpty
            ? snapshot.partner.products : snapshot.partner.products.filter { !suspendedProducts.contains($0) }

        let intervention = alerts.lazy.filter { $0.intervention != nil }
            .max { ($0.step, -$0.firstRaised.daysSinceEpoch, $1.key) < ($1.step, -$1.firstRaised.daysSinceEpoch, $0.key) }
            .map { InterventionChoice(alert: $0.key, step: $0.step, action: $0.intervention!, owner: $0.owner) }

        let evaluation = PartnerEvaluation(
            partnerID: snapshot.partner.id, partnerName: snapshot.partner.name, program: snapshot.partner.program, asOf: asOf,
            policy: policy.identity,
            tierDue: due, previousTier: previousTier, tier: state.tier, previousStanding: previousStanding, standing: standing,
            tierEvent: event, review: state.review, qualifiesFor: qualifying.map { policy.tiers[$0].name },
            criteria: results, health: health, milestones: milestones, gates: gates, alerts: alerts,
            resolvedAlerts: resolved, intervention: intervention, benefits: benefits, suspendedBenefits: suspendedBenefits,
            authorizedProducts: authorized, suspendedProducts: suspendedProducts,
            snapshotHash: SnapshotHash.of(snapshot))
        return (evaluation, state)
    }

    /// The highest tier below `current` whose maintenance criteria hold, if any.
    mutating func demotionTarget(below current: Int, _ snapshot: PartnerSnapshot) throws -> Int? {
        var index = current - 1
        while index >= 0 {
            var holds = true
            for criterion in policy.tiers[index].maintenanceCriteria where holds {
                holds = try evaluate(criterion, tier: policy.tiers[index].name, phase: .maintain, snapshot).passed
            }
            if holds { return index }
            index -= 1
        }
        return nil
    }

    // MARK: - Criteria

    mutating func evaluate(_ criterion: Criterion, tier: String, phase: CriterionResult.Phase, _ snapshot: PartnerSnapshot) throws -> CriterionResult {
        func result(_ passed: Bool, observed: Observation, value: Double?, required: String, threshold: Double?) -> CriterionResult {
            CriterionResult(tier: tier, phase: phase, label: criterion.label, observation: observed, observedValue: value,
                            required: required, thresholdValue: threshold, passed: passed, file: criterion.file,
                            line: criterion.line)
        }
        switch criterion.test {
        case .metric(let metric, let op, let threshold):
            let value = snapshot[metric]
            let passed = value.map { op.holds($0, threshold) } ?? false
            return result(passed, observed: value.map { .metric($0, metric) } ?? .none, value: value,
                          required: criterion.requirement!, threshold: threshold)
        case .attribute(let name, let op, let threshold):
            let value = snapshot.attributes[name]?.number
            let passed = value.map { op.holds($0, threshold) } ?? false
            return result(passed, observed: value.map { .number($0) } ?? .none, value: value,
                          required: criterion.requirement!, threshold: threshold)
        case .certification(let name):
            let record = snapshot.certification(name)
            return result(record?.isValid(on: asOf) ?? false, observed: .words(Self.describe(record, on: asOf)), value: nil,
                          required: criterion.requirement!, threshold: nil)
        case .credential(let kind):
            let record = snapshot.credential(kind)
            return result(record?.isValid(on: asOf) ?? false, observed: .words(Self.describe(record, on: asOf)), value: nil,
                          required: criterion.requirement!, threshold: nil)
        case .territories(let op, let threshold):
            let count = Double(snapshot.partner.territories.count)
            return result(op.holds(count, threshold), observed: .number(count), value: count,
                          required: criterion.requirement!, threshold: threshold)
        case .function(let function):
            let values = try callFunction(function, snapshot)
            let passed = values.first?.isTruthy ?? false
            let observed = values.count > 1 ? Self.text(values[1]) : (passed ? "yes" : "no")
            let required = values.count > 2 ? Self.text(values[2]) : "yes"
            return result(passed, observed: .words(observed), value: values.count > 1 ? values[1].doubleValue : nil,
                          required: required, threshold: values.count > 2 ? values[2].doubleValue : nil)
        }
    }

    static func describe(_ record: Credential?, on day: Day) -> String {
        guard let record else { return "never recorded" }
        guard let expires = record.expires else { return "valid (no expiry)" }
        return record.isValid(on: day) ? "valid until \(expires)" : "expired \(expires)"
    }

    static func text(_ value: LuaValue) -> String {
        switch value {
        case .nil: "none"
        case .boolean(let b): b ? "yes" : "no"
        case .integer(let i): Format.number(Double(i))
        case .number(let d): Format.number(d)
        case .string(let s): s
        default: (try? value.jsonString()) ?? value.typeName
        }
    }

    // MARK: - Health

    mutating func healthResult(_ snapshot: PartnerSnapshot) throws -> HealthResult {
        let model = policy.health
        guard !model.components.isEmpty else {
            return HealthResult(score: 0, band: model.bands.last?.name ?? "none", components: [])
        }
        let totalWeight = model.components.reduce(0) { $0 + $1.weight }
        var components: [HealthComponentResult] = []
        components.reserveCapacity(model.components.count)
        var total = 0.0
        // By index: reading fields in place instead of copying each component (and retaining its strings).
        for i in model.components.indices {
            var score = 0.0
            var observed = Observation.none
            if let function = model.components[i].scoreFunction {
                let values = try callFunction(function, snapshot)
                score = values.first?.doubleValue ?? 0
                observed = values.count > 1 ? .words(Self.text(values[1])) : .number(score)
            } else if let metric = model.components[i].metric {
                if let value = snapshot[metric] {
                    observed = .metric(value, metric)
                    let floor = model.components[i].floor
                    score = (value - floor) / (model.components[i].target - floor)
                }
            }
            score = score.isFinite ? min(1, max(0, score)) : 0
            let weight = model.components[i].weight
            let contribution = weight / totalWeight * score * 100
            total += contribution
            components.append(HealthComponentResult(name: model.components[i].name, weight: weight,
                                                    score: Self.round(score, 3), contribution: Self.round(contribution, 1),
                                                    observation: observed, target: model.components[i].targetText))
        }
        let score = Self.round(total, 1)
        let band = model.bands.first { score >= $0.minimum }?.name ?? model.bands.last?.name ?? "none"
        return HealthResult(score: score, band: band, components: components)
    }

    static func round(_ value: Double, _ places: Int) -> Double {
        let factor: Double = switch places {
        case 1: 10
        case 3: 1000
        default: pow(10, Double(places))
        }
        return (value * factor).rounded() / factor
    }

    // MARK: - Gates

    mutating func gateResults(previous: [String: GateStatus], _ snapshot: PartnerSnapshot) throws -> [GateResult] {
        guard !policy.gates.isEmpty else { return [] }
        var results: [GateResult] = []
        let products = Set(snapshot.partner.products)
        for gate in policy.gates {
            var applies = gate.appliesToProducts.isEmpty || !products.isDisjoint(with: gate.appliesToProducts)
            if let function = gate.appliesFunction { applies = try callFunction(function, snapshot).first?.isTruthy ?? false }
            let record: Credential?
            switch gate.requirement {
            case .credential(let kind): record = snapshot.credential(kind)
            case .certification(let name): record = snapshot.certification(name)
            }
            var status: GateStatus = .notApplicable
            if applies {
                if let record, record.isValid(on: asOf) {
                    if let expires = record.expires, expires <= gate.warning.after(asOf) {
                        status = .warning
                    } else {
                        status = .ok
                    }
                } else {
                    status = .lapsed
                }
            }
            let before = previous[gate.name]
            let event: GateResult.Event
            switch (before, status) {
            case (let b, .lapsed) where b != .lapsed: event = .tripped
            case (.lapsed, .ok), (.lapsed, .warning), (.lapsed, .notApplicable): event = .restored
            case (let b, .warning) where b != .warning: event = .warned
            default: event = .none
            }
            let lapsed = status == .lapsed
            results.append(GateResult(
                gate: gate.name, requirement: gate.requirement.name, status: status, previous: before, event: event,
                expires: record?.expires, daysToExpiry: record?.daysUntilExpiry(from: asOf),
                suspendedProducts: lapsed ? gate.suspendsProducts.filter { products.contains($0) } : [],
                suspendedBenefits: lapsed ? gate.suspendsBenefits : []))
        }
        return results
    }

    // MARK: - Milestones

    func milestoneResults(state: PartnerProgramState, _ snapshot: PartnerSnapshot) -> [MilestoneResult] {
        let enrolled = snapshot.partner.enrolled
        let dates = snapshot.milestones
        return policy.milestones.map { rule in
            let reached: Day?
            switch rule.step {
            case .firstLogin: reached = dates.firstLogin
            case .firstTraining: reached = dates.firstTraining
            case .firstDealRegistration: reached = dates.firstDealRegistration
            case .firstDealWon: reached = dates.firstDealWon
            case .firstTierQualification: reached = state.firstQualified
            case .firstTierAdvancement: reached = state.firstAdvanced
            }
            let deadline = rule.deadline.after(enrolled)
            if let reached {
                let late = deadline.days(until: reached)
                return MilestoneResult(milestone: rule.step, deadline: deadline, reached: reached,
                                       status: late > 0 ? .metLate : .metOnTime, days: max(0, late))
            }
            let overdue = deadline.days(until: asOf)
            return MilestoneResult(milestone: rule.step, deadline: deadline, reached: nil,
                                   status: overdue > 0 ? .overdue : .pending, days: abs(overdue))
        }
    }

    // MARK: - Alerts and interventions

    func alertResults(milestones: [MilestoneResult], gates: [GateResult], review: TierReview?, health: HealthResult,
                      flags: [String], previous: OpenAlerts) -> ([AlertResult], [AlertKey], OpenAlerts) {
        var keys: [AlertKey] = []
        keys.reserveCapacity(4 + gates.count + flags.count)
        // Only the current milestone (the first one not reached) raises an alert.
        if let current = milestones.first(where: { $0.reached == nil }), current.status == .overdue {
            keys.append(AlertKey(kind: .milestoneOverdue, subject: current.milestone.rawValue))
        }
        if let review { keys.append(AlertKey(kind: .tierReview, subject: review.tier)) }
        for gate in gates {
            if gate.status == .warning { keys.append(AlertKey(kind: .gateWarning, subject: gate.gate)) }
            if gate.status == .lapsed { keys.append(AlertKey(kind: .gateLapsed, subject: gate.gate)) }
        }
        if policy.health.bands.count > 1, !policy.health.components.isEmpty, health.band == policy.health.bands.last?.name {
            keys.append(AlertKey(kind: .healthRed, subject: "health"))
        }
        for flag in flags { keys.append(AlertKey(kind: .policyFlag, subject: flag)) }
        if keys.count > 1 { keys.sort() }
        if keys.isEmpty && previous.isEmpty { return ([], [], [:]) }
        var open: [OpenAlerts.Entry] = []
        open.reserveCapacity(keys.count)
        var alerts: [AlertResult] = []
        alerts.reserveCapacity(keys.count)
        let menu = policy.interventions
        for key in keys {
            let first = previous.isEmpty ? asOf : previous[key] ?? asOf
            if open.last?.key != key { open.append(OpenAlerts.Entry(key: key, firstRaised: first)) }
            // The last step of the menu that answers this kind and is due by now (by index: no copy of each step).
            var chosen: Int?
            for i in menu.indices where (menu[i].kinds.isEmpty || menu[i].kinds.contains(key.kind)) && menu[i].after.after(first) <= asOf {
                chosen = i
            }
            alerts.append(AlertResult(key: key, firstRaised: first, daysOpen: first.days(until: asOf), step: chosen.map { $0 + 1 } ?? 0,
                                      intervention: chosen.map { menu[$0].action }, owner: chosen.flatMap { menu[$0].owner }))
        }
        let next = OpenAlerts(sorted: open)
        // Both in key order: the resolved ones come out sorted.
        let resolved = previous.isEmpty ? [] : previous.compactMap { next[$0.key] == nil ? $0.key : nil }
        return (alerts, resolved, next)
    }
}
