import Foundation

/// The records of an RFC 4180 CSV file with a header row, each with the
/// physical line it starts on. This type feeds ``CSVChunk`` chunks of whole
/// records and counts lines (a quoted field may hold line breaks, so a
/// record can span several lines). Blank lines are skipped.
final class CSVRecords {
    let display: String
    private(set) var header: [String]
    /// The file's chunks after the current one (the parallel events reader
    /// takes them from here once the current chunk is read).
    let file: ChunkedFile
    private var chunk: CSVChunk?
    /// Physical lines in the chunks before the current one.
    private var linesBefore = 0

    init(path: String, display: String, chunkSize: Int = 1 << 20) throws {
        self.display = display
        file = try ChunkedFile(path: path, display: display, quoteAware: true, chunkSize: chunkSize)
        header = []
        guard let first = try next() else {
            throw PartnerStoreError("the file is empty", file: display, line: 1,
                                    hint: "a CSV import file starts with a header row")
        }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        chunk?.header = header
    }

    /// Physical lines read so far (those of the current chunk included).
    var linesRead: Int { linesBefore + (chunk?.linesRead ?? 0) }

    /// The next record and the line it starts on, or nil at the end.
    func next() throws -> (line: Int, fields: [String])? {
        while true {
            if chunk == nil {
                guard let bytes = try file.nextChunk() else { return nil }
                do {
                    chunk = try CSVChunk(bytes, display: display, header: header)
                } catch let error as PartnerStoreError {
                    throw error.shifted(by: linesBefore)
                }
            }
            if let record = try nextInCurrentChunk() { return record }
            linesBefore += chunk!.linesRead
            chunk = nil
        }
    }

    /// The next record of the chunk being read, or nil when it has no more
    /// (no new chunk is read).
    func nextInCurrentChunk() throws -> (line: Int, fields: [String])? {
        guard chunk != nil else { return nil }
        do {
            guard let (line, fields) = try chunk!.next() else { return nil }
            return (linesBefore + line, fields)
        } catch let error as PartnerStoreError {
            throw error.shifted(by: linesBefore)
        }
    }
}

/// One chunk of whole records (as ``ChunkedFile`` cuts them), parsed on its
/// own: lines are counted from 1 at the chunk's first line, so chunks can
/// be parsed in any order or at once, and a caller who knows how many lines
/// came before adds them (``PartnerStoreError/shifted(by:)``).
///
/// The reading is strict, so that nothing malformed is imported in a form
/// its writer did not mean: a record ends at LF or CRLF outside quotes; a
/// quoted field is `"` … `"` with `""` for a quote inside and nothing but a
/// comma or the record's end after it; a quote in an unquoted field, a
/// carriage return alone outside quotes, a byte order mark after the file's
/// start, a control character (other than tab, and line breaks in a quoted
/// field) and invalid UTF-8 are each refused with the line they are on.
struct CSVChunk {
    let display: String
    private let bytes: [UInt8]
    /// Names fields in messages (empty while the header row itself is read).
    var header: [String]
    private var position = 0
    /// The physical line (from 1) of the byte at `position`.
    private var line = 1

