import PartnerModel
import LuaHost
import PartnerModel

/// One table of a policy as the loader reads it: its fields, the line of
/// its declaration (or of the nearest one around it) and the path that
/// messages name it by (`gates[2].suspends`).
///
/// Every read checks the field's type: a known field of the wrong type is an
/// error, never silently ignored.
struct ContractTable {
    let fields: [String: LuaValue]
    let path: String
    let line: Int?
    let file: String

    /// Keys the `partnerscore` library sets on what its constructors return.
    static let recorded: Set<String> = ["_kind", "_file", "_line"]

    /// `value` as a table, or an error saying what was `expected` there.
    init(_ value: LuaValue, path: String, line outer: Int?, file: String, expected: String) throws {
        self.path = path
        self.file = file
        switch value {
        case .table(let fields):
            self.fields = fields
            line = Self.line(of: value) ?? outer
        case .array(let items):
            // Positional items only (`ps.gate "X" { "ehr-cloud" }`): a table of the contract has named fields.
            fields = Dictionary(uniqueKeysWithValues: items.enumerated().map { (String($0.offset + 1), $0.element) })
            line = outer
        default:
            throw PolicyError(.validation, file: file, line: outer, field: path, "expected \(expected), got \(value.typeName)")
        }
    }

    /// The kind a `partnerscore` constructor recorded (`"tier"`, `"gate"`, ...), if any.
    var kind: String? { fields["_kind"]?.stringValue }

    static func line(of value: LuaValue) -> Int? {
        if case .integer(let line) = value["_line"] { return Int(line) }
        return nil
    }

    func error(_ key: String?, _ message: String, line override: Int? = nil) -> PolicyError {
        PolicyError(.validation, file: file, line: override ?? line,
                    field: key.map { path.isEmpty ? $0 : "\(path).\($0)" } ?? path, message)
    }

    /// Throws for the first field (in name order) that is not `allowed`,
    /// suggesting the closest allowed name.
    func allow(_ allowed: [String]) throws {
        for key in fields.keys.sorted() where !Self.recorded.contains(key) && !allowed.contains(key) {
            if Int(key) != nil {
                throw error(key, "unexpected list item: fields are written name = value (expected \(Self.list(allowed)))")
            }
            throw error(key, "unknown field '\(key)'" + Suggestion.didYouMean(key, among: allowed)
                + " (expected \(Self.list(allowed)))")
        }
    }

    static func list(_ names: [String]) -> String {
        names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// The field's value; nil when absent (or nil).
    subscript(key: String) -> LuaValue? {
        guard let value = fields[key], !value.isNil else { return nil }
        return value
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    private func wrongType(_ key: String, _ expected: String, _ value: LuaValue) -> PolicyError {
        error(key, "expected \(expected), got \(value.typeName)" + (value.stringValue.map { " \"\($0)\"" } ?? ""))
    }

    /// A text field; nil when absent. `nonEmpty`: "" is an error too.
    func string(_ key: String, _ expected: String = "a text", nonEmpty: Bool = true) throws -> String? {
        guard let value = self[key] else { return nil }
        guard let text = value.stringValue, !(nonEmpty && text.isEmpty) else { throw wrongType(key, expected, value) }
        return text
    }

    /// A finite number; nil when absent.
    func number(_ key: String, _ expected: String = "a number") throws -> Double? {
        guard let value = self[key] else { return nil }
        guard let number = value.doubleValue, number.isFinite else { throw wrongType(key, expected, value) }
        return number
    }

    /// A list; nil when absent.
    func list(_ key: String, _ expected: String) throws -> [LuaValue]? {
        guard let value = self[key] else { return nil }
        guard let items = value.arrayValue else { throw wrongType(key, expected, value) }
        return items
    }

    /// A list of non-empty names; empty when absent.
    func names(_ key: String, _ expected: String = "a list of names, e.g. { \"voice\" }") throws -> [String] {
        guard let items = try list(key, expected) else { return [] }
        return try items.enumerated().map { i, item in
            guard let text = item.stringValue, !text.isEmpty else {
                throw error("\(key)[\(i + 1)]", "expected a name, got \(item.typeName)")
            }
            return text
        }
    }

    /// A nested table of the contract; nil when absent.
    func table(_ key: String, _ expected: String) throws -> ContractTable? {
        guard let value = self[key] else { return nil }
        return try ContractTable(value, path: "\(path).\(key)", line: line, file: file, expected: expected)
    }

    /// A period (`"60 days"`, `"3 months"`, `60`, `{ days = 60 }`, `{ months = 3 }`); nil when absent.
    func period(_ key: String) throws -> Period? {
        guard let value = self[key] else { return nil }
        return try Self.period(value, path: "\(path).\(key)", line: line, file: file)
    }

    /// The longest period a policy may write: deadlines and escalations further out are mistakes, and days
    /// that far away are past what day arithmetic supports.
    static let longestPeriod = Period(days: Day.longestSpanInYears * 365 + Day.longestSpanInYears / 4,
                                      months: Day.longestSpanInYears * 12)

    static func period(_ value: LuaValue, path: String, line: Int?, file: String) throws -> Period {
        let period = try anyPeriod(value, path: path, line: line, file: file)
        // A month counted as a twelfth of 365.25 days, so "100 years" itself is allowed.
        guard period.days <= longestPeriod.days, period.months <= longestPeriod.months,
              Double(period.days) + Double(period.months) * 365.25 / 12 <= Double(longestPeriod.days) else {
            // Echo what was written ("101 years"), not its months.
            let written = value.stringValue.map { "\"\($0)\"" } ?? "\(period)"
            throw PolicyError(.validation, file: file, line: line, field: path, "expected a period of at most \(Day.longestSpanInYears) years, got \(written)")
        }
        return period
    }

    private static func anyPeriod(_ value: LuaValue, path: String, line: Int?, file: String) throws -> Period {
        let help = "expected a period such as \"60 days\", \"3 months\", 60 (days) or { months = 3 }"
        func fail(_ detail: String) -> PolicyError {
            PolicyError(.validation, file: file, line: line, field: path, "\(help), got \(detail)")
        }
        switch value {
        case .integer(let days) where days >= 0 && days <= Int64(Int32.max): return Period(days: Int(days))
        case .string(let text):
            let parts = text.split(separator: " ")
            guard parts.count == 2, let count = Int(parts[0]), count >= 0, count <= Int(Int32.max) / 7 else {
                throw fail("\"\(text)\"")
            }
            switch parts[1] {
            case "day", "days": return Period(days: count)
            case "week", "weeks": return Period(days: count * 7)
            case "month", "months": return Period(months: count)
            case "year", "years": return Period(months: count * 12)
            default: throw fail("\"\(text)\"" + Suggestion.didYouMean(String(parts[1]), among: ["days", "weeks", "months", "years"]))
            }
        case .table, .array:
            let spec = try ContractTable(value, path: path, line: line, file: file, expected: help)
            try spec.allow(Contract.fieldNames(of: .period))
            func whole(_ key: String) throws -> Int {
                guard let n = try spec.number(key, "a whole number of \(key) (0 or more)") else { return 0 }
                guard n >= 0, n == n.rounded(), n <= Double(Int32.max) else {
                    throw spec.error(key, "expected a whole number of \(key) (0 or more), got \(Format.number(n))")
                }
                return Int(n)
            }
            return Period(days: try whole("days"), months: try whole("months"))
        default:
            throw fail(value.typeName + (value.doubleValue.map { " \(Format.number($0))" } ?? ""))
        }
    }
}
