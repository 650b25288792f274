/// Quoting for the text formats partner data travels in (CSV per RFC 4180,
/// JSON strings), shared by every writer of such files.
public enum TextFormat {
    /// A CSV field, quoted when it holds a comma, quote or line break.
    public static func csvField(_ text: String) -> String {
        guard text.utf8.contains(where: csvNeedsQuotes) else { return text }
        var out = "\""
        for character in text {
            if character == "\"" { out += "\"\"" } else { out.append(character) }
        }
        return out + "\""
    }

    /// Whether a byte (comma, quote, line feed, carriage return) makes a CSV field need quotes.
    @inlinable
    public static func csvNeedsQuotes(_ byte: UInt8) -> Bool {
        byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D
    }

    /// A JSON string literal.
    public static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A JSON array of strings.
    public static func jsonList(_ items: [String]) -> String { "[" + items.map(jsonString).joined(separator: ",") + "]" }
}
