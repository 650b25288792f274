import PartnerModel

// Decoding a decision's detail in either form the decision log holds: in
// full (what `write(to:)` and `JSONEncoder` write), or compact (what
// `write(to:texts:)` writes): a criterion gives a `ref` to its text, a health
// component a `ref` to its name, weight and target, an alert or intervention
// leaves out the texts of its step, and the policy is left out. Every field
// left out equals the texts' (the writer writes it otherwise, `null` for a
// nil), so the evaluation read back is exactly the one written. It also
// leaves out empty lists, benefits that are those of the partner's tier,
// milestone deadlines (after the first) that follow from their rules, and
// what the decision's row holds (`DecisionColumns`): such a detail has no
// `as_of`.
//
// Keys are snake_case, like all of the CLI's and the API's JSON; details
// written before (ledger-v2 and earlier) have camelCase keys
// (`partnerID`, `observedValue`), and read the same way.

/// The keys of a detail object: snake_case, and the camelCase name details had before.
protocol DetailKey: CodingKey, RawRepresentable<String> {}

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
    let container: KeyedDecodingContainer<AnyKey>

    var codingPath: [any CodingKey] { container.codingPath }

    func key(_ key: Key) -> AnyKey {
        let snake = AnyKey(stringValue: key.rawValue)
        if container.contains(snake) { return snake }
        let legacy = AnyKey(stringValue: key.legacyName)
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
        DetailContainer(container: try container(keyedBy: AnyKey.self))
    }
}

extension PartnerEvaluation {
    enum Keys: String, DetailKey {
        case partnerID = "partner_id", partnerName = "partner_name", program, asOf = "as_of", policy, tierDue = "tier_due"
        case previousTier = "previous_tier", tier, previousStanding = "previous_standing", standing, tierEvent = "tier_event"
        case review, qualifiesFor = "qualifies_for", criteria, health, milestones, gates, alerts
        case resolvedAlerts = "resolved_alerts", intervention, benefits, suspendedBenefits = "suspended_benefits"
        case authorizedProducts = "authorized_products", authorizedAllProducts = "authorized_all_products"
        case suspendedProducts = "suspended_products", snapshotHash = "snapshot_hash"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.detailContainer(Keys.self)
        partnerID = try c.decode(String.self, .partnerID)
        partnerName = try c.decode(String.self, .partnerName)
        program = try c.decode(String.self, .program)
        // Left out, with the other columns of the decision's row, from a compact detail.
        let columns = c.contains(.asOf) ? nil : try decoder.decisionColumns()
        asOf = try columns?.asOf ?? c.decode(Day.self, .asOf)
        if let policy = try c.decodeIfPresent(PolicyIdentity.self, .policy) {
            self.policy = policy
        } else {
            self.policy = try decoder.decisionTexts(for: "policy").policy
        }
        tierDue = try c.decode(Bool.self, .tierDue)
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
        review = try c.decodeIfPresent(TierReview.self, .review)
        qualifiesFor = try c.decodeIfPresent(String.self, .qualifiesFor)
        criteria = try c.decode([CriterionResult].self, .criteria)
        health = try c.decode(HealthResult.self, .health)
        milestones = try Self.milestones(try c.decode([StoredMilestone].self, .milestones), decoder)
        // A compact detail leaves out the lists that are empty.
        func list<T: Decodable>(_ key: Keys) throws -> [T] {
            if c.contains(key) { return try c.decode([T].self, key) }
            _ = try decoder.decisionTexts(for: "an empty \(key.rawValue)")
            return []
        }
        gates = try list(.gates)
        alerts = try list(.alerts)
        resolvedAlerts = try list(.resolvedAlerts)
        intervention = try c.decodeIfPresent(InterventionChoice.self, .intervention)
        if c.contains(.benefits) {
            benefits = try c.decode([String: BenefitValue].self, .benefits)
        } else if let tierBenefits = try decoder.decisionTexts(for: "the benefits of its tier").benefits(ofTier: tier) {
            benefits = tierBenefits
        } else {
            throw DecodingError.keyNotFound(Keys.benefits, .init(codingPath: c.codingPath, debugDescription:
                "the texts of its run do not know the benefits of tier \(tier ?? "none")"))
        }
        suspendedBenefits = try list(.suspendedBenefits)
        authorizedProducts = try c.decode([String].self, .authorizedProducts)
        suspendedProducts = try list(.suspendedProducts)
        if let all = try c.decodeIfPresent(Bool.self, .authorizedAllProducts) {
            authorizedAllProducts = all
        } else if c.container.contains(AnyKey(stringValue: Keys.partnerID.legacyName)) {
            // Written before the flag: an empty product list authorized everything and no gate suspended any of it.
            authorizedAllProducts = authorizedProducts.isEmpty && suspendedProducts.isEmpty
        } else {
            authorizedAllProducts = false   // a compact detail leaves it out when false
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(partnerID, forKey: .partnerID)
        try c.encode(partnerName, forKey: .partnerName)
        try c.encode(program, forKey: .program)
        try c.encode(asOf, forKey: .asOf)
        try c.encode(policy, forKey: .policy)
        try c.encode(tierDue, forKey: .tierDue)
        try c.encodeIfPresent(previousTier, forKey: .previousTier)
        try c.encodeIfPresent(tier, forKey: .tier)
        try c.encode(previousStanding, forKey: .previousStanding)
        try c.encode(standing, forKey: .standing)
        try c.encode(tierEvent, forKey: .tierEvent)
        try c.encodeIfPresent(review, forKey: .review)
        try c.encodeIfPresent(qualifiesFor, forKey: .qualifiesFor)
        try c.encode(criteria, forKey: .criteria)
        try c.encode(health, forKey: .health)
        try c.encode(milestones, forKey: .milestones)
        try c.encode(gates, forKey: .gates)
        try c.encode(alerts, forKey: .alerts)
        try c.encode(resolvedAlerts, forKey: .resolvedAlerts)
        try c.encodeIfPresent(intervention, forKey: .intervention)
        try c.encode(benefits, forKey: .benefits)
        try c.encode(suspendedBenefits, forKey: .suspendedBenefits)
        try c.encode(authorizedProducts, forKey: .authorizedProducts)
        try c.encode(authorizedAllProducts, forKey: .authorizedAllProducts)
        try c.encode(suspendedProducts, forKey: .suspendedProducts)
        try c.encode(snapshotHash, forKey: .snapshotHash)
    }
}

extension HealthResult {
    private enum Keys: String, CodingKey { case score, band, components }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        components = try c.decode([HealthComponentResult].self, forKey: .components)
        // A compact detail leaves the score and band to the decision's row.
        if c.contains(.score) {
            score = try c.decode(Double.self, forKey: .score)
            band = try c.decode(String.self, forKey: .band)
        } else {
            let columns = try decoder.decisionColumns()
            score = columns.healthScore
            band = columns.healthBand
        }
    }
}

