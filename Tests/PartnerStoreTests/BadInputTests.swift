import Foundation
import Testing
@testable import PartnerStore

/// Every bad-input kind aborts the whole import naming file, line and field,
/// and leaves the store as it was (zero rows written).
@Suite("A bad row aborts the import with file, line and field; nothing is written")
struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var file: String
        var contents: String
        var line: Int
        var field: String?
        var message: String
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "unknown partner", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,login,,,,,,,\nP7,2024-01-02,login,,,,,,,\n",
             line: 3, field: "partner_id", message: "unknown partner 'P7'"),
        Case(label: "impossible date", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,login,,,,,,,\nP1,2023-02-29,login,,,,,,,\n",
             line: 3, field: "date", message: "no such day '2023-02-29'"),
        Case(label: "wrong column count", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,login,,,,,,,\nP1,2024-01-02,login,,,\n",
             line: 3, field: "territory", message: "this row has 6 fields but the header has 10"),
        Case(label: "missing required field", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,revenue,10,,voice,,,,\n",
             line: 2, field: "currency", message: "missing"),
        Case(label: "unknown event kind", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,webinar,,,,,,,\n",
             line: 2, field: "kind", message: "unknown event kind 'webinar'"),
        Case(label: "negative amount", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,deal_won,-250,,,,,,\n",
             line: 2, field: "amount", message: "negative amount -250"),
        Case(label: "an amount finer than four decimal places (money keeps four)", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,deal_won,10.00001,,,,,,\n",
             line: 2, field: "amount", message: "amount 10.00001 has more than 4 decimal places"),
        Case(label: "line numbers count line breaks inside quoted fields", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,training,,,,,\"two\nlines\",,\nP1,2024-13-01,login,,,,,,,\n",
             line: 4, field: "date", message: "no such day '2024-13-01'"),
        Case(label: "duplicate partner id within the file", file: "more.csv",
             contents: partnersHeader + "P5,Five,agent,telecom-agents,NA,US,,,2024-01-01,cam,,,\nP5,Five again,agent,telecom-agents,NA,US,,,2024-01-01,cam,,,\n",
             line: 3, field: "id", message: "duplicate partner id 'P5' (first on line 2)"),
        Case(label: "unknown partner type", file: "more.csv",
             contents: partnersHeader + "P5,Five,wholesaler,telecom-agents,NA,US,,,2024-01-01,cam,,,\n",
             line: 2, field: "type", message: "unknown partner type 'wholesaler'"),
        Case(label: "malformed JSON line", file: "events.jsonl",
             contents: "{\"partner_id\":\"P1\",\"date\":\"2024-01-01\",\"kind\":\"login\"}\n{\"partner_id\":\"P1\",\"date\":\"2024-01-02\",\n",
             line: 2, field: nil, message: "not valid JSON"),
        Case(label: "JSON field of the wrong type", file: "events.jsonl",
             contents: "{\"partner_id\":\"P1\",\"date\":\"2024-01-01\",\"kind\":\"deal_won\",\"amount\":\"lots\"}\n",
             line: 1, field: "amount", message: "'lots' is not a number"),
        Case(label: "unclosed quote", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,login,,,,,,,\nP1,2024-01-02,training,,,,,\"never closed,,\n",
             line: 3, field: nil, message: "a quoted field opened in this record is never closed"),
    ]

    @Test("each bad input is refused precisely and rolls everything back", arguments: cases)
    func refused(_ bad: Case) throws {
        let folder = try Folder()
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        // A good partners file in the same import must be rolled back too.
        let good = try folder.write("partners.csv", partnersHeader + "P1,One,agent,telecom-agents,NA,US,US-CA,voice,2023-01-01,cam,,,\n")
        let path = try folder.write(bad.file, bad.contents)
        do {
            try store.importFiles([good, path])
            Issue.record("the import should have failed")
        } catch let error as PartnerStoreError {
            #expect(error.file == path)
            #expect(error.line == bad.line)
            #expect(error.field == bad.field)
            #expect(error.message.hasPrefix(bad.message), "\(error)")
            #expect(error.hint != nil, "every refusal says what to do")
        }
        #expect(try store.counts() == (0, 0))
    }

    @Test("read in chunks of a few bytes (every row its own chunk, parsed in parallel), the same refusal",
          arguments: cases, [16, 64])
    func refusedAcrossChunks(_ bad: Case, chunkSize: Int) throws {
        let folder = try Folder()
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        let good = try folder.write("partners.csv", partnersHeader + "P1,One,agent,telecom-agents,NA,US,US-CA,voice,2023-01-01,cam,,,\n")
        // Some good rows first (one with a line break in a quoted field), so
        // the bad one is several chunks and lines into the file.
        var contents = bad.contents
        var line = bad.line
        if bad.file == "events.csv" {
            let lead = "P1,2023-06-01,login,,,,,,,\r\n\nP1,2023-06-02,training,,,,,\"a\nmodule\",,\nP1,2023-06-03,login,,,,,,,\n"
            contents = eventsHeader + lead + contents.dropFirst(eventsHeader.count)
            line += 5
        }
        let path = try folder.write(bad.file, contents)
        do {
            try store.importFiles([good, path], chunkSize: chunkSize)
            Issue.record("the import should have failed")
        } catch let error as PartnerStoreError {
            #expect(error.file == path)
            #expect(error.line == line, "\(error)")
            #expect(error.field == bad.field)
            #expect(error.message.hasPrefix(bad.message), "\(error)")
        }
        #expect(try store.counts() == (0, 0))
    }

    @Test("text that is not UTF-8 is refused naming the last line before the chunk it is in, chunks read in parallel")
    func invalidUTF8AcrossChunks() throws {
        let folder = try Folder()
        let good = try folder.write("partners.csv", partnersHeader + "P1,One,agent,telecom-agents,NA,US,US-CA,voice,2023-01-01,cam,,,\n")
        // The bad byte is on line 42 (the header is line 1).
        var bytes = Array((eventsHeader + String(repeating: "P1,2023-06-01,login,,,,,,,\n", count: 40)).utf8)
        bytes += Array("P1,2023-06-02,training,,,,,mod".utf8) + [0xFF] + Array("ule,,\n".utf8)
        let path = folder.path("events.csv")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        // UTF-8 is checked a chunk at a time: one chunk of the whole file
        // says "after line 0"; chunks of one row name the line before.
        for (chunkSize, after) in [(1 << 20, 0), (16, 41)] {
            let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
            do {
                try store.importFiles([good, path], chunkSize: chunkSize)
                Issue.record("the import should have failed")
            } catch let error as PartnerStoreError {
                #expect(error.message == "the text is not valid UTF-8 (somewhere after line \(after))", "chunks of \(chunkSize)")
            }
            #expect(try store.counts() == (0, 0))
        }
    }

    @Test("the message reads file:line: field 'name': what — what to do")
    func message() {
        let error = PartnerStoreError("no such day '2023-02-29'", file: "events.csv", line: 12, field: "date",
                                      hint: "write dates as YYYY-MM-DD (a day that exists)")
        #expect(error.description == "events.csv:12: field 'date': no such day '2023-02-29' — write dates as YYYY-MM-DD (a day that exists)")
    }

    @Test("a header that is neither partners nor events is refused on line 1")
    func unknownHeader() throws {
        let folder = try Folder()
        let path = try folder.write("what.csv", "a,b,c\n1,2,3\n")
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        #expect { try store.importFiles([path]) } throws: { ($0 as? PartnerStoreError)?.line == 1 }
    }
}