    init(_ chunk: ArraySlice<UInt8>, display: String, header: [String]) throws {
        self.display = display
        self.header = header
        bytes = Array(chunk)
        if let offset = UTF8Check.firstInvalidOffset(in: bytes) {
            throw UTF8Check.error(display: display, line: 1 + bytes[..<offset].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
        }
    }

    /// Physical lines read so far in this chunk.
    var linesRead: Int { line - 1 }

    /// The next non-blank record and the line (in the chunk) it starts on, or nil at the chunk's end.
    mutating func next() throws -> (line: Int, fields: [String])? {
        while position < bytes.count {
            let start = line
            let fields = try bytes.withUnsafeBufferPointer { try record($0) }
            if fields.count == 1 && fields[0].isEmpty { continue }   // a blank line
            return (start, fields)
        }
        return nil
    }

    private func failure(_ message: String, field: Int, hint: String) -> PartnerStoreError {
        PartnerStoreError(message, file: display, line: line, field: field < header.count ? header[field] : nil, hint: hint)
    }

    /// One record from `position`, which it leaves after the record's line break.
    private mutating func record(_ b: UnsafeBufferPointer<UInt8>) throws -> [String] {
        var fields: [String] = []
        var i = position
        defer { position = i }
        while true {
            let column = fields.count
            if i < b.count, b[i] == UInt8(ascii: "\"") {
                let opened = line
                i += 1
                var text: [UInt8] = []
                while true {
                    guard i < b.count else {
                        line = opened
                        throw failure("a quoted field opened on this line is never closed", field: column,
                                      hint: "close the field with a double quote; write a quote inside a field as \"\"")
                    }
                    let byte = b[i]
                    if byte == UInt8(ascii: "\"") {
                        if i + 1 < b.count, b[i + 1] == UInt8(ascii: "\"") {
                            text.append(byte)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    if byte == 0x0A { line += 1 } else if byte != 0x0D { try check(b, at: i, field: column) }
                    text.append(byte)
                    i += 1
                }
                fields.append(String(decoding: text, as: UTF8.self))
                guard i == b.count || b[i] == UInt8(ascii: ",") || b[i] == 0x0A
                        || (b[i] == 0x0D && i + 1 < b.count && b[i + 1] == 0x0A) else {
                    throw failure("text after the closing quote of a quoted field", field: column,
                                  hint: "quote the whole field and write a quote inside it as \"\"")
                }
            } else {
                let start = i
                while i < b.count {
                    let byte = b[i]
                    if byte == UInt8(ascii: ",") || byte == 0x0A || byte == 0x0D { break }
                    if byte == UInt8(ascii: "\"") {
                        throw failure("a double quote inside an unquoted field", field: column,
                                      hint: "quote the whole field and write a quote inside it as \"\" (\"say \"\"hi\"\"\")")
                    }
                    try check(b, at: i, field: column)
                    i += 1
                }
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
            }
            // After a field: a comma, the record's end (LF, CRLF) or the chunk's end.
            if i == b.count { return fields }
            switch b[i] {
            case UInt8(ascii: ","):
                i += 1
            case 0x0A:
                i += 1
                line += 1
                return fields
            default:   // a carriage return
                guard i + 1 < b.count, b[i + 1] == 0x0A else {
                    throw failure("a carriage return alone ends this line", field: column,
                                  hint: "save the file with LF or CRLF line endings (a lone CR, as old Mac files have, is not one)")
                }
                i += 2
                line += 1
                return fields
            }
        }
    }

    /// Refuses a control character (other than tab) or a byte order mark at `i`.
    private func check(_ b: UnsafeBufferPointer<UInt8>, at i: Int, field: Int) throws {
        let byte = b[i]
        if byte < 0x20 && byte != 0x09 || byte == 0x7F {
            throw failure(FieldText.controlCharacterMessage(UInt32(byte)), field: field, hint: FieldText.hint)
        }
        if byte == 0xEF, i + 2 < b.count, b[i + 1] == 0xBB, b[i + 2] == 0xBF {
            throw failure(FieldText.byteOrderMarkMessage, field: field, hint: FieldText.byteOrderMarkHint)
        }
    }
}

/// The characters a field may hold, one rule for CSV and JSON Lines (and
/// the ingest API): no control character but tab and line breaks, and no
/// byte order mark (U+FEFF), which only the very start of a file may hold.
enum FieldText {
    static let hint = "remove it; only tabs and line breaks (in quoted CSV fields or JSON strings) are allowed"
    static let byteOrderMarkMessage = "a byte order mark (U+FEFF) inside the data"
    static let byteOrderMarkHint = "remove it; only the very start of a file may hold one (an editor adds it when files are joined)"

    static func controlCharacterMessage(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "a control character (U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + ")"
    }

    /// The first character `text` may not hold, as a message and hint; nil when it is fine.
    /// With `lineBreaks: false` (ids), tabs and line breaks are refused too.
    static func problem(in text: String, lineBreaks: Bool = true) -> (message: String, hint: String)? {
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v == 0xFEFF { return (byteOrderMarkMessage, byteOrderMarkHint) }
            if v < 0x20 || v == 0x7F {
                if lineBreaks && (v == 0x09 || v == 0x0A || v == 0x0D) { continue }
                return (controlCharacterMessage(v), lineBreaks ? hint : "remove it; an id holds no tabs, line breaks or control characters")
            }
        }
        return nil
    }
}

/// Where a text stops being UTF-8, for messages that name the line.
enum UTF8Check {
    /// The offset of the first byte that is not part of valid UTF-8; nil when all of it is.
    static func firstInvalidOffset(in bytes: [UInt8]) -> Int? {
        if String(validating: bytes, as: UTF8.self) != nil { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    static func error(display: String, line: Int) -> PartnerStoreError {
        PartnerStoreError("the text is not valid UTF-8", file: display, line: line,
                          hint: "save the file as UTF-8 (a spreadsheet's \"CSV UTF-8\")")
    }
}

extension PartnerStoreError {
    /// The same error with its line moved down by `lines` (a chunk's line made a file's).
    func shifted(by lines: Int) -> PartnerStoreError {
        var copy = self
        copy.line = line.map { $0 + lines }
        return copy
    }
}
