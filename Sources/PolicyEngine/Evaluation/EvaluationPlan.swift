import LuaHost
import PartnerModel

/// A policy laid out the way an evaluation reads it, partner after partner:
/// one flat list of criterion steps with each tier's range in it, the health
/// components, the milestone rules and the intervention menu as plain
/// values in memory of the plan's own. Built once when the policy loads.
///
/// The policy's own types hold strings and arrays. Reading a field of one
/// of their elements inside the evaluation's loops made Swift copy the
/// element — retaining and releasing each of its strings, an atomic
/// operation each — which was most of an evaluation's reference counting.
/// Elements read through these buffers are read in place; a string is
/// copied only into a result that keeps it.
final class EvaluationPlan: @unchecked Sendable {
    // @unchecked: the buffers are written in `init` and only read after.

    /// A declarative criterion's test as plain values.
    struct Step {
        enum Kind { case metric, measure, attribute, certification, credential, territories, function }
        var kind: Kind
        var metric: Metric
        /// A measure step's position in the snapshot's measures, and its type.
        var measure = 0
        var measureType = MeasureType.number
        var comparison: Comparison
        var threshold: Double
        var function: LuaReference?
    }

    struct Component {
        var metric: Metric?
        var measure: MeasureRef?
        var weight: Double
        var target: Double
        var floor: Double
        var function: LuaReference?
        var name: String
        var targetText: String
    }

    struct MenuStep {
        var after: Period
        /// The alert kinds it answers, one bit per kind (all bits: any).
        var kinds: UInt8
        var action: String
        var owner: String?
        /// How long an acknowledged task of this step holds escalation (nil: it does not).
        var pause: Period?
        /// A route's gates, flags and milestones, in ``menuSubjects`` (empty: not a route).
        var subjects: Range<Int>

        func answers(_ kind: AlertKind) -> Bool { kinds & (1 << kind.rank) != 0 }
    }

    /// A gate, flag or milestone a route names, with the alert kinds about it as bits.
    struct MenuSubject {
        var kinds: UInt8
        var name: String
    }

    /// Every criterion of every tier (entry, then maintenance), then the flags' conditions.
    let steps: UnsafeMutableBufferPointer<Step>
    /// Step `i`'s texts, shared by all its results.
    let sources: UnsafeMutableBufferPointer<CriterionSource>
    /// Step `i`'s attribute, certification or credential name ("" for the other tests).
    let names: UnsafeMutableBufferPointer<String>
    /// Per tier: its entry criteria, and its maintenance criteria (nil: the entry criteria decide).
    let entry: UnsafeMutableBufferPointer<Range<Int>>
    let maintain: UnsafeMutableBufferPointer<Range<Int>?>
    /// Per tier: what a partner below it is measured against to keep it (maintenance, else entry), as maintenance.
    let maintenance: UnsafeMutableBufferPointer<Range<Int>>
    let tierNames: UnsafeMutableBufferPointer<String>
    /// Names tiers had before (`formerly`), with the tier's position.
    let formerTierNames: UnsafeMutableBufferPointer<(name: String, tier: Int)>
    let benefits: UnsafeMutableBufferPointer<[String: BenefitValue]>
    /// Per flag: the step of its condition.
    let flags: UnsafeMutableBufferPointer<Int>
    let components: UnsafeMutableBufferPointer<Component>
    /// The components' weights summed in order.
    let totalWeight: Double
    /// Highest first.
    let bands: UnsafeMutableBufferPointer<HealthBand>
    /// ``HealthModel/alertingBand``.
    let alertingBand: String?
    let milestones: UnsafeMutableBufferPointer<MilestoneRule>
    let menu: UnsafeMutableBufferPointer<MenuStep>
    /// What the menu's routes name (``MenuStep/subjects``).
    let menuSubjects: UnsafeMutableBufferPointer<MenuSubject>
    /// The policy's `intervention_precedence`, first wins.
    let precedence: UnsafeMutableBufferPointer<AlertPattern>

