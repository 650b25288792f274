/// The limits every call into Lua runs under.
///
/// The instruction budget counts Lua VM instructions and the steps of the
/// string and table libraries' C loops (pattern matching, `table.sort`,
/// `table.concat`, ...); the memory cap is the state's total allocation while
/// the script runs (values the host pushes are never refused but count toward
/// it); the timeout is wall-clock time. The host reading the values a call
/// returned counts against the same cap and deadline. A script that catches a
/// limit error with `pcall` still fails. Zero means "no limit" for each.
public struct LuaLimits: Sendable, Equatable {
    public var instructions: Int64
    public var memoryBytes: Int
    public var timeout: Duration {
        get { .nanoseconds(timeoutNanoseconds) }
        set {
            let (seconds, attoseconds) = newValue.components
            // Beyond ~292 years the nanoseconds do not fit: as good as no limit, and must not trap.
            let limit = Int64.max / 1_000_000_000 - 1
            timeoutNanoseconds = seconds > limit ? .max : max(-limit, seconds) * 1_000_000_000 + attoseconds / 1_000_000_000
        }
    }
    /// The timeout in nanoseconds, kept so arming a call does no arithmetic.
    public private(set) var timeoutNanoseconds: Int64 = 0

    public init(instructions: Int64, memoryBytes: Int, timeout: Duration) {
        self.instructions = instructions
        self.memoryBytes = memoryBytes
        self.timeout = timeout
    }

    /// 10 million instructions, 64 MiB, 500 ms per call: the one set of
    /// defaults for every call (loading a policy file, each policy function
    /// for each partner, a `partnerscore lua` snippet). Generous for a policy
    /// function — one evaluation takes a few thousand instructions — and tight
    /// enough that a runaway one stops quickly. The README states them.
    public static let `default` = LuaLimits(instructions: 10_000_000, memoryBytes: 64 << 20, timeout: .milliseconds(500))

    /// Some of the limits, each replacing the same limit of the limits it is
    /// applied to (nil keeps it): what a policy's `limits` field or a
    /// command's `--instructions`, `--memory-mb` and `--timeout-ms` set.
    public struct Overrides: Sendable, Equatable, Hashable {
        public var instructions: Int64?
        public var memoryBytes: Int?
        public var timeout: Duration?

        public init(instructions: Int64? = nil, memoryBytes: Int? = nil, timeout: Duration? = nil) {
            self.instructions = instructions
            self.memoryBytes = memoryBytes
            self.timeout = timeout
        }

        /// In the units people write them in: a policy's `memory_mb` and
        /// `timeout_ms`, a command's `--memory-mb` and `--timeout-ms`.
        public init(instructions: Int64?, memoryMB: Int64?, timeoutMS: Int64?) {
            self.init(instructions: instructions, memoryBytes: memoryMB.map { Int($0) << 20 },
                      timeout: timeoutMS.map { .milliseconds($0) })
        }
    }

    /// These limits with each limit `overrides` sets replaced.
    public func overridden(by overrides: Overrides) -> LuaLimits {
        var limits = self
        if let instructions = overrides.instructions { limits.instructions = instructions }
        if let memoryBytes = overrides.memoryBytes { limits.memoryBytes = memoryBytes }
        if let timeout = overrides.timeout { limits.timeout = timeout }
        return limits
    }

    /// No limits at all; for host-side set-up only.
    public static let unlimited = LuaLimits(instructions: 0, memoryBytes: 0, timeout: .zero)
}
