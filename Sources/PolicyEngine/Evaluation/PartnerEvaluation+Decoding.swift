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
// `asOf`.

extension PartnerEvaluation {
    private enum Keys: String, CodingKey {
        case partnerID, partnerName, program, asOf, policy, tierDue, previousTier, tier, previousStanding, standing
        case tierEvent, review, qualifiesFor, criteria, health, milestones, gates, alerts, resolvedAlerts, intervention
        case benefits, suspendedBenefits, authorizedProducts, suspendedProducts, snapshotHash
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        partnerID = try c.decode(String.self, forKey: .partnerID)
        partnerName = try c.decode(String.self, forKey: .partnerName)
        program = try c.decode(String.self, forKey: .program)
        // Left out, with the other columns of the decision's row, from a compact detail.
        let columns = c.contains(.asOf) ? nil : try decoder.decisionColumns()
        asOf = try columns?.asOf ?? c.decode(Day.self, forKey: .asOf)
        if let policy = try c.decodeIfPresent(PolicyIdentity.self, forKey: .policy) {
            self.policy = policy
        } else {
            self.policy = try decoder.decisionTexts(for: "policy").policy
        }
        tierDue = try c.decode(Bool.self, forKey: .tierDue)
        if let columns {
            previousTier = columns.previousTier
            tier = columns.tier
            previousStanding = columns.previousStanding
            standing = columns.standing
            tierEvent = columns.tierEvent
            snapshotHash = columns.snapshotHash
        } else {
            previousTier = try c.decodeIfPresent(String.self, forKey: .previousTier)
            tier = try c.decodeIfPresent(String.self, forKey: .tier)
            previousStanding = try c.decode(Standing.self, forKey: .previousStanding)
            standing = try c.decode(Standing.self, forKey: .standing)
            tierEvent = try c.decode(TierEvent.self, forKey: .tierEvent)
            snapshotHash = try c.decode(SnapshotDigest.self, forKey: .snapshotHash)
        }
        review = try c.decodeIfPresent(TierReview.self, forKey: .review)
        qualifiesFor = try c.decodeIfPresent(String.self, forKey: .qualifiesFor)
        criteria = try c.decode([CriterionResult].self, forKey: .criteria)
        health = try c.decode(HealthResult.self, forKey: .health)
        milestones = try Self.milestones(try c.decode([StoredMilestone].self, forKey: .milestones), decoder)
        // A compact detail leaves out the lists that are empty.
        func list<T: Decodable>(_ key: Keys) throws -> [T] {
            if c.contains(key) { return try c.decode([T].self, forKey: key) }
            _ = try decoder.decisionTexts(for: "an empty \(key.stringValue)")
            return []
        }
        gates = try list(.gates)
        alerts = try list(.alerts)
        resolvedAlerts = try list(.resolvedAlerts)
        intervention = try c.decodeIfPresent(InterventionChoice.self, forKey: .intervention)
        if c.contains(.benefits) {
            benefits = try c.decode([String: BenefitValue].self, forKey: .benefits)
        } else if let tierBenefits = try decoder.decisionTexts(for: "the benefits of its tier").benefits(ofTier: tier) {
            benefits = tierBenefits
        } else {
            throw DecodingError.keyNotFound(Keys.benefits, .init(codingPath: c.codingPath, debugDescription:
                "the texts of its run do not know the benefits of tier \(tier ?? "none")"))
        }
        suspendedBenefits = try list(.suspendedBenefits)
        authorizedProducts = try c.decode([String].self, forKey: .authorizedProducts)
        suspendedProducts = try list(.suspendedProducts)
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
    private enum Keys: String, CodingKey {
        case tier, phase, label, observed, observedValue, required, thresholdValue, passed, file, line, ref
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let tier = try c.decode(String.self, forKey: .tier)
        let phase = try c.decode(Phase.self, forKey: .phase)
        let observedValue = try c.decodeIfPresent(Double.self, forKey: .observedValue)
        let passed = try c.decode(Bool.self, forKey: .passed)
        guard let ref = try c.decodeIfPresent(Int.self, forKey: .ref) else {
            self.init(tier: tier, phase: phase, label: try c.decode(String.self, forKey: .label),
                      observation: .words(try c.decode(String.self, forKey: .observed)), observedValue: observedValue,
                      required: try c.decode(String.self, forKey: .required),
                      thresholdValue: try c.decodeIfPresent(Double.self, forKey: .thresholdValue), passed: passed,
                      file: try c.decode(String.self, forKey: .file), line: try c.decodeIfPresent(Int.self, forKey: .line))
            return
        }
        let text = try decoder.decisionText(\.criteria, ref, for: "criterion \(ref)")
        // A compact detail leaves out words that only repeat the observed value the criterion's way.
        let observation: Observation
        if let words = try c.decodeIfPresent(String.self, forKey: .observed) {
            observation = .words(words)
        } else if let derived = text.observation(of: observedValue) {
            observation = derived
        } else {
            throw DecodingError.keyNotFound(Keys.observed, .init(codingPath: c.codingPath, debugDescription:
                "the texts of its run do not say how criterion \(ref) puts its observed value in words"))
        }
        let required: String
        if c.contains(.required) {
            required = try c.decode(String.self, forKey: .required)
        } else if let given = text.required {
            required = given
        } else {
            throw DecodingError.keyNotFound(Keys.required, .init(codingPath: c.codingPath, debugDescription: "a function criterion states its requirement"))
        }
        let thresholdValue = c.contains(.thresholdValue) ? try c.decodeIfPresent(Double.self, forKey: .thresholdValue) : text.thresholdValue
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
    private enum Keys: String, CodingKey { case key, firstRaised, daysOpen, step, intervention, owner }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        key = try c.decode(AlertKey.self, forKey: .key)
        firstRaised = try c.decode(Day.self, forKey: .firstRaised)
        daysOpen = try c.decode(Int.self, forKey: .daysOpen)
        step = try c.decode(Int.self, forKey: .step)
        // In full, a step reached always names its intervention.
        if c.contains(.intervention) || step == 0 {
            intervention = try c.decodeIfPresent(String.self, forKey: .intervention)
            owner = try c.decodeIfPresent(String.self, forKey: .owner)
        } else {
            let text = try decoder.decisionText(\.interventions, step - 1, for: "step \(step) of alert \(key)")
            intervention = text.action
            owner = text.owner
        }
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

// MARK: - Encoding: the keys the decoders read, observations in words

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
