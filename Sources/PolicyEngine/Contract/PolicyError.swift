import LuaHost
import PartnerModel

/// A policy that cannot be used: a Lua error while loading it, or a shape
/// the contract does not allow. Names the file, the line when known and the
/// field, and says what to do.
public struct PolicyError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        /// The Lua code failed (syntax, runtime, limit, sandbox).
        case lua
        /// The returned table breaks the contract.
        case validation
        /// The policy set folder itself is unusable.
        case policySet = "policy-set"
    }

    public var kind: Kind
    public var file: String
    public var line: Int?
    /// Dotted path of the offending field (`tiers[2].entry[1].metric`).
    public var field: String?
    public var message: String
    /// The Lua error behind a `.lua` failure.
    public var luaError: LuaError?

    public init(_ kind: Kind, file: String, line: Int? = nil, field: String? = nil, _ message: String,
                luaError: LuaError? = nil) {
        self.kind = kind
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        self.luaError = luaError
    }

    public init(_ error: LuaError, file: String) {
        self.init(.lua, file: error.file ?? file, line: error.line, error.message, luaError: error)
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let field { text += "\(field): " }
        return text + message
    }
}

extension PolicyError: ProblemConvertible {
    /// A policy that cannot be loaded: `policy_invalid`, with its file, line, field and traceback.
    public var problem: Problem {
        Problem("policy_invalid", .unprocessable, message: description, file: file, line: line, field: field, label: "policy",
                traceback: luaError?.traceback.flatMap { $0.isEmpty ? nil : $0 })
    }
}

// LuaHost sits below PartnerModel, so a Lua error gets its problem here, where both are seen.
extension LuaError: ProblemConvertible {
    /// `lua_error`, labelled with its kind (`error[runtime]:`), with file, line and traceback.
    public var problem: Problem {
        Problem("lua_error", .unprocessable, message: description, file: file, line: line, label: kind.rawValue,
                traceback: traceback.flatMap { $0.isEmpty ? nil : $0 })
    }
}