extension PartnerEvaluation {
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

extension CriterionResult {
    enum Keys: String, DetailKey {
        case tier, phase, label, observed, observedValue = "observed_value", required, thresholdValue = "threshold_value"
        case passed, file, line, ref
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.detailContainer(Keys.self)
        let tier = try c.decode(String.self, .tier)
        let phase = try c.decode(Phase.self, .phase)
        let observedValue = try c.decodeIfPresent(Double.self, .observedValue)
        let passed = try c.decode(Bool.self, .passed)
        guard let ref = try c.decodeIfPresent(Int.self, .ref) else {
            self.init(tier: tier, phase: phase, label: try c.decode(String.self, .label),
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
        self.init(tier: tier, phase: phase, label: text.label, observation: observation, observedValue: observedValue,
                  required: required, thresholdValue: thresholdValue, passed: passed, file: text.file, line: text.line)
    }
}

extension HealthComponentResult {
    private enum Keys: String, CodingKey { case name, weight, score, contribution, observed, target, ref }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        score = try c.decode(Double.self, forKey: .score)
        contribution = try c.decode(Double.self, forKey: .contribution)
        observation = .words(try c.decode(String.self, forKey: .observed))
        guard let ref = try c.decodeIfPresent(Int.self, forKey: .ref) else {
            name = try c.decode(String.self, forKey: .name)
            weight = try c.decode(Double.self, forKey: .weight)
            target = try c.decode(String.self, forKey: .target)
            return
        }
        let text = try decoder.decisionText(\.components, ref, for: "health component \(ref)")
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? text.name
        weight = try c.decodeIfPresent(Double.self, forKey: .weight) ?? text.weight
        target = try c.decodeIfPresent(String.self, forKey: .target) ?? text.target
    }
}

extension AlertResult {
    enum Keys: String, DetailKey {
        case key, firstRaised = "first_raised", daysOpen = "days_open", step, intervention, owner, pausedUntil = "paused_until"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.detailContainer(Keys.self)
        key = try c.decode(AlertKey.self, .key)
        firstRaised = try c.decode(Day.self, .firstRaised)
        daysOpen = try c.decode(Int.self, .daysOpen)
        step = try c.decode(Int.self, .step)
        // In full, a step reached always names its intervention.
        if c.contains(.intervention) || step == 0 {
            intervention = try c.decodeIfPresent(String.self, .intervention)
            owner = try c.decodeIfPresent(String.self, .owner)
        } else {
            let text = try decoder.decisionText(\.interventions, step - 1, for: "step \(step) of alert \(key)")
            intervention = text.action
            owner = text.owner
        }
        pausedUntil = try c.decodeIfPresent(Day.self, .pausedUntil)
    }
}

extension InterventionChoice {
    private enum Keys: String, CodingKey { case alert, step, action, owner }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        alert = try c.decode(AlertKey.self, forKey: .alert)
        step = try c.decode(Int.self, forKey: .step)
        if c.contains(.action) {
            action = try c.decode(String.self, forKey: .action)
            owner = try c.decodeIfPresent(String.self, forKey: .owner)
        } else {
            let text = try decoder.decisionText(\.interventions, step - 1, for: "step \(step) of the intervention")
            action = text.action
            owner = text.owner
        }
    }
}

extension GateResult {
    enum Keys: String, DetailKey {
        case gate, requirement, status, previous, event, expires, daysToExpiry = "days_to_expiry"
        case suspendedProducts = "suspended_products", suspendedBenefits = "suspended_benefits"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.detailContainer(Keys.self)
        gate = try c.decode(String.self, .gate)
        requirement = try c.decode(String.self, .requirement)
        status = try c.decode(GateStatus.self, .status)
        previous = try c.decodeIfPresent(GateStatus.self, .previous)
        event = try c.decode(Event.self, .event)
        expires = try c.decodeIfPresent(Day.self, .expires)
        daysToExpiry = try c.decodeIfPresent(Int.self, .daysToExpiry)
        suspendedProducts = try c.decode([String].self, .suspendedProducts)
        suspendedBenefits = try c.decode([String].self, .suspendedBenefits)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(gate, forKey: .gate)
        try c.encode(requirement, forKey: .requirement)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(previous, forKey: .previous)
        try c.encode(event, forKey: .event)
        try c.encodeIfPresent(expires, forKey: .expires)
        try c.encodeIfPresent(daysToExpiry, forKey: .daysToExpiry)
        try c.encode(suspendedProducts, forKey: .suspendedProducts)
        try c.encode(suspendedBenefits, forKey: .suspendedBenefits)
    }
}

// MARK: - Encoding: the keys the decoders read, observations in words

extension AlertResult {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(key, forKey: .key)
        try c.encode(firstRaised, forKey: .firstRaised)
        try c.encode(daysOpen, forKey: .daysOpen)
        try c.encode(step, forKey: .step)
        try c.encodeIfPresent(intervention, forKey: .intervention)
        try c.encodeIfPresent(owner, forKey: .owner)
        try c.encodeIfPresent(pausedUntil, forKey: .pausedUntil)
    }
}

extension CriterionResult {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(tier, forKey: .tier)
        try c.encode(phase, forKey: .phase)
        try c.encode(label, forKey: .label)
        try c.encode(observed, forKey: .observed)
        try c.encodeIfPresent(observedValue, forKey: .observedValue)
        try c.encode(required, forKey: .required)
        try c.encodeIfPresent(thresholdValue, forKey: .thresholdValue)
        try c.encode(passed, forKey: .passed)
        try c.encode(file, forKey: .file)
        try c.encodeIfPresent(line, forKey: .line)
    }
}

extension HealthComponentResult {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .name)
        try c.encode(weight, forKey: .weight)
        try c.encode(score, forKey: .score)
        try c.encode(contribution, forKey: .contribution)
        try c.encode(observed, forKey: .observed)
        try c.encode(target, forKey: .target)
    }
}
