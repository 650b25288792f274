/// Deterministic JSON for Lua values: object keys sorted, integers without a
/// fraction, floats in Swift's shortest round-trip form. Functions, NaN and
/// infinities have no JSON form and are type mismatches.
extension LuaValue {
    public func jsonString(pretty: Bool = false) throws -> String {
        var out = ""
        try write(to: &out, pretty: pretty, indent: 0, path: "$")
        return out
    }

    private func write(to out: inout String, pretty: Bool, indent: Int, path: String) throws {
        switch self {
        case .nil: out += "null"
        case .boolean(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d):
            guard d.isFinite else { throw LuaError(.typeMismatch, "\(path): \(d) has no JSON representation") }
            if d == d.rounded(.towardZero), abs(d) < 1e15 { out += String(Int64(d)) + ".0" } else { out += "\(d)" }
        case .string(let s): JSONText.appendQuoted(s, to: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                try item.write(to: &out, pretty: pretty, indent: indent + 1, path: "\(path)[\(i + 1)]")
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .table(let fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{"
            for (i, key) in fields.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSONText.appendQuoted(key, to: &out)
                out += pretty ? ": " : ":"
                try fields[key]!.write(to: &out, pretty: pretty, indent: indent + 1, path: "\(path).\(key)")
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        case .function:
            throw LuaError(.typeMismatch, "\(path): a function has no JSON representation")
        }
    }
}

/// JSON string quoting shared by every JSON writer in the project.
public enum JSONText {
    public static func appendQuoted(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    public static func quoted(_ string: String) -> String {
        var out = ""
        appendQuoted(string, to: &out)
        return out
    }
}
