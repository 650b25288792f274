/// Any failure of a Lua script or of the host's handling of one.
///
/// `description` reads like the Lua interpreter's own messages,
/// `Policies/telecom/agents.lua:12: instruction limit of 1000000 exceeded`,
/// so editors and terminals can jump to the line.
public struct LuaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case syntax
        case runtime
        case instructionLimit = "instruction-limit"
        case memoryLimit = "memory-limit"
        case timeLimit = "time-limit"
        case sandboxViolation = "sandbox-violation"
        case typeMismatch = "type-mismatch"
        /// The host stopped the call (``LuaState/requestCancel()``): another
        /// partner of the same run had already failed.
        case cancelled
    }

    public var kind: Kind
    /// The message without its `file:line:` prefix.
    public var message: String
    public var file: String?
    public var line: Int?
    /// Lua's stack traceback, when the error was raised while a script ran.
    public var traceback: String?

    public init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil, traceback: String? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
        self.traceback = traceback
    }

    /// `file:line: message`, or as much of it as is known.
    public var description: String {
        switch (file, line) {
        case (let file?, let line?): "\(file):\(line): \(message)"
        case (let file?, nil): "\(file): \(message)"
        default: message
        }
    }

    /// Split a Lua message of the form `chunk:line: text` into its parts.
    static func parse(_ raw: String) -> (file: String?, line: Int?, message: String) {
        // Find the first ":<digits>: " — the chunk name itself may hold colons
        // only in exotic paths, which we accept misreading.
        let scalars = Array(raw.utf8)
        var i = 0
        while i < scalars.count {
            if scalars[i] == UInt8(ascii: ":") {
                var j = i + 1
                while j < scalars.count, scalars[j] >= UInt8(ascii: "0"), scalars[j] <= UInt8(ascii: "9") { j += 1 }
                if j > i + 1, j < scalars.count, scalars[j] == UInt8(ascii: ":") {
                    let file = String(decoding: scalars[0..<i], as: UTF8.self)
                    let line = Int(String(decoding: scalars[(i + 1)..<j], as: UTF8.self))
                    var rest = j + 1
                    if rest < scalars.count, scalars[rest] == UInt8(ascii: " ") { rest += 1 }
                    if !file.isEmpty, !file.contains("\n") {
                        return (file, line, String(decoding: scalars[rest...], as: UTF8.self))
                    }
                }
                if scalars[i] == UInt8(ascii: "\n") { break }
            }
            if scalars[i] == UInt8(ascii: "\n") { break }
            i += 1
        }
        return (nil, nil, raw)
    }
}
