import Foundation
import PartnerModel

/// One import file, opened, classified (partners or events, CSV or JSON
/// Lines) and read record by record.
///
/// The format is JSON Lines when the name ends in `.jsonl` or `.ndjson`, or
/// when the first character that is not white space is `{`; CSV otherwise.
///
/// Unchecked `Sendable`: a file is handed to the import's second thread and
/// read only there from then on.
final class ImportFile: @unchecked Sendable {
    let display: String
    let content: ImportContent
    private let source: Source

    private enum Source {
        case csv(CSVRecords, positions: [Int?])
        case jsonLines(JSONLines)
    }

    init(path: String, display: String? = nil, chunkSize: Int = 1 << 20) throws {
        let display = display ?? path
        self.display = display
        if try ImportFile.isJSONLines(path: path, display: display) {
            let lines = try JSONLines(path: path, display: display, chunkSize: chunkSize)
            content = lines.content
            source = .jsonLines(lines)
        } else {
            let records = try CSVRecords(path: path, display: display, chunkSize: chunkSize)
            guard let content = ImportContent.detect(keys: records.header) else {
                throw PartnerStoreError("the header names neither 'id' (a partners file) nor 'partner_id' (an events file)",
                                        file: display, line: 1,
                                        hint: "start the file with a header row such as " + ImportContent.partners.columns.joined(separator: ","))
            }
            self.content = content
            source = .csv(records, positions: try ImportFile.positions(of: records.header, for: content, file: display))
        }
    }

    /// Where each of the content's columns sits in the header (nil: absent, optional).
    private static func positions(of header: [String], for content: ImportContent, file: String) throws -> [Int?] {
        var seen = Set<String>()
        for name in header {
            guard content.columns.contains(name) else {
                throw PartnerStoreError("unknown column '\(name)' in the header", file: file, line: 1, field: name,
                                        hint: "the columns are " + content.columns.joined(separator: ","))
            }
            guard seen.insert(name).inserted else {
                throw PartnerStoreError("column '\(name)' appears twice in the header", file: file, line: 1, field: name,
                                        hint: "keep one")
            }
        }
        return try content.columns.map { column in
            if let index = header.firstIndex(of: column) { return index }
            guard content.optionalColumns.contains(column) else {
                throw PartnerStoreError("the header has no '\(column)' column", file: file, line: 1, field: column,
                                        hint: "the columns are " + content.columns.joined(separator: ","))
            }
            return nil
        }
    }

    private static func isJSONLines(path: String, display: String) throws -> Bool {
        if path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson") { return true }
        if path.hasSuffix(".csv") { return false }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PartnerStoreError("cannot open the file", file: display, hint: "check the path and its permissions")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        let first = head.drop { [0xEF, 0xBB, 0xBF, 0x20, 0x09, 0x0A, 0x0D].contains($0) }.first
        return first == UInt8(ascii: "{")
    }

    /// Append the next event of an events file, checked, to `batch`; false at the end.
    ///
    /// A CSV row goes through ``CSVEventRows/append(_:to:)`` first: the same
    /// checks as ``ImportRecord/event(numbers:)`` on the fields as read,
    /// without making a record. When that declines (anything missing,
    /// malformed or unknown) the row goes through the record path, which
    /// makes the same event or names the file, line and field of what is
    /// wrong.
    func appendNextEvent(to batch: inout EventBatch, numbers: [String: Int64], kinds: EventKinds) throws -> Bool {
        guard let (records, positions) = csvEvents else {
            guard let record = try next() else { return false }
            batch.append(try record.event(numbers: numbers, kinds: kinds))
            return true
        }
        if fastRows == nil { fastRows = CSVEventRows(positions: positions, numbers: numbers, kinds: kinds) }
        guard let (line, fields) = try records.next() else { return false }
        try append(line: line, fields: fields, to: &batch, rows: &fastRows!)
        return true
    }

    private var fastRows: CSVEventRows?

