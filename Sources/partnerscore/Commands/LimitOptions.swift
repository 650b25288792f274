import ArgumentParser
import LuaHost

/// The Lua limits a command runs policies under.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("instructions"), help: "Instruction budget per call (0 = none).")
    var instructions: Int64 = LuaLimits.default.instructions

    @Option(name: .customLong("memory-mb"), help: "Memory cap per call, in MiB (0 = none).")
    var memoryMB: Int = LuaLimits.default.memoryBytes >> 20

    @Option(name: .customLong("timeout-ms"), help: "Wall-clock limit per call, in milliseconds (0 = none).")
    var timeoutMS: Int = 2000

    func validate() throws {
        guard instructions >= 0 else { throw ValidationError("--instructions must be 0 or more") }
        guard memoryMB >= 0 else { throw ValidationError("--memory-mb must be 0 or more") }
        guard timeoutMS >= 0 else { throw ValidationError("--timeout-ms must be 0 or more") }
    }

    var luaLimits: LuaLimits {
        LuaLimits(instructions: instructions, memoryBytes: memoryMB << 20, timeout: .milliseconds(timeoutMS))
    }
}
