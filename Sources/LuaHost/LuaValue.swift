/// A Lua value as Swift sees it.
///
/// Tables become ``array(_:)`` when their keys are exactly `1...n` and
/// ``table(_:)`` otherwise (integer keys of a non-sequence are written as
/// decimal strings). Functions are kept as registry references that belong to
/// the ``LuaState`` that produced them.
///
/// ```swift
/// let value: LuaValue = ["tier": "Gold", "revenue": 125_000.5, "regions": ["EMEA", "APAC"]]
/// ```
public enum LuaValue: Hashable, Sendable {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([LuaValue])
    case table([String: LuaValue])
    case function(LuaReference)

    /// The Lua type name (`"nil"`, `"boolean"`, `"number"`, `"string"`, `"table"`, `"function"`).
    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .array, .table: "table"
        case .function: "function"
        }
    }

    public var isNil: Bool { if case .nil = self { true } else { false } }

    /// The number, for integers and floats alike.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }

    public var boolValue: Bool? { if case .boolean(let b) = self { b } else { nil } }

    /// Lua truthiness: everything but `nil` and `false` is true.
    public var isTruthy: Bool {
        switch self {
        case .nil: false
        case .boolean(let b): b
        default: true
        }
    }

    /// Field `key` of a table value (`nil` for anything else or a missing key).
    public subscript(key: String) -> LuaValue {
        if case .table(let fields) = self { return fields[key] ?? .nil }
        return .nil
    }

    /// The elements of a sequence; an empty table counts as an empty sequence.
    public var arrayValue: [LuaValue]? {
        switch self {
        case .array(let items): items
        case .table(let fields) where fields.isEmpty: []
        default: nil
        }
    }
}

extension LuaValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: LuaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, LuaValue)...) {
        self = .table(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// A value kept alive in a state's registry (a function or a table).
/// Only meaningful for the ``LuaState`` that created it.
public struct LuaReference: Hashable, Sendable {
    public let id: Int32
}
