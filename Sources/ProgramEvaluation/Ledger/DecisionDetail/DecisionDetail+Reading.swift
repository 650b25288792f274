import Foundation
import PartnerModel
import PolicyEngine

// Reading a decision's detail back, in every form the decision log has
// held: in full (what `PartnerEvaluation.write(to:)` writes), or compact
// (what `DecisionDetail.write(_:texts:to:)` writes): a criterion gives a
// `ref` to its text, a health component a `ref` to its name, weight and
// target, an alert or intervention leaves out the texts of its step, and the
// policy is left out. Every field left out equals the texts' (the writer
// writes it otherwise, `null` for a nil), so the evaluation read back is
// exactly the one written. It also leaves out empty lists, benefits that are
// those of the partner's tier, milestone deadlines (after the first) that
// follow from their rules, and what the decision's row holds
// (`DecisionColumns`): such a detail has no `as_of`.
//
// Keys are snake_case, like all of the CLI's and the API's JSON; details
// written before (ledger-v2 and earlier) have camelCase keys
// (`partnerID`, `observedValue`), and read the same way.
//
// Each `Stored…` type reads one part of a detail and gives the evaluation's
// own type (`value`).

extension DecisionDetail {
    /// Read a decision's detail as the decision log stores it: in full, or
    /// compact, referring to `texts` (the texts of its run and policy) and
    /// leaving out `columns` (those of its row). Throws when the detail
    /// refers to texts or columns it was not given.
    public static func decode(_ detail: Data, texts: DecisionTexts?, columns: DecisionColumns?) throws -> PartnerEvaluation {
        let decoder = JSONDecoder()
        if let texts { decoder.userInfo[DecisionTexts.userInfoKey] = texts }
        if let columns { decoder.userInfo[DecisionColumns.userInfoKey] = columns }
        return try decoder.decode(StoredEvaluation.self, from: detail).value
    }
}

/// Any key of a detail object, by its text.
struct DetailKeyName: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The keys of a detail object: snake_case, and the camelCase name details had before.
protocol DetailKey: CodingKey, RawRepresentable<String> {}

// The keys the full form is written with are the ones a detail is read by.
extension PartnerEvaluation.Keys: DetailKey {}
extension PolicyIdentity.Keys: DetailKey {}
extension GateResult.Keys: DetailKey {}
extension AlertResult.Keys: DetailKey {}