    /// The reader and column positions of a CSV events file; nil for other files.
    var csvEvents: (records: CSVRecords, positions: [Int])? {
        guard case .csv(let records, let positions) = source, content == .events else { return nil }
        return (records, positions.map { $0! })
    }

    /// Append the event of a CSV events row that starts on `line` to `batch`
    /// (the fast path, else the record path). Reads only what does not
    /// change, so threads may call it at once, each with its own `rows`.
    func append(line: Int, fields: [String], to batch: inout EventBatch, rows: inout CSVEventRows) throws {
        guard case .csv(let records, let positions) = source else { preconditionFailure("not a CSV file") }
        if fields.count == records.header.count, rows.append(fields, to: &batch) { return }
        batch.append(try record(line: line, fields: fields, records: records, positions: positions)
            .event(numbers: rows.numbers, kinds: rows.kinds))
    }

    /// The next record, or nil at the end of the file.
    func next() throws -> ImportRecord? {
        switch source {
        case .csv(let records, let positions):
            guard let (line, fields) = try records.next() else { return nil }
            return try record(line: line, fields: fields, records: records, positions: positions)
        case .jsonLines(let lines):
            return try lines.next()
        }
    }

    private func record(line: Int, fields: [String], records: CSVRecords, positions: [Int?]) throws -> ImportRecord {
        guard fields.count == records.header.count else {
            let field = fields.count < records.header.count ? records.header[fields.count] : "field \(records.header.count + 1)"
            throw PartnerStoreError("this row has \(fields.count) fields but the header has \(records.header.count)",
                                    file: display, line: line, field: field,
                                    hint: "give every row one field per header column; quote fields that contain commas")
        }
        var values = [FieldValue?](repeating: nil, count: positions.count)
        for (column, position) in positions.enumerated() {
            if let position, !fields[position].isEmpty { values[column] = .text(fields[position]) }
        }
        return ImportRecord(file: display, line: line, content: content, values: values)
    }
}

/// The events of CSV rows, checked exactly as ``ImportRecord/event(numbers:)``
/// checks them, straight from the fields ``CSVChunk`` read: no record, no
/// field array, the partner's number and the day remembered from the row
/// before (an events file comes in runs of one partner and one day).
/// Returns nil for any row that check would refuse — or that this one does
/// not recognise — so the caller can take the record path for the message.
struct CSVEventRows {
    /// Field positions of partner_id, date, kind, amount, currency, product,
    /// territory, name, value, expires.
    let p: [Int]
    let numbers: [String: Int64]
    /// The custom kinds the record path accepts.
    let kinds: EventKinds
    private var lastID = ""
    private var lastNumber: Int64 = 0
    private var lastDate = ""
    private var lastDay: Int32 = 0

    init(positions: [Int], numbers: [String: Int64], kinds: EventKinds) {
        precondition(positions.count == 10)
        p = positions
        self.numbers = numbers
        self.kinds = kinds
    }

    /// Append the row's event to `batch`; false (and `batch` unchanged) when
    /// the record path must decide.
    mutating func append(_ fields: [String], to batch: inout EventBatch) -> Bool {
        let textCount = batch.text.count
        if let row = row(fields, &batch) {
            batch.rows.append(row)
            return true
        }
        batch.text.removeSubrange(textCount...)
        return false
    }

