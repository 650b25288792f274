import Foundation
import PartnerModel
import PolicyEngine

/// The parts of a decision's evidence that come from the policy, not from
/// the partner: the policy's identity, each criterion's label, requirement,
/// threshold and source line, each health component's name, weight and
/// target, the texts of the intervention menu, each tier's benefits and each
/// milestone's deadline rule.
///
/// The decision log stores them once per run and policy; each decision's
/// detail refers to them (``DecisionDetail/write(_:texts:to:)``) instead of
/// repeating them for every partner, which is about a third of its bytes. A
/// detail written that way reads back with ``DecisionDetail/decode(_:texts:columns:)``
/// into exactly the evaluation that was written.
public struct DecisionTexts: Sendable, Codable, Equatable {
    public struct CriterionText: Sendable, Codable, Hashable {
        public var label: String
        /// nil for a function criterion, whose requirement each call states.
        public var required: String?
        public var thresholdValue: Double?
        public var file: String
        public var line: Int?
        /// How the criterion puts its observed value in words: the name of
        /// the metric it reads (`revenue_12m`), `number`, or for a measure
        /// its type when not a plain number (`money`, `ratio`); nil where the
        /// words are not the value's (a function, a credential), and in
        /// texts stored before details left such words out.
        public var observedAs: String?

        enum CodingKeys: String, DetailKey {
            case label, required, thresholdValue = "threshold_value", file, line, observedAs = "observed_as"
        }

        init(label: String, required: String?, thresholdValue: Double?, file: String, line: Int?, observedAs: String?) {
            self.label = label
            self.required = required
            self.thresholdValue = thresholdValue
            self.file = file
            self.line = line
            self.observedAs = observedAs
        }

        /// Texts stored before keys were snake_case read the same way.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.detailContainer(CodingKeys.self)
            label = try c.decode(String.self, .label)
            required = try c.decodeIfPresent(String.self, .required)
            thresholdValue = try c.decodeIfPresent(Double.self, .thresholdValue)
            file = try c.decode(String.self, .file)
            line = try c.decodeIfPresent(Int.self, .line)
            observedAs = try c.decodeIfPresent(String.self, .observedAs)
        }

        /// The observation a compact detail left out, from its observed value; nil when these texts cannot say.
        func observation(of value: Double?) -> Observation? {
            guard let observedAs else { return nil }
            guard let value else { return Observation.none }
            if observedAs == Self.number { return .number(value) }
            if let type = MeasureType(rawValue: observedAs) { return .measure(value, type) }
            return Metric(name: observedAs).map { .metric(value, $0) }
        }

        /// Whether `observation`, with `value`, reads as these texts would write it, so a compact detail can leave it out.
        func writes(_ observation: Observation, value: Double?) -> Bool {
            guard let observedAs else { return false }
            switch observation {
            case .none: return value == nil
            case .number(let n): return observedAs == Self.number && value == n
            case .metric(let n, let metric): return value == n && observedAs == metric.name
            case .measure(let n, let type): return value == n && observedAs == type.rawValue
            case .words: return false
            }
        }

