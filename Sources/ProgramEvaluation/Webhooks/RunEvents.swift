import PartnerModel
import PolicyEngine

/// The events a recorded run writes about a partner, from its evaluation
/// (the `data` of each type is documented in the OpenAPI document's
/// `x-webhooks`). Keys are written in sorted order.
extension Outbox.RunWriter {
    /// Tier moves, reviews and gate changes.
    func record(_ e: PartnerEvaluation) throws {
        let tierType: WebhookEventType? = switch e.tierEvent {
        case .assigned: .tierAssigned
        case .upgraded: .tierUpgraded
        case .demoted: .tierDemoted
        default: nil
        }
        if let tierType {
            try append(tierType, partnerID: e.partnerID) { buffer in
                buffer.object { m in
                    m.nullable("previous_tier", e.previousTier, explicit: true)
                    m.string("program", e.program)
                    m.string("standing", e.standing.rawValue)
                    m.nullable("tier", e.tier, explicit: true)
                    m.string("tier_event", e.tierEvent.rawValue)
                }
            }
        }
        if e.tierEvent == .reviewOpened, let review = e.review {
            try append(.reviewOpened, partnerID: e.partnerID) { buffer in
                buffer.object { m in
                    m.day("deadline", review.deadline)
                    m.day("opened", review.opened)
                    m.string("program", e.program)
                    m.string("tier", review.tier)
                }
            }
        } else if e.tierEvent == .reviewCleared {
            try append(.reviewCleared, partnerID: e.partnerID) { buffer in
                buffer.object { m in
                    m.string("program", e.program)
                    m.nullable("tier", e.tier, explicit: true)
                }
            }
        }
        for gate in e.gates {
            let type: WebhookEventType
            switch gate.event {
            case .warned: type = .gateWarning
            case .tripped: type = .gateLapsed
            case .restored: type = .gateRestored
            case .none: continue
            }
            try append(type, partnerID: e.partnerID) { buffer in
                buffer.object { m in
                    if let expires = gate.expires { m.day("expires", expires) } else { m.nullable("expires", nil as String?, explicit: true) }
                    m.string("gate", gate.gate)
                    m.string("program", e.program)
                    m.string("requirement", gate.requirement)
                    m.string("status", gate.status.rawValue)
                    m.strings("suspended_benefits", gate.suspendedBenefits)
                    m.strings("suspended_products", gate.suspendedProducts)
                }
            }
        }
    }

    func alertRaised(_ e: PartnerEvaluation, _ alert: AlertResult) throws {
        try append(.alertRaised, partnerID: e.partnerID) { buffer in write(alert, of: e, previousStep: nil, to: buffer) }
    }

    func alertEscalated(_ e: PartnerEvaluation, _ alert: AlertResult, from previousStep: Int) throws {
        try append(.alertEscalated, partnerID: e.partnerID) { buffer in write(alert, of: e, previousStep: previousStep, to: buffer) }
    }

    func alertResolved(_ e: PartnerEvaluation, _ key: AlertKey) throws {
        try append(.alertResolved, partnerID: e.partnerID) { buffer in
            buffer.object { m in
                m.string("alert", key.description)
                m.string("kind", key.kind.rawValue)
                m.string("program", e.program)
                m.string("subject", key.subject)
            }
        }
    }

    private func write(_ alert: AlertResult, of e: PartnerEvaluation, previousStep: Int?, to buffer: JSONBuffer) {
        buffer.object { m in
            m.string("alert", alert.key.description)
            m.day("first_raised", alert.firstRaised)
            m.nullable("intervention", alert.intervention, explicit: true)
            m.string("kind", alert.key.kind.rawValue)
            m.nullable("owner", alert.owner, explicit: true)
            m.integer("previous_step", previousStep)
            m.string("program", e.program)
            m.integer("step", alert.step)
            m.string("subject", alert.key.subject)
        }
    }
}
