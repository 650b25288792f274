import PartnerModel

/// A task of the intervention menu that someone acknowledged: the alert it
/// is about, the menu step (1-based) that opened it and the day it was
/// acknowledged.
///
/// The evaluation stays pure: the run reads a partner's acknowledged tasks
/// from the ledger and passes them in, so that a step declaring `pause`
/// holds the alert's escalation until the acknowledgement day plus the
/// pause (see ``PartnerEvaluator/evaluate(_:state:acknowledged:)``).
public struct AcknowledgedStep: Sendable, Hashable {
    public var alert: AlertKey
    public var step: Int
    public var on: Day

    public init(alert: AlertKey, step: Int, on: Day) {
        self.alert = alert
        self.step = step
        self.on = on
    }
}