extension DetailKey {
    /// The camelCase name of the key in details written before keys were snake_case (`partner_id` → `partnerID`).
    var legacyName: String {
        let parts = rawValue.split(separator: "_")
        guard parts.count > 1 else { return rawValue }
        return String(parts[0]) + parts.dropFirst().map { $0 == "id" ? "ID" : $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

/// A detail object read by its snake_case keys, or by their camelCase names in a detail written before.
struct DetailContainer<Key: DetailKey> {
    let container: KeyedDecodingContainer<DetailKeyName>

    var codingPath: [any CodingKey] { container.codingPath }

    func key(_ key: Key) -> DetailKeyName {
        let snake = DetailKeyName(stringValue: key.rawValue)
        if container.contains(snake) { return snake }
        let legacy = DetailKeyName(stringValue: key.legacyName)
        return container.contains(legacy) ? legacy : snake
    }

    func contains(_ key: Key) -> Bool { container.contains(self.key(key)) }
    func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T { try container.decode(type, forKey: self.key(key)) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        try container.decodeIfPresent(type, forKey: self.key(key))
    }
}

extension Decoder {
    func detailContainer<Key: DetailKey>(_: Key.Type) throws -> DetailContainer<Key> {
        DetailContainer(container: try container(keyedBy: DetailKeyName.self))
    }
}

struct StoredEvaluation: Decodable {
    let value: PartnerEvaluation
    typealias Keys = PartnerEvaluation.Keys

    init(from decoder: any Decoder) throws {
        let c = try decoder.detailContainer(Keys.self)
        // Left out, with the other columns of the decision's row, from a compact detail.
        let columns = c.contains(.asOf) ? nil : try decoder.decisionColumns()
        let policy = try c.decodeIfPresent(StoredPolicyIdentity.self, .policy)?.value
            ?? decoder.decisionTexts(for: "policy").policy
        let previousTier: String?, tier: String?, previousStanding: Standing, standing: Standing
        let tierEvent: TierEvent, snapshotHash: SnapshotDigest
        if let columns {
            previousTier = columns.previousTier
            tier = columns.tier
            previousStanding = columns.previousStanding
            standing = columns.standing
            tierEvent = columns.tierEvent
            snapshotHash = columns.snapshotHash
        } else {
            previousTier = try c.decodeIfPresent(String.self, .previousTier)
            tier = try c.decodeIfPresent(String.self, .tier)
            previousStanding = try c.decode(Standing.self, .previousStanding)
            standing = try c.decode(Standing.self, .standing)
            tierEvent = try c.decode(TierEvent.self, .tierEvent)
            snapshotHash = try c.decode(SnapshotDigest.self, .snapshotHash)
        }
        // A compact detail leaves out the lists that are empty.
        func list<T: Decodable>(_ key: Keys) throws -> [T] {
            if c.contains(key) { return try c.decode([T].self, key) }
            _ = try decoder.decisionTexts(for: "an empty \(key.rawValue)")
            return []
        }
        let benefits: [String: BenefitValue]
        if c.contains(.benefits) {
            benefits = try c.decode([String: BenefitValue].self, .benefits)
        } else if let tierBenefits = try decoder.decisionTexts(for: "the benefits of its tier").benefits(ofTier: tier) {
            benefits = tierBenefits
        } else {
            throw DecodingError.keyNotFound(Keys.benefits, .init(codingPath: c.codingPath, debugDescription:
                "the texts of its run do not know the benefits of tier \(tier ?? "none")"))
        }
        let authorizedProducts = try c.decode([String].self, .authorizedProducts)
        let suspendedProducts: [String] = try list(.suspendedProducts)
        let authorizedAllProducts: Bool
        if let all = try c.decodeIfPresent(Bool.self, .authorizedAllProducts) {
            authorizedAllProducts = all
        } else if c.container.contains(DetailKeyName(stringValue: Keys.partnerID.legacyName)) {
            // Written before the flag: an empty product list authorized everything and no gate suspended any of it.
            authorizedAllProducts = authorizedProducts.isEmpty && suspendedProducts.isEmpty
        } else {
            authorizedAllProducts = false   // a compact detail leaves it out when false
        }
        value = PartnerEvaluation(
            partnerID: try c.decode(String.self, .partnerID), partnerName: try c.decode(String.self, .partnerName),
            program: try c.decode(String.self, .program), asOf: try columns?.asOf ?? c.decode(Day.self, .asOf), policy: policy,
            tierDue: try c.decode(Bool.self, .tierDue), previousTier: previousTier, tier: tier,
            previousStanding: previousStanding, standing: standing, tierEvent: tierEvent,
            review: try c.decodeIfPresent(TierReview.self, .review), qualifiesFor: try c.decodeIfPresent(String.self, .qualifiesFor),
            criteria: try c.decode([StoredCriterion].self, .criteria).map(\.value),
            health: try c.decode(StoredHealth.self, .health).value,
            milestones: try Self.milestones(try c.decode([StoredMilestone].self, .milestones), decoder),
            gates: try (list(.gates) as [StoredGate]).map(\.value), alerts: try (list(.alerts) as [StoredAlert]).map(\.value),
            resolvedAlerts: try list(.resolvedAlerts),
            intervention: try c.decodeIfPresent(StoredIntervention.self, .intervention)?.value,
            benefits: benefits, suspendedBenefits: try list(.suspendedBenefits), authorizedProducts: authorizedProducts,
            authorizedAllProducts: authorizedAllProducts, suspendedProducts: suspendedProducts, snapshotHash: snapshotHash)
    }

    /// A milestone as a detail holds it: a compact one leaves out the deadlines after the first that its rule gives.
    private struct StoredMilestone: Decodable {
        var milestone: MilestoneRule.Step
        var deadline: Day?
        var reached: Day?
        var status: MilestoneResult.Status
        var days: Int
    }

    private static func milestones(_ stored: [StoredMilestone], _ decoder: any Decoder) throws -> [MilestoneResult] {
        var enrolled: Day?
        var texts: DecisionTexts?
        if stored.contains(where: { $0.deadline == nil }) {
            texts = try decoder.decisionTexts(for: "milestone deadlines")
            if let first = stored.first, let deadline = first.deadline {
                enrolled = texts?.enrollment(first: first.milestone, deadline: deadline)
            }
        }
        return try stored.map { ms in
            guard let deadline = ms.deadline ?? enrolled.flatMap({ texts?.deadline(of: ms.milestone, enrolled: $0) }) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                    "milestone \(ms.milestone.rawValue) has no deadline, and the texts of its run do not give it"))
            }
            return MilestoneResult(milestone: ms.milestone, deadline: deadline, reached: ms.reached, status: ms.status, days: ms.days)
        }
    }
}

