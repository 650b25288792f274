/// A JSON document read strictly, as RFC 8259 writes it: what a JSON Lines
/// import line and the ingest API's body are read as, so that both refuse
/// the same things.
///
/// Refused, where lenient readers accept them: a trailing comma, a key twice
/// in one object, a byte order mark, comments, `NaN`/`Infinity`, hex or
/// `+`-signed numbers, leading zeros, a number too large for a Double, a
/// control character or invalid UTF-8 in a string, an unpaired surrogate
/// escape (`"\ud800"`), anything after the value, and nesting deeper than
/// ``maximumDepth``. Booleans stay booleans (never numbers).
///
/// ```swift
/// let value = try JSONValue(parsing: Array(#"{"kind": "login"}"#.utf8))
/// value["kind"]   // .string("login")
/// ```
public enum JSONValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    /// Members in document order; keys are unique.
    case object([Member])

    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// Deeper documents are refused (no record nests more than two levels).
    public static let maximumDepth = 64

    /// The member `key` of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// How a message names the value's kind: `a string`, `true or false`, ...
    public var kindName: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "true or false"
        case .null: "null"
        case .array: "a list"
        case .object: "an object"
        }
    }

    public init(parsing bytes: some Collection<UInt8>) throws(JSONSyntaxError) {
        let array = Array(bytes)
        let result = array.withUnsafeBufferPointer { buffer -> Result<JSONValue, JSONSyntaxError> in
            var reader = Reader(bytes: buffer)
            return Result { () throws(JSONSyntaxError) -> JSONValue in try reader.document() }
        }
        self = try result.get()
    }
}

