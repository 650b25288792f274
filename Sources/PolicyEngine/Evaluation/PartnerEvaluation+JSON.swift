import PartnerModel

extension PartnerEvaluation {
    /// The evaluation as JSON (what `JSONEncoder` with sorted keys would write).
    public func json() -> String {
        let buffer = JSONBuffer()
        write(to: buffer)
        return buffer.string
    }

    /// Append the evaluation's JSON to `buffer`, in full: keys snake_case, in
    /// sorted order (`_` sorts before letters), nil optionals left out. (The
    /// decision log stores a compact form of it; ProgramEvaluation's
    /// `DecisionDetail` owns that.)
    public func write(to buffer: JSONBuffer) {
        buffer.object { m in
            m.array("alerts", alerts) { b, a in a.write(to: b) }
            m.day("as_of", asOf)
            m.bool("authorized_all_products", authorizedAllProducts)
            m.strings("authorized_products", authorizedProducts)
            m.object("benefits") { m in
                for name in benefits.keys.sorted() {
                    m.key(name)
                    benefits[name]!.write(to: m.buffer)
                }
            }
            m.array("criteria", criteria) { b, c in
                b.object { m in
                    m.string("file", c.file)
                    m.string("label", c.label)
                    m.integer("line", c.line)
                    m.observation("observed", c.observation)
                    m.number("observed_value", c.observedValue)
                    m.bool("passed", c.passed)
                    m.string("phase", c.phase.rawValue)
                    m.string("required", c.required)
                    m.number("threshold_value", c.thresholdValue)
                    m.string("tier", c.tier)
                }
            }
            m.array("gates", gates) { b, g in g.write(to: b) }
            m.object("health") { m in
                m.string("band", health.band)
                m.array("components", health.components) { b, c in
                    b.object { m in
                        m.number("contribution", c.contribution)
                        m.string("name", c.name)
                        m.observation("observed", c.observation)
                        m.number("score", c.score)
                        m.string("target", c.target)
                        m.number("weight", c.weight)
                    }
                }
                m.number("score", health.score)
            }
            if let intervention {
                m.object("intervention") { m in
                    m.string("action", intervention.action)
                    m.string("alert", intervention.alert.description)
                    m.string("owner", intervention.owner)
                    m.integer("step", intervention.step)
                }
            }
            m.array("milestones", milestones) { b, ms in
                b.object { m in
                    m.integer("days", ms.days)
                    m.day("deadline", ms.deadline)
                    m.string("milestone", ms.milestone.rawValue)
                    m.day("reached", ms.reached)
                    m.string("status", ms.status.rawValue)
                }
            }
            m.string("partner_id", partnerID)
            m.string("partner_name", partnerName)
            m.object("policy") { m in
                m.string("content_hash", policy.contentHash)
                m.string("file", policy.file)
                m.string("name", policy.name)
                m.string("version", policy.version)
            }
            m.string("previous_standing", previousStanding.rawValue)
            m.string("previous_tier", previousTier)
            m.string("program", program)
            m.string("qualifies_for", qualifiesFor)
            m.strings("resolved_alerts", resolvedAlerts.map(\.description))
            if let review { review.write(to: &m) }
            m.digest("snapshot_hash", snapshotHash)
            m.string("standing", standing.rawValue)
            m.strings("suspended_benefits", suspendedBenefits)
            m.strings("suspended_products", suspendedProducts)
            m.string("tier", tier)
            m.bool("tier_due", tierDue)
            m.string("tier_event", tierEvent.rawValue)
        }
    }
}

// The parts whose JSON is the same in full and in the decision log's compact form.

extension AlertResult {
    /// The alert in full; a compact detail writes its own (it may leave out its step's texts).
    func write(to buffer: JSONBuffer) {
        buffer.object { m in
            m.integer("days_open", daysOpen)
            m.day("first_raised", firstRaised)
            m.string("intervention", intervention)
            m.string("key", key.description)
            m.string("owner", owner)
            // Only while a pause holds the alert: details without one keep their bytes.
            m.day("paused_until", pausedUntil)
            m.integer("step", step)
        }
    }
}

extension GateResult {
    public func write(to buffer: JSONBuffer) {
        buffer.object { m in
            m.integer("days_to_expiry", daysToExpiry)
            m.string("event", event.rawValue)
            m.day("expires", expires)
            m.string("gate", gate)
            m.string("previous", previous?.rawValue)
            m.string("requirement", requirement)
            m.string("status", status.rawValue)
            m.strings("suspended_benefits", suspendedBenefits)
            m.strings("suspended_products", suspendedProducts)
        }
    }
}

extension TierReview {
    /// The `review` member.
    public func write(to m: inout JSONBuffer.Members) {
        m.object("review") { m in
            m.day("deadline", deadline)
            m.day("opened", opened)
            m.string("tier", tier)
        }
    }
}

extension BenefitValue {
    public func write(to buffer: JSONBuffer) {
        switch self {
        case .number(let n): buffer.number(n)
        case .text(let t): buffer.string(t)
        case .flag(let b): buffer.bool(b)
        }
    }
}
