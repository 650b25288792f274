import CSV
import Foundation

/// The records of an RFC 4180 CSV file with a header row, each with the
/// physical line it starts on. CSV.swift parses; this type feeds it chunks of
/// whole records and counts lines (a quoted field may hold line breaks, so a
/// record can span several lines). Blank lines are skipped.
final class CSVRecords {
    let display: String
    private(set) var header: [String]
    private let file: ChunkedFile
    private var reader: CSVReader?
    private var chunkHasQuotes = false
    /// The physical line the next record starts on.
    private var nextLine = 1

    init(path: String, display: String) throws {
        self.display = display
        file = try ChunkedFile(path: path, display: display, quoteAware: true)
        header = []
        guard let first = try next() else {
            throw PartnerStoreError("the file is empty", file: display, line: 1,
                                    hint: "a CSV import file starts with a header row")
        }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The next record and the line it starts on, or nil at the end.
    func next() throws -> (line: Int, fields: [String])? {
        while true {
            if reader == nil {
                guard try loadChunk() else { return nil }
            }
            guard let fields = reader!.next() else {
                if let error = reader!.error { throw describe(error) }
                reader = nil
                continue
            }
            let line = nextLine
            nextLine += 1
            if chunkHasQuotes {
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

    /// When the final chunk ends inside quotes: the line its last record starts on.
    private var lastRecordLine: Int?

    private func loadChunk() throws -> Bool {
        guard let chunk = try file.nextChunk() else { return false }
        guard let text = String(validating: chunk.bytes, as: UTF8.self) else {
            throw PartnerStoreError("the text is not valid UTF-8 (somewhere after line \(nextLine - 1))", file: display,
                                    hint: "save the file as UTF-8")
        }
        chunkHasQuotes = chunk.hasQuotes
        if chunk.unclosedQuote {
            // Find where the last record starts by reading the chunk once ahead.
            let ahead = try CSVReader(string: text, hasHeaderRow: false)
            var line = nextLine
            var start = line
            while let fields = ahead.next() {
                start = line
                line += 1 + fields.reduce(0) { $0 + $1.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
            }
            lastRecordLine = start
        }
        reader = try CSVReader(string: text, hasHeaderRow: false)
        return true
    }

    private func describe(_ error: Error) -> PartnerStoreError {
        PartnerStoreError("cannot read the CSV: \(error)", file: display, line: nextLine)
    }
}
