import Foundation
import LuaHost
import PartnerModel

/// Applies a policy set to partners, one at a time, as of a day.
///
/// Declarative criteria are evaluated here in Swift; Lua runs only for the
/// functions a policy declares (custom checks, scores, gate scopes), with the
/// partner's snapshot as a table `p`, each call under its policy's limits
/// (``Policy/limits``). A Lua error, or a result outside the contract
/// (``FunctionResults``), stops the evaluation with the policy's file and
/// line and the partner it was evaluating.
public struct PartnerEvaluator {
    public let policySet: PolicySet

    public init(policySet: PolicySet) {
        self.policySet = policySet
    }

    public enum Failure: Error, CustomStringConvertible {
        /// The partner's program is not governed by the set.
        case noPolicy(partner: String, program: String, set: String)
        /// A policy function failed while evaluating a partner.
        case policyFunction(partner: String, PolicyError)
        /// The snapshot was computed without the set's measures (a caller's
        /// mistake: pass `policySet.measures` to the snapshot calculator).
        case measuresMissing(partner: String, set: String)
        /// The partner's stored tier (imported, or remembered from an
        /// earlier run) is not a tier of its policy.
        case unknownTier(partner: String, tier: String, policy: String, file: String, tiers: [String])

        /// Whether the evaluation was stopped by the host (``LuaError/Kind/cancelled``)
        /// rather than failing by itself.
        public var isCancellation: Bool {
            if case .policyFunction(_, let error) = self { return error.luaError?.kind == .cancelled }
            return false
        }

        public var description: String {
            switch self {
            case .noPolicy(let partner, let program, let set):
                "partner \(partner): program '\(program)' is not governed by policy set '\(set)'"
            case .policyFunction(let partner, let error):
                "\(error) (while evaluating partner \(partner))"
            case .measuresMissing(let partner, let set):
                "partner \(partner): its snapshot lacks the measures of policy set '\(set)'"
            case .unknownTier(let partner, let tier, let policy, let file, let tiers):
                "partner \(partner) holds tier '\(tier)', which \(policy) (\(file)) does not have (its tiers: "
                    + tiers.joined(separator: ", ") + ") — if the partners file set it, correct its tier column and import it again; "
                    + "if the policy renamed the tier, declare the old name on the new tier: ps.tier \"NewName\" { formerly = { \"\(tier)\" }, ... }"
            }
        }
    }

    /// Evaluate `snapshot` against its program's policy, given what the
    /// ledger remembers, and return the evaluation and the next state.
    /// `acknowledged` are the partner's acknowledged tasks (from the task
    /// ledger): a step with a `pause` holds its alert there while its task
    /// is acknowledged, until the acknowledgement day plus the pause.
    public func evaluate(_ snapshot: PartnerSnapshot, state: PartnerProgramState,
                         acknowledged: [AcknowledgedStep] = []) throws -> (PartnerEvaluation, PartnerProgramState) {
        guard let policy = policySet.policy(forProgram: snapshot.partner.program) else {
            throw Failure.noPolicy(partner: snapshot.partner.id, program: snapshot.partner.program, set: policySet.name)
        }
        guard snapshot.measures.values.count == policySet.measures.count else {
            throw Failure.measuresMissing(partner: snapshot.partner.id, set: policySet.name)
        }
        var table: LuaReference?
        defer { if let table { policySet.lua.release(table) } }
        do {
            return try withUnsafeMutablePointer(to: &table) { table in
                try Context(evaluator: self, policy: policy, asOf: snapshot.asOf, table: table)
                    .run(snapshot, state: state, acknowledged: acknowledged)
            }
        } catch let error as LuaError {
            throw Failure.policyFunction(partner: snapshot.partner.id, PolicyError(error, file: policy.file))
        }
    }
}

/// One partner's evaluation in progress.
///
/// The snapshot is not a field: every step takes it as a (borrowed)
/// argument, so the evaluation never copies it, which would retain each of
/// its strings and arrays. Nor is the context mutable: the one thing an
/// evaluation changes, the snapshot's Lua table, lives behind a pointer, so
/// Swift can rely on the policy and plan staying put while a step calls
/// into Lua instead of retaining them around every call.
private struct Context {
    // Unowned: a context lives only inside `PartnerEvaluator.evaluate`, whose
    // evaluator holds the policy set, its policies and their plans; counting
    // references to them for every partner cost atomic operations for nothing.
    let evaluator: PartnerEvaluator
    unowned(unsafe) let policy: Policy
    /// The policy as the evaluation reads it: tiers, criteria, health and menu without copies.
    unowned(unsafe) let plan: EvaluationPlan
    let asOf: Day
    /// The snapshot as a Lua table, built on first use (the caller releases it).
    let table: UnsafeMutablePointer<LuaReference?>