    private mutating func row(_ fields: [String], _ batch: inout EventBatch) -> EventRow? {
        let id = fields[p[0]]
        if id != lastID || id.isEmpty {
            guard !id.isEmpty, let number = numbers[id] else { return nil }
            lastID = id
            lastNumber = number
        }
        let date = fields[p[1]]
        if date != lastDate || date.isEmpty {
            guard let day = Self.day(date) else { return nil }
            lastDate = date
            lastDay = day
        }
        var kindText = fields[p[2]]
        guard !kindText.isEmpty else { return nil }
        let kind: EventKind
        if let builtIn = kindText.withUTF8({ EventKind(bytes: $0.baseAddress!, count: $0.count) }) {
            kind = builtIn
        } else if kinds.custom.contains(kindText) {
            kind = .custom
        } else {
            return nil
        }
        var row = EventRow(partnerNumber: lastNumber, day: lastDay, kind: kind)
        func text(_ column: Int) -> String? {
            let value = fields[p[column]]
            return value.isEmpty ? nil : value
        }
        func amount() -> Bool {
            let value = fields[p[3]]
            guard !value.isEmpty, let amount = JSONNumber.parse(value), amount >= 0, amount <= ImportRecord.largestAmount,
                  Money.isExact(amount) else { return false }
            row.amount = amount
            row.hasAmount = true
            return true
        }
        // Fields the kind does not use are still checked (as the record path does).
        let usesAmount = kind == .revenue || kind == .dealRegistered || kind == .dealWon || kind == .dealLost
        if !usesAmount, !fields[p[3]].isEmpty,
           !(JSONNumber.parse(fields[p[3]]).map { $0 >= 0 && $0 <= ImportRecord.largestAmount && Money.isExact($0) } ?? false) { return nil }
        if kind != .certification && kind != .credential, !fields[p[9]].isEmpty, Self.day(fields[p[9]]) == nil { return nil }
        switch kind {
        case .login:
            break
        case .revenue:
            guard amount(), let currency = text(4), let product = text(5) else { return nil }
            row.currency = batch.store(currency)
            row.product = batch.store(product)
        case .dealRegistered:
            guard amount(), let product = text(5), let territory = text(6) else { return nil }
            row.product = batch.store(product)
            row.territory = batch.store(territory)
        case .dealWon, .dealLost:
            guard amount() else { return nil }
            if let product = text(5) { row.product = batch.store(product) }
            if let territory = text(6) { row.territory = batch.store(territory) }
        case .custom:
            // Every field optional, as the record path takes them; an expiry it refuses.
            guard text(9) == nil else { return nil }
            if !fields[p[3]].isEmpty { guard amount() else { return nil } }
            row.customKind = batch.store(kindText)
            row.currency = batch.store(text(4))
            row.product = batch.store(text(5))
            row.territory = batch.store(text(6))
            row.name = batch.store(text(7))
            if let value = text(8) { Self.set(value, of: &row, in: &batch) }
        case .certification, .credential:
            guard let name = text(7) else { return nil }
            if let expires = text(9) {
                guard let day = Self.day(expires) else { return nil }
                row.expires = day
            }
            row.name = batch.store(name)
        case .training:
            guard let name = text(7) else { return nil }
            row.name = batch.store(name)
        case .attribute:
            guard let name = text(7), let value = text(8) else { return nil }
            row.name = batch.store(name)
            Self.set(value, of: &row, in: &batch)
        }
        return row
    }

    /// A value: a number when it reads as one, else a text (as ``ImportRecord`` reads it).
    private static func set(_ value: String, of row: inout EventRow, in batch: inout EventBatch) {
        if let number = JSONNumber.parse(value) {
            row.valueKind = 1
            row.number = number
        } else {
            row.valueKind = 2
            row.valueText = batch.store(value)
        }
    }

    /// `YYYY-MM-DD` as ``Day/init(parsing:)`` reads it, without an array; nil when it would refuse.
    static func day(_ text: String) -> Int32? {
        var text = text
        return text.withUTF8 { Day.parsed(utf8: $0)?.daysSinceEpoch }
    }
}

/// The records of a JSON Lines file: one JSON object per line, keys named as
/// the CSV columns, lists as arrays of strings; blank lines are skipped.
final class JSONLines {
    let display: String
    private(set) var content: ImportContent = .partners
    private let file: ChunkedFile
    private var lines: [(line: Int, bytes: ArraySlice<UInt8>)] = []
    private var position = 0
    private var nextLine = 1
    private var first: ImportRecord?