/// Why a text is not JSON, and where: `column` counts bytes from 1.
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var column: Int
    public var description: String { "column \(column): \(message)" }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0
    /// Whether white space skipped since the last value held a carriage return.
    var sawCarriageReturn = false

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func fail(_ message: String, at index: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(message: message, column: (index ?? i) + 1)
    }

    mutating func document() throws(JSONSyntaxError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw fail("a byte order mark (U+FEFF) starts the text; only the first line of a file may start with one")
        }
        skipSpace()
        let value = try self.value(depth: 0)
        sawCarriageReturn = false
        skipSpace()
        if i < bytes.count {
            if sawCarriageReturn {
                throw fail("text after the JSON value, behind a carriage return: a carriage return alone does not end a line (use LF or CRLF)")
            }
            throw fail("text after the JSON value")
        }
        return value
    }

    mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A: i += 1
            case 0x0D: sawCarriageReturn = true; i += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < JSONValue.maximumDepth else { throw fail("nested more than \(JSONValue.maximumDepth) levels deep") }
        guard i < bytes.count else { throw fail("the text ends where a value should be") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("expected a value (a string, a number, true, false, null, a list or an object)")
        }
    }

    mutating func literal(_ word: String) throws(JSONSyntaxError) {
        let utf8 = Array(word.utf8)
        guard bytes.count - i >= utf8.count, bytes[i..<i + utf8.count].elementsEqual(utf8) else {
            throw fail("expected \(word)")
        }
        i += utf8.count
    }

    mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        i += 1
        var members: [JSONValue.Member] = []
        var keys = Set<String>()
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                if i < bytes.count, bytes[i] == UInt8(ascii: "}"), !members.isEmpty {
                    throw fail("a comma before '}' (a trailing comma)")
                }
                throw fail("expected a key in double quotes")
            }
            let keyStart = i
            let key = try string()
            guard keys.insert(key).inserted else { throw fail("the key '\(key)' appears twice in one object", at: keyStart) }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after the key '\(key)'") }
            i += 1
            skipSpace()
            members.append(.init(key: key, value: try value(depth: depth + 1)))
            skipSpace()
            guard i < bytes.count else { throw fail("the object is not closed: expected ',' or '}'") }
            switch bytes[i] {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return .object(members)
            default: throw fail("expected ',' or '}' after the value of '\(key)'")
            }
        }
    }

    mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        i += 1
        var elements: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            return .array(elements)
        }
        while true {
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { throw fail("a comma before ']' (a trailing comma)") }
            elements.append(try value(depth: depth + 1))
            skipSpace()
            guard i < bytes.count else { throw fail("the list is not closed: expected ',' or ']'") }
            switch bytes[i] {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return .array(elements)
            default: throw fail("expected ',' or ']' in the list")
            }
        }
    }

    /// A string token; `i` is at its opening quote.
    mutating func string() throws(JSONSyntaxError) -> String {
        let open = i
        i += 1
        let start = i
        var unescaped: [UInt8]?
        while true {
            guard i < bytes.count else { throw fail("the string is not closed", at: open) }
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 {
                throw fail("a control character (U+\(hex4(UInt32(byte)))) inside a string; write it as an escape such as \\n")
            }
            if byte == UInt8(ascii: "\\") {
                if unescaped == nil { unescaped = Array(bytes[start..<i]) }
                try escape(into: &unescaped!)
                continue
            }
            unescaped?.append(byte)
            i += 1
        }
        let text = unescaped.map { String(validating: $0, as: UTF8.self) }
            ?? String(validating: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        i += 1
        guard let text else { throw fail("the string is not valid UTF-8", at: open) }
        return text
    }

    mutating func escape(into out: inout [UInt8]) throws(JSONSyntaxError) {
        let at = i
        i += 1
        guard i < bytes.count else { throw fail("the string ends inside an escape", at: at) }
        let c = bytes[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hexQuad(at: at)
            if (0xD800...0xDBFF).contains(scalar) {
                guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                    throw fail("the escape \\u\(hex4(scalar)) is half of a surrogate pair without its other half", at: at)
                }
                i += 2
                let low = try hexQuad(at: at)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw fail("the escape \\u\(hex4(scalar)) is half of a surrogate pair without its other half", at: at)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail("the escape \\u\(hex4(scalar)) is half of a surrogate pair without its other half", at: at)
            }
            // Never nil: surrogates were paired above and four hex digits stay below U+10000 otherwise.
            guard let decoded = Unicode.Scalar(scalar) else { throw fail("the escape is not a Unicode character", at: at) }
            out.append(contentsOf: String(Character(decoded)).utf8)
        default:
            throw fail("unknown escape '\\\(Character(Unicode.Scalar(c)))' (use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)", at: at)
        }
    }

    mutating func hexQuad(at escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
        guard bytes.count - i >= 4 else { throw fail("\\u needs four hex digits", at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw fail("\\u needs four hex digits", at: escapeStart)
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    /// A number token, by RFC 8259's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func number() throws(JSONSyntaxError) -> Double {
        let start = i
        guard let end = JSONNumber.end(of: bytes, from: i) else {
            throw fail("not a JSON number (digits with an optional '-', fraction and exponent; no leading zeros, hex, '+' or '.5')")
        }
        i = end
        guard let value = JSONNumber.value(of: bytes, start..<end) else {
            throw fail("the number is too large", at: start)
        }
        return value
    }

    func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// The number grammar of JSON, which import files' numbers follow too
/// (CSV amounts and attribute values), so both formats read the same
/// numbers.
public enum JSONNumber {
    /// The end of the number starting at `start`; nil when the bytes there are no JSON number.
    static func end(of b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start
        func digits() -> Int {
            let from = i
            while i < b.count, b[i] &- 48 <= 9 { i += 1 }
            return i - from
        }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else if digits() == 0 {
            return nil
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return nil }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return nil }
        }
        // A digit right after a leading zero ("007") is not JSON.
        if i < b.count, b[i] &- 48 <= 9 { return nil }
        return i
    }

    /// The finite value of a number token; nil when it overflows a Double.
    /// `-0` reads as 0 (an amount or value of "minus zero" is zero).
    static func value(of b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double? {
        guard let value = Double(Substring(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self)),
              value.isFinite else { return nil }
        return value == 0 ? 0 : value
    }

    /// `text` read as a JSON number: nil unless the whole text is one, finite.
    public static func parse(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { b in
            guard let end = end(of: b, from: 0), end == b.count else { return nil }
            return value(of: b, 0..<end)
        }
    }
}
