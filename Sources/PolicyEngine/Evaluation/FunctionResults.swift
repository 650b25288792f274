import LuaHost
import PartnerModel

/// What a policy function must return (docs/policies.md, "What policy
/// functions return"). A result outside the contract is a `type-mismatch`
/// error at the function's definition, naming what it returned — never
/// silently read as 0, true or false.
///
/// - `ps.check` (tier criteria, a flag's `when`) and a gate's `applies_to`:
///   `true` or `false` first; a check may add the observed and the required
///   value, each nil, a boolean, a string or a finite number.
/// - a health component's `score`: a finite number first (outside 0..1 it is
///   clamped), then optionally a detail of the same kinds as above.
enum FunctionResults {
    /// The verdict of a check or an `applies_to` function.
    static func verdict(_ values: [LuaValue], of function: LuaReference, _ what: @autoclosure () -> String,
                        in lua: LuaState) throws -> Bool {
        if case .boolean(let verdict)? = values.first { return verdict }
        throw mismatch(function, in: lua, "\(what()) must return true or false first, got \(describe(values.first))"
            + " — return a comparison, e.g. `return (p.revenue_12m or 0) >= 50000`")
    }

    /// The rate an incentive's rate function returned: a number from 0 to 1 with at most 10
    /// decimal places, or nil (the partner earns no rate).
    /// `accelerated`: what the rule's accelerators can add; the rate with them is at most 1 too.
    static func rate(_ values: [LuaValue], of function: LuaReference, _ what: @autoclosure () -> String,
                     accelerated: ExactDecimal = .zero, in lua: LuaState) throws -> ExactDecimal? {
        if values.first == nil || values.first == .nil { return nil }
        if let rate = values.first?.doubleValue, rate.isFinite, rate >= 0, rate <= 1, let exact = PolicyLoader.exact(rate, rate: true) {
            guard exact + accelerated <= ExactDecimal(1) else {
                throw mismatch(function, in: lua, "\(what()) returned \(exact), which its accelerators (+\(accelerated)) would take to "
                    + "\(exact + accelerated); a rate is at most 1 — return at most \(ExactDecimal(1) - accelerated)")
            }
            return exact
        }
        throw mismatch(function, in: lua, "\(what()) must return a rate from 0 to 1 with at most 10 decimal places (0.12 for 12%), "
            + "or nil for none, got \(describe(values.first))")
    }

    /// The score a health component's function returned, unclamped.
    static func score(_ values: [LuaValue], of function: LuaReference, _ what: @autoclosure () -> String,
                      in lua: LuaState) throws -> Double {
        if let score = values.first?.doubleValue, score.isFinite { return score }
        throw mismatch(function, in: lua, "\(what()) must return a finite number first (0 to 1; "
            + "values outside are clamped), got \(describe(values.first))")
    }

    /// Checks the optional values after the first: an observed and a required
    /// value (a check) or a detail (a score).
    static func checkExtras(_ values: [LuaValue], names: [String], of function: LuaReference,
                            _ what: @autoclosure () -> String, in lua: LuaState) throws {
        for i in values.indices.dropFirst() where i <= names.count {
            switch values[i] {
            case .nil, .boolean, .integer, .string: continue
            case .number(let number) where number.isFinite: continue
            default:
                throw mismatch(function, in: lua, "\(what()): the \(names[i - 1]) (result \(i + 1)) must be nil, a boolean, "
                    + "a string or a finite number, got \(describe(values[i]))")
            }
        }
    }

    static func mismatch(_ function: LuaReference, in lua: LuaState, _ message: String) -> LuaError {
        let definition = lua.definition(of: function)
        return LuaError(.typeMismatch, message, file: definition?.chunk, line: definition?.line)
    }

    /// A returned value as a message shows it.
    static func describe(_ value: LuaValue?) -> String {
        switch value {
        case nil: "nothing"
        case .nil?: "nil"
        case .boolean(let b)?: b ? "true" : "false"
        case .integer(let i)?: String(i)
        case .number(let d)?: d.isNaN ? "nan" : d.isInfinite ? (d > 0 ? "inf" : "-inf") : "\(d)"
        case .string(let s)?: "the string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array?, .table?: "a table"
        case .function?: "a function"
        }
    }
}