    init(path: String, display: String, chunkSize: Int = 1 << 20) throws {
        self.display = display
        file = try ChunkedFile(path: path, display: display, quoteAware: false, chunkSize: chunkSize)
        guard let (line, object) = try nextObject() else {
            throw PartnerStoreError("the file holds no JSON object", file: display, line: 1,
                                    hint: "write one JSON object per line")
        }
        guard let content = ImportContent.detect(keys: object.map(\.key)) else {
            throw PartnerStoreError("the first object has neither 'id' (a partner) nor 'partner_id' (an event)",
                                    file: display, line: line, hint: "name the fields as in the CSV header")
        }
        self.content = content
        first = try record(line: line, object: object)
    }

    func next() throws -> ImportRecord? {
        if let first {
            self.first = nil
            return first
        }
        guard let (line, object) = try nextObject() else { return nil }
        return try record(line: line, object: object)
    }

    private func nextObject() throws -> (Int, [JSONValue.Member])? {
        while true {
            if position == lines.count {
                guard let chunk = try file.nextChunk() else { return nil }
                lines.removeAll(keepingCapacity: true)
                position = 0
                var start = chunk.startIndex
                for index in chunk.indices where chunk[index] == 0x0A {
                    lines.append((nextLine, chunk[start..<index]))
                    nextLine += 1
                    start = index + 1
                }
                if start < chunk.endIndex {
                    lines.append((nextLine, chunk[start...]))
                    nextLine += 1
                }
                continue
            }
            let (line, bytes) = lines[position]
            position += 1
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let parsed: JSONValue
            do {
                parsed = try JSONValue(parsing: bytes)
            } catch {
                if UTF8Check.firstInvalidOffset(in: Array(bytes)) != nil { throw UTF8Check.error(display: display, line: line) }
                throw PartnerStoreError("not valid JSON: \(error)", file: display, line: line,
                                        hint: "write one complete JSON object per line (no line breaks inside an object)")
            }
            guard case .object(let members) = parsed else {
                throw PartnerStoreError("expected a JSON object, found \(parsed.kindName)", file: display, line: line,
                                        hint: "write one JSON object per line, like {\"id\": \"P1\", ...}")
            }
            return (line, members)
        }
    }

    private func record(line: Int, object: [JSONValue.Member]) throws -> ImportRecord {
        try JSONLines.record(object, content: content, file: display, line: line)
    }

    /// The record a JSON object describes, checked as a JSON Lines file's
    /// line is: text as strings, amounts as numbers, lists as arrays of
    /// strings, `null` for no value; nothing else.
    static func record(_ object: [JSONValue.Member], content: ImportContent, file display: String, line: Int) throws -> ImportRecord {
        let columns = content.columns
        var values = [FieldValue?](repeating: nil, count: columns.count)
        for member in object {
            let key = member.key
            guard let column = columns.firstIndex(of: key) else {
                throw PartnerStoreError("unknown field '\(key)'", file: display, line: line, field: key,
                                        hint: "the fields are " + columns.joined(separator: ", "))
            }
            func checked(_ text: String) throws -> String {
                if let (message, hint) = FieldText.problem(in: text) {
                    throw PartnerStoreError(message, file: display, line: line, field: key, hint: hint)
                }
                return text
            }
            switch member.value {
            case .string(let text): values[column] = .text(try checked(text))   // "" is no value, but only where text may stand
            case .number(let number): values[column] = .number(number)
            case .null: values[column] = nil
            case .array(let list):
                values[column] = .list(try list.map { item in
                    guard case .string(let text) = item else {
                        throw PartnerStoreError("expected a list of strings, found \(item.kindName) in it", file: display, line: line,
                                                field: key, hint: "write lists as [\"a\", \"b\"]")
                    }
                    return try checked(text)
                })
            case .bool, .object:
                throw PartnerStoreError("expected a string, a number or a list, found \(member.value.kindName)", file: display,
                                        line: line, field: key, hint: "write plain values: text in quotes, numbers without")
            }
        }
        return ImportRecord(file: display, line: line, content: content, values: values, isJSON: true)
    }
}