struct StoredPolicyIdentity: Decodable {
    let value: PolicyIdentity
    typealias Keys = PolicyIdentity.Keys

    init(from decoder: any Decoder) throws {
        let c = try decoder.detailContainer(Keys.self)
        value = PolicyIdentity(name: try c.decode(String.self, .name), version: try c.decode(String.self, .version),
                               contentHash: try c.decode(String.self, .contentHash), file: try c.decode(String.self, .file))
    }
}

struct StoredHealth: Decodable {
    let value: HealthResult

    private enum Keys: String, CodingKey { case score, band, components }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let components = try c.decode([StoredHealthComponent].self, forKey: .components).map(\.value)
        // A compact detail leaves the score and band to the decision's row.
        if c.contains(.score) {
            value = HealthResult(score: try c.decode(Double.self, forKey: .score), band: try c.decode(String.self, forKey: .band),
                                 components: components)
        } else {
            let columns = try decoder.decisionColumns()
            value = HealthResult(score: columns.healthScore, band: columns.healthBand, components: components)
        }
    }
}

struct StoredCriterion: Decodable {
    let value: CriterionResult

    enum Keys: String, DetailKey {
        case tier, phase, label, observed, observedValue = "observed_value", required, thresholdValue = "threshold_value"
        case passed, file, line, ref
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.detailContainer(Keys.self)
        let tier = try c.decode(String.self, .tier)
        let phase = try c.decode(CriterionResult.Phase.self, .phase)
        let observedValue = try c.decodeIfPresent(Double.self, .observedValue)
        let passed = try c.decode(Bool.self, .passed)
        guard let ref = try c.decodeIfPresent(Int.self, .ref) else {
            value = CriterionResult(tier: tier, phase: phase, label: try c.decode(String.self, .label),
                                    observation: .words(try c.decode(String.self, .observed)), observedValue: observedValue,
                                    required: try c.decode(String.self, .required),
                                    thresholdValue: try c.decodeIfPresent(Double.self, .thresholdValue), passed: passed,
                                    file: try c.decode(String.self, .file), line: try c.decodeIfPresent(Int.self, .line))
            return
        }
        let text = try decoder.decisionText(\.criteria, ref, for: "criterion \(ref)")
        // A compact detail leaves out words that only repeat the observed value the criterion's way.
        let observation: Observation
        if let words = try c.decodeIfPresent(String.self, .observed) {
            observation = .words(words)
        } else if let derived = text.observation(of: observedValue) {
            observation = derived
        } else {
            throw DecodingError.keyNotFound(Keys.observed, .init(codingPath: c.codingPath, debugDescription:
                "the texts of its run do not say how criterion \(ref) puts its observed value in words"))
        }
        let required: String
        if c.contains(.required) {
            required = try c.decode(String.self, .required)
        } else if let given = text.required {
            required = given
        } else {
            throw DecodingError.keyNotFound(Keys.required, .init(codingPath: c.codingPath, debugDescription: "a function criterion states its requirement"))
        }
        let thresholdValue = c.contains(.thresholdValue) ? try c.decodeIfPresent(Double.self, .thresholdValue) : text.thresholdValue
        value = CriterionResult(tier: tier, phase: phase, label: text.label, observation: observation, observedValue: observedValue,
                                required: required, thresholdValue: thresholdValue, passed: passed, file: text.file, line: text.line)
    }
}