    init(tiers: [TierDefinition], health: HealthModel, milestones: [MilestoneRule], interventions: [InterventionStep],
         precedence: [AlertPattern], flags: [PolicyFlag]) {
        var steps: [Step] = [], sources: [CriterionSource] = [], names: [String] = []
        func add(_ criteria: [Criterion], tier: String) -> Range<Int> {
            let start = steps.count
            for criterion in criteria {
                var step = Step(kind: .metric, metric: .revenue1m, comparison: .atLeast, threshold: 0, function: nil)
                var name = ""
                switch criterion.test {
                case .metric(let metric, let op, let threshold):
                    (step.metric, step.comparison, step.threshold) = (metric, op, threshold)
                case .measure(let measure, let op, let threshold):
                    (step.kind, step.measure, step.measureType, step.comparison, step.threshold) = (.measure, measure.index, measure.type, op, threshold)
                case .attribute(let attribute, let op, let threshold):
                    (step.kind, name, step.comparison, step.threshold) = (.attribute, attribute, op, threshold)
                case .certification(let certification): (step.kind, name) = (.certification, certification)
                case .credential(let kind): (step.kind, name) = (.credential, kind)
                case .territories(let op, let threshold): (step.kind, step.comparison, step.threshold) = (.territories, op, threshold)
                case .function(let function): (step.kind, step.function) = (.function, function)
                }
                steps.append(step)
                names.append(name)
                sources.append(CriterionSource(tier: tier, label: criterion.label, requirement: criterion.requirement,
                                               file: criterion.file, line: criterion.line))
            }
            return start..<steps.count
        }
        var entry: [Range<Int>] = [], maintain: [Range<Int>?] = []
        for tier in tiers {
            entry.append(add(tier.entry, tier: tier.name))
            maintain.append(tier.maintain.map { add($0, tier: tier.name) })
        }
        let flagSteps = flags.map { add([$0.condition], tier: "flag \($0.name)").lowerBound }

        self.steps = .copy(steps)
        self.sources = .copy(sources)
        self.names = .copy(names)
        self.entry = .copy(entry)
        self.maintain = .copy(maintain)
        maintenance = .copy(zip(entry, maintain).map { $1 ?? $0 })
        tierNames = .copy(tiers.map(\.name))
        formerTierNames = .copy(tiers.indices.flatMap { t in tiers[t].formerly.map { (name: $0, tier: t) } })
        benefits = .copy(tiers.map(\.benefits))
        self.flags = .copy(flagSteps)
        components = .copy(health.components.map {
            Component(metric: $0.metric, measure: $0.measure, weight: $0.weight, target: $0.target, floor: $0.floor, function: $0.scoreFunction,
                      name: $0.name, targetText: $0.targetText)
        })
        totalWeight = health.components.reduce(0) { $0 + $1.weight }
        bands = .copy(health.bands)
        alertingBand = health.alertingBand
        self.milestones = .copy(milestones)
        var subjects: [MenuSubject] = []
        menu = .copy(interventions.map { step in
            let start = subjects.count
            let gateKinds = UInt8(1 << AlertKind.gateWarning.rank | 1 << AlertKind.gateLapsed.rank)
            subjects += step.gates.map { MenuSubject(kinds: gateKinds, name: $0) }
            subjects += step.flags.map { MenuSubject(kinds: 1 << AlertKind.policyFlag.rank, name: $0) }
            subjects += step.milestones.map { MenuSubject(kinds: 1 << AlertKind.milestoneOverdue.rank, name: $0) }
            return MenuStep(after: step.after, kinds: step.kinds.isEmpty ? .max : step.kinds.reduce(0) { $0 | 1 << $1.rank },
                            action: step.action, owner: step.owner, pause: step.pause, subjects: start..<subjects.count)
        })
        menuSubjects = .copy(subjects)
        hasRoutes = !subjects.isEmpty
        self.precedence = .copy(precedence)
    }

    /// Whether any step of the menu is a route.
    let hasRoutes: Bool

    /// Whether menu step `i` answers the alert `key`: its kinds include the
    /// alert's, and a route names what the alert is about.
    func step(_ i: Int, answers key: AlertKey) -> Bool {
        guard menu[i].answers(key.kind) else { return false }
        let subjects = menu[i].subjects
        if subjects.isEmpty { return true }
        let bit = UInt8(1 << key.kind.rank)
        for j in subjects where menuSubjects[j].kinds & bit != 0 && menuSubjects[j].name == key.subject { return true }
        return false
    }

    /// Whether a route of the menu answers `key`: then only routes do.
    func isRouted(_ key: AlertKey) -> Bool {
        guard hasRoutes else { return false }
        for i in menu.indices where !menu[i].subjects.isEmpty && step(i, answers: key) { return true }
        return false
    }

    /// The position of the first `intervention_precedence` entry `key` matches (the entry count when none does).
    func precedence(of key: AlertKey) -> Int {
        for i in precedence.indices where precedence[i].matches(key) { return i }
        return precedence.count
    }

    deinit {
        Self.free(steps); Self.free(sources); Self.free(names); Self.free(entry); Self.free(maintain)
        Self.free(maintenance); Self.free(tierNames); Self.free(formerTierNames); Self.free(benefits); Self.free(flags); Self.free(components)
        Self.free(bands); Self.free(milestones); Self.free(menu); Self.free(menuSubjects); Self.free(precedence)
    }

    private static func free<T>(_ buffer: UnsafeMutableBufferPointer<T>) {
        _ = buffer.deinitialize()
        buffer.deallocate()
    }

    var tierCount: Int { tierNames.count }

    /// The position of the tier named `name` (0 = entry tier), if the policy has it.
    func tierIndex(named name: String?) -> Int? {
        guard let name else { return nil }
        for i in tierNames.indices where tierNames[i] == name { return i }
        return nil
    }

    /// The position of the tier that was formerly called `name`, if any.
    func formerTierIndex(named name: String) -> Int? {
        for i in formerTierNames.indices where formerTierNames[i].name == name { return formerTierNames[i].tier }
        return nil
    }
}

private extension UnsafeMutableBufferPointer {
    /// A buffer of its own holding `elements`.
    static func copy(_ elements: [Element]) -> UnsafeMutableBufferPointer<Element> {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: elements.count)
        _ = buffer.initialize(from: elements)
        return buffer
    }
}