    init(evaluator: PartnerEvaluator, policy: Policy, asOf: Day, table: UnsafeMutablePointer<LuaReference?>) {
        self.evaluator = evaluator
        self.policy = policy
        plan = policy.plan
        self.asOf = asOf
        self.table = table
    }

    func callFunction(_ function: LuaReference, _ snapshot: PartnerSnapshot, extra: [LuaValue] = []) throws -> [LuaValue] {
        let lua = evaluator.policySet.lua
        if table.pointee == nil {
            // A partner's first call into Lua (only functions can print): attribute
            // prints to it here, off the path of policies without functions.
            if evaluator.policySet.capturesPrints { evaluator.policySet.printCapture?.begin(snapshot.partner.id) }
            table.pointee = try SnapshotTable.make(snapshot, measures: evaluator.policySet.measures, in: lua)
        }
        return try lua.call(function, [.function(table.pointee!)] + extra, limits: policy.limits)
    }

    // MARK: - The whole evaluation

    func run(_ snapshot: PartnerSnapshot, state previous: PartnerProgramState,
             acknowledged: [AcknowledgedStep]) throws -> (PartnerEvaluation, PartnerProgramState) {
        var state = previous
        var current = plan.tierIndex(named: state.tier)
        if let stored = state.tier, current == nil {
            // A tier the policy renamed (`formerly`) is the new one; any other is an error, never a silent reset.
            guard let renamed = plan.formerTierIndex(named: stored) else {
                throw PartnerEvaluator.Failure.unknownTier(partner: snapshot.partner.id, tier: stored, policy: policy.name,
                                                           file: policy.file, tiers: Array(plan.tierNames))
            }
            current = renamed
            state.tier = plan.tierNames[renamed]
            state.review?.tier = plan.tierNames[renamed]
        }

        // Criteria: entry of every tier, maintenance of the current one.
        var results: [CriterionResult] = []
        results.reserveCapacity(policy.criteriaPerEvaluation)
        var qualifying: Int?
        var currentEntryHolds = false
        for t in 0..<plan.tierCount {
            var holds = true
            for step in plan.entry[t] {
                // Appended, then read in place: a result held in a local is copied into the array.
                results.append(try evaluate(step: step, phase: .entry, snapshot))
                if !results[results.count - 1].passed { holds = false }
            }
            if holds { qualifying = t }
            if t == current { currentEntryHolds = holds }
        }
        var maintains = true
        if let current, let maintain = plan.maintain[current] {
            for step in maintain {
                results.append(try evaluate(step: step, phase: .maintain, snapshot))
                if !results[results.count - 1].passed { maintains = false }
            }
        } else if current != nil {
            maintains = currentEntryHolds
        }

        // The tier state machine.
        let due = policy.cadence.isDue(on: asOf, lastEvaluation: state.lastTierEvaluation)
        var event: TierEvent = due ? .unchanged : .notDue
        let previousTier = previous.tier   // as stored: a renamed tier shows its former name
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
            state.tier = plan.tierNames[q]
            state.tierSince = asOf
            state.review = nil
            current = q
        } else if let tier = current {
            if maintains {
                if state.review != nil {
                    state.review = nil
                    event = .reviewCleared
                }
            } else if let review = state.review {
                if due && asOf >= review.deadline {
                    current = try demotionTarget(below: tier, snapshot)
                    state.tier = current.map { plan.tierNames[$0] }
                    state.tierSince = asOf
                    state.review = nil
                    event = .demoted
                } else if due {
                    event = .reviewContinues
                }
            } else if due {
                let deadline = policy.remediation.after(asOf)
                if deadline <= asOf {
                    current = try demotionTarget(below: tier, snapshot)
                    state.tier = current.map { plan.tierNames[$0] }
                    state.tierSince = asOf
                    event = .demoted
                } else {
                    state.review = TierReview(tier: plan.tierNames[tier], opened: asOf, deadline: deadline)
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
        let milestones = milestoneResults(firstQualified: state.firstQualified, firstAdvanced: state.firstAdvanced, snapshot)
        var raisedFlags: [String] = []
        for f in plan.flags.indices where try evaluate(step: plan.flags[f], phase: .entry, snapshot).passed {
            raisedFlags.append(policy.flags[f].name)
        }
        let (alerts, resolved, openAlerts) = alertResults(milestones: milestones, gates: gates, review: state.review,
                                                          health: health, flags: raisedFlags, previous: previous.openAlerts,
                                                          acknowledged: acknowledged)
        state.openAlerts = openAlerts

        // `current` is the tier the partner holds now (`state.tier`).
        var benefits = current.map { plan.benefits[$0] } ?? [:]
        var suspendedBenefits: [String] = [], suspendedProducts: [String] = []
        // An empty product list authorizes every product: then `authorized` stays empty and says "every product
        // but the suspended ones" through `authorizedAllProducts`.
        var authorized = snapshot.partner.products
        // Tested first: filtering for every partner, most of whom have no lapsed gate, cost ~20 instructions more.
        if gates.contains(where: { $0.status == .lapsed }) {
            let lapsed = gates.filter { $0.status == .lapsed }
            suspendedBenefits = Set(lapsed.flatMap(\.suspendedBenefits)).sorted()
            for benefit in suspendedBenefits { benefits[benefit] = nil }
            suspendedProducts = Set(lapsed.flatMap(\.suspendedProducts)).sorted()
            if !suspendedProducts.isEmpty { authorized = authorized.filter { !suspendedProducts.contains($0) } }
        }

        // The intervention of the alert the policy's precedence puts first (none: every alert alike), then
        // the most escalated one: the highest step, then the oldest, then the first key.
        var chosen: Int?
        for i in alerts.indices where alerts[i].intervention != nil {
            guard let best = chosen else { chosen = i; continue }
            if !plan.precedence.isEmpty {
                let first = plan.precedence(of: alerts[i].key), bestFirst = plan.precedence(of: alerts[best].key)
                if first != bestFirst {
                    if first < bestFirst { chosen = i }
                    continue
                }
            }
            let rank = (alerts[i].step, -alerts[i].firstRaised.daysSinceEpoch)
            let bestRank = (alerts[best].step, -alerts[best].firstRaised.daysSinceEpoch)
            if bestRank < rank || (bestRank == rank && alerts[i].key < alerts[best].key) { chosen = i }
        }
        let intervention = chosen.map {
            InterventionChoice(alert: alerts[$0].key, step: alerts[$0].step, action: alerts[$0].intervention!, owner: alerts[$0].owner)
        }

        var evaluation = PartnerEvaluation(
            partnerID: snapshot.partner.id, partnerName: snapshot.partner.name, program: snapshot.partner.program, asOf: asOf,
            policy: policy.identity, tierDue: due, previousTier: previousTier, tier: state.tier,
            previousStanding: previousStanding, standing: standing, tierEvent: event, review: state.review,
            qualifiesFor: qualifying.map { plan.tierNames[$0] },
            criteria: results, health: health, milestones: milestones, gates: gates, alerts: alerts,
            resolvedAlerts: resolved, intervention: intervention, benefits: benefits, suspendedBenefits: suspendedBenefits,
            authorizedProducts: authorized, authorizedAllProducts: snapshot.partner.products.isEmpty, suspendedProducts: suspendedProducts,
            snapshotHash: SnapshotHash.of(snapshot))
        if let incentives = policy.incentives {
            evaluation.incentives = try incentives.earnings(snapshot, tier: state.tier, suspended: suspendedBenefits,
                                                            applicable: gates.isEmpty ? [] : gates.filter { $0.status != .notApplicable }.map(\.gate)) {
                function, rule in
                let values = try callFunction(function, snapshot, extra: [state.tier.map(LuaValue.string) ?? .nil])
                return try FunctionResults.rate(values, of: function, "rate of incentive '\(rule.name)'",
                                                accelerated: rule.accelerators.reduce(.zero) { $0 + $1.add }, in: evaluator.policySet.lua)
            }
        }
        return (evaluation, state)
    }

    /// The highest tier below `current` whose maintenance criteria hold, if any.
    func demotionTarget(below current: Int, _ snapshot: PartnerSnapshot) throws -> Int? {
        var index = current - 1
        while index >= 0 {
            var holds = true
            for step in plan.maintenance[index] where holds {
                holds = try evaluate(step: step, phase: .maintain, snapshot).passed
            }
            if holds { return index }
            index -= 1
        }
        return nil
    }

    // MARK: - Criteria

    func evaluate(step index: Int, phase: CriterionResult.Phase, _ snapshot: PartnerSnapshot) throws -> CriterionResult {
        let step = plan.steps[index]
        var passed = false
        var observed = Observation.none
        var value: Double?
        var threshold: Double? = step.threshold
        var stated: String?   // a function states its requirement; declarative ones have their source's
        switch step.kind {
        case .metric:
            value = snapshot[step.metric]
            if let value {
                passed = step.comparison.holds(value, step.threshold)
                observed = .metric(value, step.metric)
            }
        case .measure:
            // A text latest value (or none) fails, showing what the partner has.
            value = snapshot.measure(step.measure)
            if let value {
                passed = step.comparison.holds(value, step.threshold)
                observed = .measured(value, step.measureType)
            } else if let text = snapshot.measures.text(step.measure) {
                observed = .words(text)
            }
        case .attribute:
            value = snapshot.attributes[plan.names[index]]?.number
            if let value {
                passed = step.comparison.holds(value, step.threshold)
                observed = .number(value)
            }
        case .certification, .credential:
            let record = step.kind == .certification ? snapshot.certification(plan.names[index]) : snapshot.credential(plan.names[index])
            passed = record?.isValid(on: asOf) ?? false
            observed = .words(Self.describe(record, on: asOf))
            threshold = nil
        case .territories:
            if snapshot.partner.territories.isEmpty {
                // An empty list authorizes every territory: more than any threshold.
                passed = step.comparison.holds(.infinity, step.threshold)
                observed = .words("every territory (no territory list)")
            } else {
                let count = Double(snapshot.partner.territories.count)
                value = count
                passed = step.comparison.holds(count, step.threshold)
                observed = .number(count)
            }
        case .function:
            let function = step.function!
            let values = try callFunction(function, snapshot)
            let lua = evaluator.policySet.lua
            passed = try FunctionResults.verdict(values, of: function, "ps.check '\(plan.sources[index].label)'", in: lua)
            try FunctionResults.checkExtras(values, names: ["observed value", "required value"], of: function,
                                            "ps.check '\(plan.sources[index].label)'", in: lua)
            observed = .words(values.count > 1 ? Self.text(values[1]) : (passed ? "yes" : "no"))
            value = values.count > 1 ? values[1].doubleValue : nil
            stated = values.count > 2 ? Self.text(values[2]) : "yes"
            threshold = values.count > 2 ? values[2].doubleValue : nil
        }
        // Made once, here: built in each case through a helper, the result was copied on its way out.
        return CriterionResult(source: plan.sources[index], phase: phase, observation: observed, observedValue: value,
                               statedRequirement: stated, thresholdValue: threshold, passed: passed)
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
        default: value.typeName   // not reached: FunctionResults refuses other values
        }
    }

    // MARK: - Health

    func healthResult(_ snapshot: PartnerSnapshot) throws -> HealthResult {
        let bands = plan.bands
        guard !plan.components.isEmpty else {
            return HealthResult(score: 0, band: bands.last?.name ?? "none", components: [])
        }
        var components: [HealthComponentResult] = []
        components.reserveCapacity(plan.components.count)
        var total = 0.0
        // Each component read in place from the plan (a copy would retain its strings).
        for i in plan.components.indices {
            var score = 0.0
            var observed = Observation.none
            if let function = plan.components[i].function {
                let values = try callFunction(function, snapshot)
                let lua = evaluator.policySet.lua
                score = try FunctionResults.score(values, of: function, "health component '\(plan.components[i].name)': score", in: lua)
                try FunctionResults.checkExtras(values, names: ["detail"], of: function,
                                                "health component '\(plan.components[i].name)': score", in: lua)
                observed = values.count > 1 ? .words(Self.text(values[1])) : .number(score)
            } else if let metric = plan.components[i].metric {
                if let value = snapshot[metric] {
                    observed = .metric(value, metric)
                    let floor = plan.components[i].floor
                    score = (value - floor) / (plan.components[i].target - floor)
                }
            } else if let measure = plan.components[i].measure {
                if let value = snapshot.measure(measure.index) {
                    observed = .measured(value, measure.type)
                    let floor = plan.components[i].floor
                    score = (value - floor) / (plan.components[i].target - floor)
                }
            }
            score = score.isFinite ? min(1, max(0, score)) : 0
            let weight = plan.components[i].weight
            let contribution = weight / plan.totalWeight * score * 100
            total += contribution
            components.append(HealthComponentResult(name: plan.components[i].name, weight: weight,
                                                    score: Self.round(score, 3), contribution: Self.round(contribution, 1),
                                                    observation: observed, target: plan.components[i].targetText))
        }
        // The band from the exact score (the first, highest first, whose minimum it reaches); the score
        // recorded and shown is rounded to 0.1 within that band.
        var b = 0
        while b < bands.count - 1 && !(total >= bands[b].minimum) { b += 1 }
        var score = Self.round(total, 1)
        // Rounding can leave the band only across its own minimum or the minimum of the band above.
        if score < bands[b].minimum || (b > 0 && score >= bands[b - 1].minimum) {
            // Toward the score's own band instead: 39.97 under a minimum of 40 shows 39.9, not 40.0 (or the
            // band's minimum when that is not a multiple of 0.1).
            score = score > total ? max((total * 10).rounded(.down) / 10, bands[b].minimum) : bands[b].minimum
        }
        return HealthResult(score: score, band: bands[b].name, components: components)
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

    func gateResults(previous: [String: GateStatus], _ snapshot: PartnerSnapshot) throws -> [GateResult] {
        guard !policy.gates.isEmpty else { return [] }
        var results: [GateResult] = []
        for gate in policy.gates {
            // A partner who may sell one of the gate's products (Partner's rule: an empty product list authorizes every one).
            var applies = gate.appliesToProducts.isEmpty || gate.appliesToProducts.contains(where: snapshot.partner.isAuthorized(product:))
            if let function = gate.appliesFunction {
                applies = try FunctionResults.verdict(callFunction(function, snapshot), of: function,
                                                      "gate '\(gate.name)': applies_to", in: evaluator.policySet.lua)
            }
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
                suspendedProducts: lapsed ? gate.suspendsProducts.filter(snapshot.partner.isAuthorized(product:)) : [],
                suspendedBenefits: lapsed ? gate.suspendsBenefits : []))
        }
        return results
    }

