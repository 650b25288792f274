import ArgumentParser
import LuaHost

/// The Lua limits a command runs policy code under. A flag given here wins
/// over a policy's own `limits`; one left out keeps the policy's value, else
/// the default (``LuaLimits/default``, shown in the help).
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("instructions"),
            help: "Instruction budget per call (0 = none; default \(LuaLimits.default.instructions)).")
    var instructions: Int64?

    @Option(name: .customLong("memory-mb"),
            help: "Memory cap per call, in MiB (0 = none; default \(LuaLimits.default.memoryBytes >> 20)).")
    var memoryMB: Int?

    @Option(name: .customLong("timeout-ms"),
            help: "Wall-clock limit per call, in milliseconds (0 = none; default \(LuaLimits.default.timeoutNanoseconds / 1_000_000)).")
    var timeoutMS: Int?

    func validate() throws {
        guard (instructions ?? 0) >= 0 else { throw ValidationError("--instructions must be 0 or more") }
        guard (0...(1 << 30)).contains(memoryMB ?? 0) else { throw ValidationError("--memory-mb must be 0 (none) to 1073741824") }
        guard (0...86_400_000).contains(timeoutMS ?? 0) else { throw ValidationError("--timeout-ms must be 0 (none) to 86400000 (a day)") }
    }

    /// The limits given on the command line.
    var overrides: LuaLimits.Overrides {
        LuaLimits.Overrides(instructions: instructions, memoryMB: memoryMB.map(Int64.init), timeoutMS: timeoutMS.map(Int64.init))
    }

    /// The defaults with the flags given applied (for code outside any policy).
    var luaLimits: LuaLimits { LuaLimits.default.overridden(by: overrides) }
}
