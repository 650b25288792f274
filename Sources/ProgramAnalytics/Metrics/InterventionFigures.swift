import PartnerModel
import ProgramEvaluation

/// Interventions as tracked work, as of a day: how often each menu step was
/// followed by recovery, how fast owners acknowledge, and the open queues.
/// From the ledger alone (tasks and their alerts), never from raw events,
/// so two menus can be compared on recorded history.
public struct InterventionMetrics: Sendable, Codable, Equatable {
    /// Tasks opened on or before the day.
    public var tasks: Int
    /// One entry per (policy set, step, action), in that order.
    public var steps: [StepEffectiveness]
    /// Per step owner, by name ("none" for a step without one).
    public var acknowledgement: [AcknowledgementTime]
    /// Per assignee with open or acknowledged tasks: most tasks first.
    public var queues: [TaskQueue]
}

/// What followed a menu step: of the partners' alerts that reached it, how
/// many recovered (the alert resolved) within 30, 60 and 90 days of the
/// step's task opening — for the tasks that reached the partner and those that did not.
public struct StepEffectiveness: Sendable, Codable, Equatable {
    public var policySet: String
    public var step: Int
    public var action: String
    public var owner: String?
    /// Tasks of this step opened on or before the day.
    public var tasks: Int
    public var reached: Recovery
    public var notReached: Recovery

    enum CodingKeys: String, CodingKey {
        case policySet = "policy_set", step, action, owner, tasks, reached, notReached = "not_reached"
    }
}

/// Recovery of one group of tasks: within N days, of the tasks opened on or
/// before day − N (their window has closed), those whose alert resolved on
/// or before opening + N.
public struct Recovery: Sendable, Codable, Equatable {
    public var tasks: Int
    public var within30Days: Share
    public var within60Days: Share
    public var within90Days: Share

    enum CodingKeys: String, CodingKey {
        case tasks, within30Days = "within_30_days", within60Days = "within_60_days", within90Days = "within_90_days"
    }
}

/// Days from a task's opening to its acknowledgement, over the tasks of one
/// owner acknowledged on or before the day.
public struct AcknowledgementTime: Sendable, Codable, Equatable {
    public var owner: String
    public var acknowledged: Int
    /// The median (mean of the middle two for an even count) and nearest-rank p90, in days.
    public var medianDays: Double?
    public var p90Days: Int?
    /// Open on the day and never acknowledged.
    public var waiting: Int

    enum CodingKeys: String, CodingKey {
        case owner, acknowledged, medianDays = "median_days", p90Days = "p90_days", waiting
    }
}

/// An assignee's tasks still to act on as of the day.
public struct TaskQueue: Sendable, Codable, Equatable {
    public var assignee: String
    public var open: Int
    public var acknowledged: Int
    /// The opening day of its oldest task.
    public var oldest: Day
}

extension InterventionMetrics {
    /// The figures of `facts` as of `day` (facts of tasks opened on or before it).
    static func of(_ facts: [TaskLedger.Fact], asOf day: Day) -> InterventionMetrics? {
        guard !facts.isEmpty else { return nil }
        let d = day.daysSinceEpoch
        func onOrBefore(_ value: Day?) -> Bool { value.map { $0.daysSinceEpoch <= d } ?? false }
        /// Reached as of the day: a task done by then says so by its outcome; one dismissed by then did not;
        /// otherwise, one acknowledged by then did.
        func reached(_ fact: TaskLedger.Fact) -> Bool {
            let f = fact.task
            if onOrBefore(f.closed) {
                if f.status == .done { return f.outcome?.reachedPartner ?? false }
                if f.status == .dismissed { return false }
            }
            return onOrBefore(f.acknowledged)
        }
        func recovery(_ group: [TaskLedger.Fact]) -> Recovery {
            func within(_ n: Int32) -> Share {
                let closed = group.filter { $0.task.opened.daysSinceEpoch <= d - n }
                return Share(closed.count { f in
                    f.alertResolved.map { $0.daysSinceEpoch <= f.task.opened.daysSinceEpoch + n && $0.daysSinceEpoch <= d } ?? false
                }, of: closed.count)
            }
            return Recovery(tasks: group.count, within30Days: within(30), within60Days: within(60), within90Days: within(90))
        }

        struct StepKey: Hashable, Comparable {
            var set: String, step: Int, action: String
            static func < (a: Self, b: Self) -> Bool { (a.set, a.step, a.action) < (b.set, b.step, b.action) }
        }
        let bySteps = Dictionary(grouping: facts) { StepKey(set: $0.task.policySet, step: $0.task.step, action: $0.task.action) }
        let steps = bySteps.keys.sorted().map { key -> StepEffectiveness in
            let group = bySteps[key]!
            let split = Dictionary(grouping: group, by: reached)
            return StepEffectiveness(policySet: key.set, step: key.step, action: key.action, owner: group[0].task.owner, tasks: group.count,
                                     reached: recovery(split[true] ?? []), notReached: recovery(split[false] ?? []))
        }

        let tasks = facts.map(\.task)
        let byOwner = Dictionary(grouping: tasks) { $0.owner ?? "none" }
        let acknowledgement = byOwner.keys.sorted().map { owner -> AcknowledgementTime in
            let group = byOwner[owner]!
            let days = group.compactMap { f in
                onOrBefore(f.acknowledged) ? Int(f.acknowledged!.daysSinceEpoch - f.opened.daysSinceEpoch) : nil
            }.sorted()
            let waiting = group.count { !onOrBefore($0.acknowledged) && !onOrBefore($0.closed) }
            return AcknowledgementTime(owner: owner, acknowledged: days.count, medianDays: Statistics.median(days.map(Double.init)),
                                       p90Days: Statistics.percentile(days, 90), waiting: waiting)
        }

        var queues: [String: TaskQueue] = [:]
        for f in tasks where !onOrBefore(f.closed) {
            var queue = queues[f.assignee] ?? TaskQueue(assignee: f.assignee, open: 0, acknowledged: 0, oldest: f.opened)
            if onOrBefore(f.acknowledged) { queue.acknowledged += 1 } else { queue.open += 1 }
            queue.oldest = min(queue.oldest, f.opened)
            queues[f.assignee] = queue
        }
        let ordered = queues.values.sorted { a, b in
            (a.open + a.acknowledged, b.assignee) > (b.open + b.acknowledged, a.assignee)
        }
        return InterventionMetrics(tasks: facts.count, steps: steps, acknowledgement: acknowledgement, queues: ordered)
    }
}
