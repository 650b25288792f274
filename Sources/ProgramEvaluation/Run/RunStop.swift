import Synchronization
import LuaHost

/// Stops a run's workers at its first failure instead of letting them drain.
///
/// Partners have a position in the run (partner id order). When the partner
/// at position `f` fails, every partner after `f` is skipped, and the Lua
/// calls still running for such partners are cancelled (``LuaState/requestCancel()``);
/// partners before `f` are still evaluated. So the failure the run reports
/// is always the first in partner order, however the workers were
/// scheduled, and a policy that fails for every partner stops after one
/// call runs to its limit, not after every partner's does.
final class RunStop: @unchecked Sendable {
    /// Raised by the producer once the run has stopped: nothing more to compute.
    struct Stopped: Error {}

    /// The position of the earliest failure so far (`Int.max`: none).
    private let first = Atomic<Int>(.max)
    /// What each worker is evaluating (-1: nothing; a worker that has not
    /// started may still have partners before the failure to evaluate).
    private let current: [Position]
    private let states: [LuaState]

    private final class Position: Sendable {
        let value = Atomic<Int>(-1)
    }

    init(_ workers: WorkerPool) {
        states = workers.evaluators.map(\.policySet.lua)
        current = states.map { _ in Position() }
        for state in states { state.clearCancel() }
    }

    /// Whether worker `w` is to evaluate the partner at `position` (recorded
    /// first, so a failure elsewhere either sees it or is seen here).
    func begin(worker w: Int, position: Int) -> Bool {
        current[w].value.store(position, ordering: .sequentiallyConsistent)
        return position < first.load(ordering: .sequentiallyConsistent)
    }

    func end(worker w: Int) {
        current[w].value.store(-1, ordering: .sequentiallyConsistent)
    }

    /// The partner at `position` failed: stop every partner after it.
    func failed(at position: Int) {
        var earliest = first.load(ordering: .sequentiallyConsistent)
        while position < earliest {
            let (exchanged, original) = first.compareExchange(expected: earliest, desired: position,
                                                              ordering: .sequentiallyConsistent)
            if exchanged { break }
            earliest = original
        }
        for w in states.indices where current[w].value.load(ordering: .sequentiallyConsistent) > position {
            states[w].requestCancel()
        }
    }

    /// Stop everything (the run fails for a reason of its own).
    func stopAll() { failed(at: -1) }

    var isStopped: Bool { first.load(ordering: .sequentiallyConsistent) < .max }

    /// The states serve other calls after the run.
    func finish() {
        for state in states { state.clearCancel() }
    }
}
