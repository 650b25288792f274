import PartnerModel

// `Encodable` conformances with the keys `write(to:)` writes (snake_case),
// observations in words: what the service's JSON responses encode. Reading
// an evaluation back is the decision log's business (ProgramEvaluation's
// `DecisionDetail`, which also reads its compact and older forms).

extension PartnerEvaluation {
    /// The keys of its JSON (the decision log reads details by them too).
    public enum Keys: String, CodingKey {
        case partnerID = "partner_id", partnerName = "partner_name", program, asOf = "as_of", policy, tierDue = "tier_due"
        case previousTier = "previous_tier", tier, previousStanding = "previous_standing", standing, tierEvent = "tier_event"
        case review, qualifiesFor = "qualifies_for", criteria, health, milestones, gates, alerts
        case resolvedAlerts = "resolved_alerts", intervention, benefits, suspendedBenefits = "suspended_benefits"
        case authorizedProducts = "authorized_products", authorizedAllProducts = "authorized_all_products"
        case suspendedProducts = "suspended_products", snapshotHash = "snapshot_hash"
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

extension PolicyIdentity {
    /// The keys of its JSON (the decision log reads details by them too).
    public enum Keys: String, CodingKey {
        case name, version, contentHash = "content_hash", file
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .name)
        try c.encode(version, forKey: .version)
        try c.encode(contentHash, forKey: .contentHash)
        try c.encode(file, forKey: .file)
    }
}

extension GateResult {
    /// The keys of its JSON (the decision log reads details by them too).
    public enum Keys: String, CodingKey {
        case gate, requirement, status, previous, event, expires, daysToExpiry = "days_to_expiry"
        case suspendedProducts = "suspended_products", suspendedBenefits = "suspended_benefits"
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

extension AlertResult {
    /// The keys of its JSON (the decision log reads details by them too).
    public enum Keys: String, CodingKey {
        case key, firstRaised = "first_raised", daysOpen = "days_open", step, intervention, owner, pausedUntil = "paused_until"
    }

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
    enum Keys: String, CodingKey {
        case tier, phase, label, observed, observedValue = "observed_value", required, thresholdValue = "threshold_value"
        case passed, file, line
    }

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
    private enum Keys: String, CodingKey { case name, weight, score, contribution, observed, target }

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
