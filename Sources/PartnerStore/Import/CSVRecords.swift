import CSV
import Foundation

/// The records of an RFC 4180 CSV file with a header row, each with the
/// physical line it starts on. CSV.swift parses; this type feeds it chunks of
/// whole records (``CSVChunk``) and counts lines (a quoted field may hold
/// line breaks, so a record can span several lines). Blank lines are skipped.
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
    }

    /// Physical lines read so far (those of the current chunk included).
    var linesRead: Int { linesBefore + (chunk?.linesRead ?? 0) }

    /// The next record and the line it starts on, or nil at the end.
    func next() throws -> (line: Int, fields: [String])? {
        while true {
            if chunk == nil {
                guard let bytes = try file.nextChunk() else { return nil }
                do {
                    chunk = try CSVChunk(bytes, display: display)
                } catch is CSVChunk.InvalidUTF8 {
                    throw CSVChunk.invalidUTF8(display: display, afterLine: linesBefore)
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
/// own by CSV.swift: lines are counted from 1 at the chunk's first line, so
/// chunks can be parsed in any order or at once, and a caller who knows how
/// many lines came before adds them (``PartnerStoreError/shifted(by:)``).
struct CSVChunk {
    let display: String
    private let reader: CSVReader
    private let hasQuotes: Bool
    /// When the file ended inside a quoted field in this chunk: the line its last record starts on.
    private let lastRecordLine: Int?
    private var nextLine = 1

    /// The chunk is not UTF-8; ``invalidUTF8(display:afterLine:)`` says so.
    struct InvalidUTF8: Error {}

    static func invalidUTF8(display: String, afterLine line: Int) -> PartnerStoreError {
        PartnerStoreError("the text is not valid UTF-8 (somewhere after line \(line))", file: display,
                          hint: "save the file as UTF-8")
    }

    init(_ chunk: (bytes: ArraySlice<UInt8>, hasQuotes: Bool, unclosedQuote: Bool), display: String) throws {
        self.display = display
        guard let text = String(validating: chunk.bytes, as: UTF8.self) else { throw InvalidUTF8() }
        hasQuotes = chunk.hasQuotes
        if chunk.unclosedQuote {
            // Find where the last record starts by reading the chunk once ahead.
            let ahead = try CSVReader(string: text, hasHeaderRow: false)
            var line = 1
            var start = line
            while let fields = ahead.next() {
                start = line
                line += 1 + fields.reduce(0) { $0 + $1.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
            }
            lastRecordLine = start
        } else {
            lastRecordLine = nil
        }
        reader = try CSVReader(string: text, hasHeaderRow: false)
    }

    /// Physical lines read so far in this chunk.
    var linesRead: Int { nextLine - 1 }

    /// The next non-blank record and the line (in the chunk) it starts on, or nil at the chunk's end.
    mutating func next() throws -> (line: Int, fields: [String])? {
        while true {
            guard let fields = reader.next() else {
                if let error = reader.error {
                    throw PartnerStoreError("cannot read the CSV: \(error)", file: display, line: nextLine)
                }
                return nil
            }
            let line = nextLine
            nextLine += 1
            if hasQuotes {
                for field in fields { nextLine += field.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
            }
            if lastRecordLine == line {
                // The file ended inside a quoted field that this record opened.
                throw PartnerStoreError("a quoted field opened in this record is never closed", file: display, line: line,
                                        hint: "close the field with a double quote; write a quote inside a field as \"\"")
            }
            if fields.count == 1 && fields[0].isEmpty { continue }   // a blank line
            return (line, fields)
        }
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