    // MARK: - Milestones

    func milestoneResults(firstQualified: Day?, firstAdvanced: Day?, _ snapshot: PartnerSnapshot) -> [MilestoneResult] {
        let start = policy.milestoneStart.start(enrolled: snapshot.partner.enrolled, effective: policy.effective)
        let dates = snapshot.milestones
        return plan.milestones.map { rule in
            let reached: Day?
            switch rule.step {
            case .firstLogin: reached = dates.firstLogin
            case .firstTraining: reached = dates.firstTraining
            case .firstDealRegistration: reached = dates.firstDealRegistration
            case .firstDealWon: reached = dates.firstDealWon
            case .firstTierQualification: reached = firstQualified
            case .firstTierAdvancement: reached = firstAdvanced
            }
            let deadline = rule.deadline.after(start)
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
                      flags: [String], previous: OpenAlerts, acknowledged: [AcknowledgedStep]) -> ([AlertResult], [AlertKey], OpenAlerts) {
        // The keys raised now, gathered on the stack: most partners raise none or one.
        withUnsafeTemporaryAllocation(of: AlertKey.self, capacity: 3 + 2 * gates.count + flags.count) { buffer in
            var count = 0
            func raise(_ kind: AlertKind, _ subject: String) {
                (buffer.baseAddress! + count).initialize(to: AlertKey(kind: kind, subject: subject))
                count += 1
            }
            // Only the current milestone (the first one not reached) raises an alert.
            if let current = milestones.firstIndex(where: { $0.reached == nil }), milestones[current].status == .overdue {
                raise(.milestoneOverdue, milestones[current].milestone.rawValue)
            }
            if let review { raise(.tierReview, review.tier) }
            for gate in gates.indices {
                if gates[gate].status == .warning { raise(.gateWarning, gates[gate].gate) }
                if gates[gate].status == .lapsed { raise(.gateLapsed, gates[gate].gate) }
            }
            if let red = plan.alertingBand, health.band == red { raise(.healthRed, "health") }
            for flag in flags { raise(.policyFlag, flag) }
            var keys = UnsafeMutableBufferPointer(rebasing: buffer[..<count])
            defer { _ = keys.deinitialize() }
            if count > 1 { keys.sort() }
            return alerts(keys, previous: previous, acknowledged: acknowledged)
        }
    }

    /// The alerts of `keys` (sorted), with when each was first raised and its step on the menu; the
    /// open alerts resolved now; and the open alerts to remember.
    private func alerts(_ keys: UnsafeMutableBufferPointer<AlertKey>, previous: OpenAlerts,
                        acknowledged: [AcknowledgedStep]) -> ([AlertResult], [AlertKey], OpenAlerts) {
        if keys.isEmpty && previous.isEmpty { return ([], [], [:]) }
        var open: [OpenAlerts.Entry] = []
        open.reserveCapacity(keys.count)
        var alerts: [AlertResult] = []
        alerts.reserveCapacity(keys.count)
        let menu = plan.menu
        for key in keys {
            let first = previous.isEmpty ? asOf : previous[key] ?? asOf
            if open.last?.key != key { open.append(OpenAlerts.Entry(key: key, firstRaised: first)) }
            // The last step of the menu that answers this alert and is due by now (read in place from the
            // plan); the routes alone when one names what the alert is about.
            var chosen: Int?
            if !plan.hasRoutes {
                for i in menu.indices where menu[i].answers(key.kind) && menu[i].after.after(first) <= asOf { chosen = i }
            } else if plan.isRouted(key) {
                for i in menu.indices where !menu[i].subjects.isEmpty && plan.step(i, answers: key) && menu[i].after.after(first) <= asOf {
                    chosen = i
                }
            } else {
                for i in menu.indices where menu[i].subjects.isEmpty && menu[i].answers(key.kind) && menu[i].after.after(first) <= asOf {
                    chosen = i
                }
            }
            // An acknowledged task of a step with a pause holds the alert at that step until the pause ends.
            var pausedUntil: Day?
            if !acknowledged.isEmpty, let due = chosen {
                for ack in acknowledged where ack.alert == key {
                    let held = ack.step - 1
                    guard held >= 0, held <= due, let pause = menu[held].pause, ack.on <= asOf, onPath(held, key) else { continue }
                    let until = pause.after(ack.on)
                    if asOf < until {
                        chosen = held
                        pausedUntil = until
                    }
                }
            }
            alerts.append(AlertResult(key: key, firstRaised: first, daysOpen: first.days(until: asOf), step: chosen.map { $0 + 1 } ?? 0,
                                      intervention: chosen.map { menu[$0].action }, owner: chosen.flatMap { menu[$0].owner },
                                      pausedUntil: pausedUntil))
        }
        let next = OpenAlerts(sorted: open)
        // Both in key order: the resolved ones come out sorted.
        let resolved = previous.isEmpty ? [] : previous.compactMap { next[$0.key] == nil ? $0.key : nil }
        return (alerts, resolved, next)
    }

    /// Whether menu step `i` is on the path of alert `key`: a route naming
    /// what it is about when a route does, else a step that names nothing.
    private func onPath(_ i: Int, _ key: AlertKey) -> Bool {
        if !plan.hasRoutes { return plan.menu[i].answers(key.kind) }
        return plan.isRouted(key) ? !plan.menu[i].subjects.isEmpty && plan.step(i, answers: key)
            : plan.menu[i].subjects.isEmpty && plan.menu[i].answers(key.kind)
    }
}

extension PartnerEvaluator.Failure: ProblemConvertible {
    /// A policy function's failure is `policy_error` with the policy's file
    /// and line; a partner no policy governs, or in a tier its policy lacks,
    /// is refused as unprocessable too; a snapshot without the measures is the caller's bug.
    public var problem: Problem {
        switch self {
        case .policyFunction(_, let error):
            Problem("policy_error", .unprocessable, message: description, file: error.file, line: error.line, field: error.field,
                    label: "policy")
        case .noPolicy:
            Problem("not_governed", .unprocessable, message: description, label: "policy")
        case .unknownTier(_, _, _, let file, _):
            Problem("unknown_tier", .unprocessable, message: description, file: file, label: "policy")
        case .measuresMissing:
            Problem("measures_missing", .internal, message: description, label: "policy")
        }
    }
}
