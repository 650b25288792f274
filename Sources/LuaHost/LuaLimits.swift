/// The limits every call into Lua runs under.
///
/// The instruction budget counts Lua VM instructions; the memory cap is the
/// state's total allocation while the script runs (values the host pushes are
/// never refused but count toward it); the timeout is wall-clock time and also
/// stops long pattern matches inside the string library. A script that catches
/// a limit error with `pcall` still fails. Zero means "no limit" for each.
public struct LuaLimits: Sendable, Equatable {
    public var instructions: Int64
    public var memoryBytes: Int
    public var timeout: Duration {
        get { .nanoseconds(timeoutNanoseconds) }
        set {
            let (seconds, attoseconds) = newValue.components
            timeoutNanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        }
    }
    /// The timeout in nanoseconds, kept so arming a call does no arithmetic.
    public private(set) var timeoutNanoseconds: Int64 = 0

    public init(instructions: Int64, memoryBytes: Int, timeout: Duration) {
        self.instructions = instructions
        self.memoryBytes = memoryBytes
        self.timeout = timeout
    }

    /// 100 million instructions, 64 MiB, 2 seconds: generous for a policy
    /// file or a snippet, tight enough that a runaway script stops quickly.
    public static let `default` = LuaLimits(instructions: 100_000_000, memoryBytes: 64 << 20, timeout: .seconds(2))

    /// No limits at all; for host-side set-up only.
    public static let unlimited = LuaLimits(instructions: 0, memoryBytes: 0, timeout: .zero)
}
