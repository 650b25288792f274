import PartnerModel
import PolicyEngine

/// The decision log's form of a decision's detail. The log stores it for
/// every partner of every run, so it is compact: it refers to the
/// ``DecisionTexts`` of its run and policy instead of repeating them, and it
/// leaves out what the decision's row holds (``DecisionColumns``). Reading
/// it back (``decode(_:texts:columns:)``) also reads the full form and the
/// forms earlier versions stored. The ledger (`Ledger`, `DecisionDetailReader`)
/// is its only writer and reader.
public enum DecisionDetail {
    /// Append `e`'s detail to `buffer`: compact, given the `texts` of its
    /// policy, in full (``PartnerEvaluation/write(to:)``) without them.
    ///
    /// Compact: lists that are empty are left out, and so are benefits that
    /// are the tier's, milestone deadlines that follow from their rules, and
    /// the row's columns; whatever differs from the texts is written (`null`
    /// for a nil). Keys are snake_case, in sorted order (`_` sorts before
    /// letters), as in full.
    public static func write(_ e: PartnerEvaluation, texts: DecisionTexts?, to buffer: JSONBuffer) {
        guard let texts else { return e.write(to: buffer) }
        buffer.object { m in
            m.array("alerts", e.alerts, omittingEmpty: true) { b, a in
                b.object { m in
                    m.integer("days_open", a.daysOpen)
                    m.day("first_raised", a.firstRaised)
                    let elided = stepTexts(texts, step: a.step, action: a.intervention, owner: a.owner)
                    if !elided { m.nullable("intervention", a.intervention, explicit: true) }
                    m.string("key", a.key.description)
                    if !elided { m.nullable("owner", a.owner, explicit: true) }
                    m.day("paused_until", a.pausedUntil)
                    m.integer("step", a.step)
                }
            }
            // Left out when false.
            if e.authorizedAllProducts { m.bool("authorized_all_products", true) }
            m.strings("authorized_products", e.authorizedProducts)
            if texts.benefits(ofTier: e.tier) != e.benefits {
                m.object("benefits") { m in
                    for name in e.benefits.keys.sorted() {
                        m.key(name)
                        e.benefits[name]!.write(to: m.buffer)
                    }
                }
            }
            m.array("criteria", e.criteria) { b, c in
                b.object { m in
                    let ref = texts.criterion(for: c)
                    let text = ref.map { texts.criteria[$0] }
                    if text == nil {
                        m.string("file", c.file)
                        m.string("label", c.label)
                        m.integer("line", c.line)
                    }
                    // Left out when the words only repeat the observed value the criterion's way.
                    if text?.writes(c.observation, value: c.observedValue) != true { m.observation("observed", c.observation) }
                    m.number("observed_value", c.observedValue)
                    m.bool("passed", c.passed)
                    m.string("phase", c.phase.rawValue)
                    m.integer("ref", ref)
                    if c.required != text?.required { m.string("required", c.required) }
                    if c.thresholdValue != text?.thresholdValue {
                        m.nullable("threshold_value", c.thresholdValue, explicit: text != nil)
                    }
                    m.string("tier", c.tier)
                }
            }
            m.array("gates", e.gates, omittingEmpty: true) { b, g in g.write(to: b) }
            m.object("health") { m in
                m.array("components", e.health.components.indices) { b, i in
                    let c = e.health.components[i]
                    b.object { m in
                        let text = i < texts.components.count ? texts.components[i] : nil
                        m.number("contribution", c.contribution)
                        if c.name != text?.name { m.string("name", c.name) }
                        m.observation("observed", c.observation)
                        m.integer("ref", text == nil ? nil : i)
                        m.number("score", c.score)
                        if c.target != text?.target { m.string("target", c.target) }
                        if c.weight != text?.weight { m.number("weight", c.weight) }
                    }
                }
            }
            if let intervention = e.intervention {
                m.object("intervention") { m in
                    let elided = stepTexts(texts, step: intervention.step, action: intervention.action, owner: intervention.owner)
                    if !elided { m.string("action", intervention.action) }
                    m.string("alert", intervention.alert.description)
                    if !elided { m.nullable("owner", intervention.owner, explicit: true) }
                    m.integer("step", intervention.step)
                }
            }
            // After the first, a deadline its rule gives from the enrollment day is left out.
            let enrolled = e.milestones.first.flatMap { texts.enrollment(first: $0.milestone, deadline: $0.deadline) }
            m.array("milestones", e.milestones.indices) { b, i in
                let ms = e.milestones[i]
                b.object { m in
                    m.integer("days", ms.days)
                    if i == 0 || enrolled.flatMap({ texts.deadline(of: ms.milestone, enrolled: $0) }) != ms.deadline {
                        m.day("deadline", ms.deadline)
                    }
                    m.string("milestone", ms.milestone.rawValue)
                    m.day("reached", ms.reached)
                    m.string("status", ms.status.rawValue)
                }
            }
            m.string("partner_id", e.partnerID)
            m.string("partner_name", e.partnerName)
            if e.policy != texts.policy {
                m.object("policy") { m in
                    m.string("content_hash", e.policy.contentHash)
                    m.string("file", e.policy.file)
                    m.string("name", e.policy.name)
                    m.string("version", e.policy.version)
                }
            }
            m.string("program", e.program)
            m.string("qualifies_for", e.qualifiesFor)
            m.strings("resolved_alerts", e.resolvedAlerts.map(\.description), omittingEmpty: true)
            if let review = e.review { review.write(to: &m) }
            m.strings("suspended_benefits", e.suspendedBenefits, omittingEmpty: true)
            m.strings("suspended_products", e.suspendedProducts, omittingEmpty: true)
            m.bool("tier_due", e.tierDue)
        }
    }

    /// Whether the action and owner of an alert's or intervention's `step`
    /// are the texts' for that step (nothing at step 0), so a compact detail
    /// can leave them out.
    static func stepTexts(_ texts: DecisionTexts, step: Int, action: String?, owner: String?) -> Bool {
        guard step >= 1 else { return action == nil && owner == nil }
        guard step <= texts.interventions.count else { return false }
        let text = texts.interventions[step - 1]
        return action == text.action && owner == text.owner
    }
}