struct StoredHealthComponent: Decodable {
    let value: HealthComponentResult

    private enum Keys: String, CodingKey { case name, weight, score, contribution, observed, target, ref }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let score = try c.decode(Double.self, forKey: .score)
        let contribution = try c.decode(Double.self, forKey: .contribution)
        let observation = Observation.words(try c.decode(String.self, forKey: .observed))
        guard let ref = try c.decodeIfPresent(Int.self, forKey: .ref) else {
            value = HealthComponentResult(name: try c.decode(String.self, forKey: .name), weight: try c.decode(Double.self, forKey: .weight),
                                          score: score, contribution: contribution, observation: observation,
                                          target: try c.decode(String.self, forKey: .target))
            return
        }
        let text = try decoder.decisionText(\.components, ref, for: "health component \(ref)")
        value = HealthComponentResult(name: try c.decodeIfPresent(String.self, forKey: .name) ?? text.name,
                                      weight: try c.decodeIfPresent(Double.self, forKey: .weight) ?? text.weight,
                                      score: score, contribution: contribution, observation: observation,
                                      target: try c.decodeIfPresent(String.self, forKey: .target) ?? text.target)
    }
}

struct StoredAlert: Decodable {
    let value: AlertResult
    typealias Keys = AlertResult.Keys

    init(from decoder: any Decoder) throws {
        let c = try decoder.detailContainer(Keys.self)
        let key = try c.decode(AlertKey.self, .key)
        let step = try c.decode(Int.self, .step)
        let intervention: String?, owner: String?
        // In full, a step reached always names its intervention.
        if c.contains(.intervention) || step == 0 {
            intervention = try c.decodeIfPresent(String.self, .intervention)
            owner = try c.decodeIfPresent(String.self, .owner)
        } else {
            let text = try decoder.decisionText(\.interventions, step - 1, for: "step \(step) of alert \(key)")
            intervention = text.action
            owner = text.owner
        }
        value = AlertResult(key: key, firstRaised: try c.decode(Day.self, .firstRaised), daysOpen: try c.decode(Int.self, .daysOpen),
                            step: step, intervention: intervention, owner: owner,
                            pausedUntil: try c.decodeIfPresent(Day.self, .pausedUntil))
    }
}

struct StoredIntervention: Decodable {
    let value: InterventionChoice

    private enum Keys: String, CodingKey { case alert, step, action, owner }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let alert = try c.decode(AlertKey.self, forKey: .alert)
        let step = try c.decode(Int.self, forKey: .step)
        if c.contains(.action) {
            value = InterventionChoice(alert: alert, step: step, action: try c.decode(String.self, forKey: .action),
                                       owner: try c.decodeIfPresent(String.self, forKey: .owner))
        } else {
            let text = try decoder.decisionText(\.interventions, step - 1, for: "step \(step) of the intervention")
            value = InterventionChoice(alert: alert, step: step, action: text.action, owner: text.owner)
        }
    }
}

struct StoredGate: Decodable {
    let value: GateResult
    typealias Keys = GateResult.Keys

    init(from decoder: any Decoder) throws {
        let c = try decoder.detailContainer(Keys.self)
        value = GateResult(gate: try c.decode(String.self, .gate), requirement: try c.decode(String.self, .requirement),
                           status: try c.decode(GateStatus.self, .status), previous: try c.decodeIfPresent(GateStatus.self, .previous),
                           event: try c.decode(GateResult.Event.self, .event), expires: try c.decodeIfPresent(Day.self, .expires),
                           daysToExpiry: try c.decodeIfPresent(Int.self, .daysToExpiry),
                           suspendedProducts: try c.decode([String].self, .suspendedProducts),
                           suspendedBenefits: try c.decode([String].self, .suspendedBenefits))
    }
}
