import Foundation

/// The records of an RFC 4180 CSV file with a header row, each with the
/// physical line it starts on (a quoted field may hold line breaks, so a
/// record can span several lines). Blank lines are skipped.
///
/// A byte-level scanner over chunks of whole records from ``ChunkedFile``:
/// a record's fields are byte ranges into the current chunk (no String per
/// field unless asked), which is what lets an events file be read at
/// millions of records per second. Fields are separated by commas, records
/// by LF or CRLF; a field that starts with a double quote runs to the
/// matching closing quote, `""` standing for one quote inside it.
final class CSVRecords {
    let display: String
    private(set) var header: [String]
    private let file: ChunkedFile
    /// The current chunk (UTF-8 checked) and the scan position in it.
    private var chunk: UnsafeMutableBufferPointer<UInt8>
    private var count = 0
    private var position = 0
    /// The physical line the next record starts on.
    private var nextLine = 1
    /// The fields of the record ``nextRecord()`` returned last.
    private(set) var fields: [Field] = []

    /// A field's bytes in the current chunk; `escaped` when it holds `""` pairs to undo.
    struct Field {
        var start: Int
        var end: Int
        var escaped: Bool
        var isEmpty: Bool { start == end }
    }

    init(path: String, display: String) throws {
        self.display = display
        file = try ChunkedFile(path: path, display: display, quoteAware: true)
        chunk = .allocate(capacity: 1 << 21)
        header = []
        guard try nextRecord() != nil else {
            throw PartnerStoreError("the file is empty", file: display, line: 1,
                                    hint: "a CSV import file starts with a header row")
        }
        header = (0..<fields.count).map { string(at: $0).trimmingCharacters(in: .whitespaces) }
    }

    deinit { chunk.deallocate() }

    /// The bytes of the current chunk (valid until the next call of ``nextRecord()``).
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: chunk.baseAddress, count: count) }

    /// Field `index` of the last record as a String (quotes undone).
    func string(at index: Int) -> String {
        let field = fields[index]
        let raw = UnsafeBufferPointer(rebasing: bytes[field.start..<field.end])
        guard field.escaped else { return String(decoding: raw, as: UTF8.self) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            unescaped.append(raw[i])
            i += raw[i] == 0x22 ? 2 : 1   // "" → "
        }
        return String(decoding: unescaped, as: UTF8.self)
    }

    /// The next record and the line it starts on, or nil at the end.
    func next() throws -> (line: Int, fields: [String])? {
        guard let line = try nextRecord() else { return nil }
        return (line, (0..<fields.count).map(string(at:)))
    }

    /// Scan the next non-blank record into ``fields``; its line, or nil at the end.
    func nextRecord() throws -> Int? {
        while true {
            if position >= count {
                guard try loadChunk() else { return nil }
                continue
            }
            let line = nextLine
            try scanRecord(line: line)
            if fields.count == 1 && fields[0].isEmpty { continue }   // a blank line
            return line
        }
    }

    private func scanRecord(line: Int) throws {
        fields.removeAll(keepingCapacity: true)
        let b = chunk.baseAddress!
        var i = position
        let end = count
        while true {
            var field: Field
            if i < end && b[i] == 0x22 {
                // Quoted: to the closing quote, "" being a quote inside.
                let start = i + 1
                var j = start
                var escaped = false
                while true {
                    guard j < end else {
                        throw PartnerStoreError("a quoted field opened in this record is never closed", file: display, line: line,
                                                hint: "close the field with a double quote; write a quote inside a field as \"\"")
                    }
                    let byte = b[j]
                    if byte == 0x22 {
                        if j + 1 < end && b[j + 1] == 0x22 {
                            escaped = true
                            j += 2
                            continue
                        }
                        break
                    }
                    if byte == 0x0A { nextLine += 1 }
                    j += 1
                }
                field = Field(start: start, end: j, escaped: escaped)
                i = j + 1
                // After the closing quote: a separator, a line end or the end.
                if i < end && b[i] != 0x2C && b[i] != 0x0A && !(b[i] == 0x0D && (i + 1 == end || b[i + 1] == 0x0A)) {
                    throw PartnerStoreError("text after the closing quote of field \(fields.count + 1)", file: display, line: line,
                                            hint: "quote the whole field and write a quote inside it as \"\"")
                }
            } else {
                let start = i
                while i < end {
                    let byte = b[i]
                    if byte == 0x2C || byte == 0x0A { break }
                    i += 1
                }
                var fieldEnd = i
                // CRLF: the CR belongs to the line end.
                if fieldEnd > start && (i == end || b[i] == 0x0A) && b[fieldEnd - 1] == 0x0D { fieldEnd -= 1 }
                field = Field(start: start, end: fieldEnd, escaped: false)
            }
            fields.append(field)
            if i < end && b[i] == 0x2C {
                i += 1
                continue
            }
            if i < end && b[i] == 0x0D { i += 1 }     // CR of CRLF after a quoted field
            if i < end && b[i] == 0x0A { i += 1 }
            nextLine += 1
            position = i
            return
        }
    }

    private func loadChunk() throws -> Bool {
        guard let next = try file.nextChunk() else { return false }
        let valid = next.bytes.withUnsafeBufferPointer { buffer -> Bool in
            guard String(validating: buffer, as: UTF8.self) != nil || buffer.isEmpty else { return false }
            if buffer.count > chunk.count {
                chunk.deallocate()
                chunk = .allocate(capacity: buffer.count)
            }
            _ = UnsafeMutableBufferPointer(rebasing: chunk[0..<buffer.count]).initialize(from: buffer)
            count = buffer.count
            return true
        }
        guard valid else {
            throw PartnerStoreError("the text is not valid UTF-8 (somewhere after line \(nextLine - 1))", file: display,
                                    hint: "save the file as UTF-8")
        }
        position = 0
        return true
    }
}