        static let number = "number"
    }

    public struct ComponentText: Sendable, Codable, Equatable {
        public var name: String
        public var weight: Double
        public var target: String
    }

    public struct MilestoneText: Sendable, Codable, Equatable {
        public var milestone: MilestoneRule.Step
        /// After enrollment.
        public var deadline: Period
    }

    public struct InterventionText: Sendable, Codable, Equatable {
        public var action: String
        public var owner: String?
    }

    public var policy: PolicyIdentity
    /// Every tier's entry and maintenance criteria, in policy order, without repeats.
    public var criteria: [CriterionText]
    /// The health components, in policy order.
    public var components: [ComponentText]
    /// The intervention menu, in policy order (step `n` is `interventions[n - 1]`).
    public var interventions: [InterventionText]
    /// Each tier's benefits, by tier name (nil in texts stored before details
    /// left out benefits that are their tier's).
    public var benefits: [String: [String: BenefitValue]]?
    /// The milestones and their deadlines, in policy order (nil in texts
    /// stored before details left out the deadlines they imply).
    public var milestones: [MilestoneText]?

    private enum CodingKeys: String, CodingKey { case policy, criteria, components, interventions, benefits, milestones }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        policy = try c.decode(StoredPolicyIdentity.self, forKey: .policy).value
        criteria = try c.decode([CriterionText].self, forKey: .criteria)
        components = try c.decode([ComponentText].self, forKey: .components)
        interventions = try c.decode([InterventionText].self, forKey: .interventions)
        benefits = try c.decodeIfPresent([String: [String: BenefitValue]].self, forKey: .benefits)
        milestones = try c.decodeIfPresent([MilestoneText].self, forKey: .milestones)
    }

    public init(policy: Policy) {
        self.policy = policy.identity
        criteria = []
        for tier in policy.tiers {
            for criterion in tier.entry + (tier.maintain ?? []) {
                let threshold: Double? = switch criterion.test {
                case .metric(_, _, let t), .measure(_, _, let t), .attribute(_, _, let t), .territories(_, let t): t
                case .certification, .credential, .function: nil
                }
                let observedAs: String? = switch criterion.test {
                case .metric(let metric, _, _): metric.name
                case .measure(let measure, _, _):
                    if case .measure(_, let type) = Observation.measured(0, measure.type) { type.rawValue } else { CriterionText.number }
                case .attribute, .territories: CriterionText.number
                case .certification, .credential, .function: nil
                }
                let text = CriterionText(label: criterion.label, required: criterion.requirement, thresholdValue: threshold,
                                         file: criterion.file, line: criterion.line, observedAs: observedAs)
                if !criteria.contains(text) { criteria.append(text) }
            }
        }
        components = policy.health.components.map { ComponentText(name: $0.name, weight: $0.weight, target: $0.targetText) }
        interventions = policy.interventions.map { InterventionText(action: $0.action, owner: $0.owner) }
        benefits = Dictionary(policy.tiers.map { ($0.name, $0.benefits) }, uniquingKeysWith: { first, _ in first })
        milestones = policy.milestones.map { MilestoneText(milestone: $0.step, deadline: $0.deadline) }
    }

    /// The enrollment day that the deadline of a detail's first milestone
    /// implies, when these texts can tell: the deadline less the first rule's
    /// whole number of days. The others' deadlines then follow from their rules.
    func enrollment(first milestone: MilestoneRule.Step, deadline: Day) -> Day? {
        guard let rule = milestones?.first, rule.milestone == milestone, rule.deadline.months == 0 else { return nil }
        return deadline.adding(days: -rule.deadline.days)
    }

    /// The deadline of `milestone` for a partner enrolled on `enrolled`, if these texts have its rule.
    func deadline(of milestone: MilestoneRule.Step, enrolled: Day) -> Day? {
        milestones?.first { $0.milestone == milestone }?.deadline.after(enrolled)
    }

    /// The benefits a partner in `tier` has when no gate suspends any (none
    /// without a tier); nil when these texts do not know them.
    func benefits(ofTier tier: String?) -> [String: BenefitValue]? {
        guard let benefits else { return nil }
        guard let tier else { return [:] }
        return benefits[tier]
    }

    /// The position of the text with this criterion's label and source, if
    /// any. A scan, line first: a policy has a handful of criteria, and
    /// hashing labels (often not ASCII: "≥") costs more.
    func criterion(for result: CriterionResult) -> Int? {
        criteria.firstIndex { $0.line == result.line && $0.label == result.label && $0.file == result.file }
    }

    /// The texts of every policy of `set`, by content hash (the first policy
    /// wins when two share one).
    public static func of(_ set: PolicySet) -> [String: DecisionTexts] {
        var texts: [String: DecisionTexts] = [:]
        for policy in set.policies where texts[policy.contentHash] == nil {
            texts[policy.contentHash] = DecisionTexts(policy: policy)
        }
        return texts
    }

    /// The texts as JSON (sorted keys), as the decision log stores them.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Texts read back from their ``json()``.
    public init(json: String) throws {
        self = try JSONDecoder().decode(DecisionTexts.self, from: Data(json.utf8))
    }

    /// Where a decoder finds the texts a compact detail refers to.
    static let userInfoKey = CodingUserInfoKey(rawValue: "partnerscore.decisionTexts")!
}

extension Decoder {
    /// The texts a compact detail refers to; an error naming `what` when the
    /// decoder was not given them.
    func decisionTexts(for what: String) throws -> DecisionTexts {
        guard let texts = userInfo[DecisionTexts.userInfoKey] as? DecisionTexts else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription:
                "this decision refers to its policy's texts (\(what)); read it with the texts of its run (decision_text)"))
        }
        return texts
    }

    /// Entry `index` of one of the policy's lists of texts (criteria, health
    /// components, intervention steps) that a compact detail refers to, for `what`.
    func decisionText<Text>(_ list: KeyPath<DecisionTexts, [Text]>, _ index: Int, for what: String) throws -> Text {
        let texts = try decisionTexts(for: what)[keyPath: list]
        guard texts.indices.contains(index) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "no text for \(what) in this policy's texts"))
        }
        return texts[index]
    }
}
