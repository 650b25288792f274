import Foundation
import GRDB
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
             line: 1, field: "amount", message: "expected a number, found a string"),
        Case(label: "unclosed quote", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,login,,,,,,,\nP1,2024-01-02,training,,,,,\"never closed,,\n",
             line: 3, field: "name", message: "a quoted field opened on this line is never closed"),
    ] + strictCases + dateRangeCases

    /// Input that lenient readers accept and this one refuses (issue 20, item 2).
    static let strictCases: [Case] = {
        let login = #"{"partner_id":"P1","date":"2024-01-01","kind":"login"}"# + "\n"
        func jsonEvent(_ fields: String) -> String { login + #"{"partner_id":"P1","date":"2024-01-02","kind":"deal_won""# + fields + "}\n" }
        func csvRow(_ row: String) -> String { eventsHeader + "P1,2024-01-01,login,,,,,,,\n" + row + "\n" }
        return [
            Case(label: "a JSON boolean for a number", file: "events.jsonl", contents: jsonEvent(#","amount":true"#),
                 line: 2, field: "amount", message: "expected a string, a number or a list, found true or false"),
            Case(label: "a JSON number for a text", file: "events.jsonl", contents: login + #"{"partner_id":1,"date":"2024-01-02","kind":"login"}"#,
                 line: 2, field: "partner_id", message: "expected a string, found a number"),
            Case(label: "a JSON string for a list", file: "more.jsonl",
                 contents: #"{"id":"P5","name":"Five","type":"agent","program":"telecom-agents","enrolled":"2024-01-01","territories":"US-CA;US-TX"}"#,
                 line: 1, field: "territories", message: "expected a list, found a string"),
            Case(label: "a trailing comma in a JSON object", file: "events.jsonl", contents: jsonEvent(#","amount":5,"#),
                 line: 2, field: nil, message: "not valid JSON: column 69: a comma before '}'"),
            Case(label: "a key twice in a JSON object", file: "events.jsonl", contents: jsonEvent(#","amount":5,"amount":6"#),
                 line: 2, field: nil, message: "not valid JSON: column 69: the key 'amount' appears twice"),
            Case(label: "a byte order mark starting a JSON line after the first", file: "events.jsonl",
                 contents: login + "\u{FEFF}" + login, line: 2, field: nil, message: "not valid JSON: column 1: a byte order mark"),
            Case(label: "NaN in JSON", file: "events.jsonl", contents: jsonEvent(#","amount":NaN"#),
                 line: 2, field: nil, message: "not valid JSON"),
            Case(label: "a JSON number with a leading zero", file: "events.jsonl", contents: jsonEvent(#","amount":007"#),
                 line: 2, field: nil, message: "not valid JSON"),
            Case(label: "a JSON number beyond a Double", file: "events.jsonl", contents: jsonEvent(#","amount":1e400"#),
                 line: 2, field: nil, message: "not valid JSON: column 67: the number is too large"),
            Case(label: "an escaped NUL in a JSON string", file: "events.jsonl",
                 contents: login + #"{"partner_id":"P1","date":"2024-01-02","kind":"training","name":"a\u0000b"}"#,
                 line: 2, field: "name", message: "a control character (U+0000)"),
            Case(label: "an unpaired surrogate escape", file: "events.jsonl",
                 contents: login + #"{"partner_id":"P1","date":"2024-01-02","kind":"training","name":"\ud800"}"#,
                 line: 2, field: nil, message: "not valid JSON"),
            Case(label: "JSON objects separated by a carriage return alone", file: "events.jsonl",
                 contents: login.dropLast() + "\r" + login, line: 1, field: nil, message: "not valid JSON"),
            Case(label: "a byte order mark starting a CSV row", file: "events.csv",
                 contents: csvRow("\u{FEFF}P1,2024-01-02,login,,,,,,,"),
                 line: 3, field: "partner_id", message: "a byte order mark (U+FEFF) inside the data"),
            Case(label: "a byte order mark starting a CSV partner row", file: "more.csv",
                 contents: partnersHeader + "\u{FEFF}P5,Five,agent,telecom-agents,NA,US,,,2024-01-01,cam,,,\n",
                 line: 2, field: "id", message: "a byte order mark (U+FEFF) inside the data"),
            Case(label: "a NUL byte in a CSV id", file: "more.csv",
                 contents: partnersHeader + "P\u{0}5,Five,agent,telecom-agents,NA,US,,,2024-01-01,cam,,,\n",
                 line: 2, field: "id", message: "a control character (U+0000)"),
            Case(label: "a NUL byte in a quoted CSV field", file: "events.csv",
                 contents: csvRow("P1,2024-01-02,training,,,,,\"mod\u{0}ule\",,"),
                 line: 3, field: "name", message: "a control character (U+0000)"),
            Case(label: "a hex-float amount", file: "events.csv", contents: csvRow("P1,2024-01-02,deal_won,0x1p3,,,,,,"),
                 line: 3, field: "amount", message: "'0x1p3' is not a number"),
            Case(label: "an amount with a plus sign", file: "events.csv", contents: csvRow("P1,2024-01-02,deal_won,+5,,,,,,"),
                 line: 3, field: "amount", message: "'+5' is not a number"),
            Case(label: "an amount 'inf'", file: "events.csv", contents: csvRow("P1,2024-01-02,deal_won,inf,,,,,,"),
                 line: 3, field: "amount", message: "'inf' is not a number"),
            Case(label: "an amount with a thousands separator", file: "events.csv", contents: csvRow("P1,2024-01-02,deal_won,\"1,000\",,,,,,"),
                 line: 3, field: "amount", message: "'1,000' is not a number"),
            Case(label: "lines ending in a carriage return alone", file: "events.csv",
                 contents: csvRow("P1,2024-01-02,login,,,,,,,\rP1,2024-01-03,login,,,,,,,"),
                 line: 3, field: "expires", message: "a carriage return alone ends this line"),
            Case(label: "a file whose lines all end in a carriage return alone", file: "more.csv",
                 contents: partnersHeader.dropLast() + "\rP5,Five,agent,telecom-agents,NA,US,,,2024-01-01,cam,,,\r",
                 line: 1, field: nil, message: "a carriage return alone ends this line"),
            Case(label: "a quote inside an unquoted field", file: "events.csv", contents: csvRow("P1,2024-01-02,training,,,,,mod\"ule,,"),
                 line: 3, field: "name", message: "a double quote inside an unquoted field"),
            Case(label: "an empty JSON string for a number", file: "events.jsonl", contents: jsonEvent(#","amount":"""#),
                 line: 2, field: "amount", message: "expected a number, found a string"),
            Case(label: "an amount over 10^15", file: "events.csv", contents: csvRow("P1,2024-01-02,deal_won,1e300,,,,,,"),
                 line: 3, field: "amount", message: "amount 1e300 is larger than 10^15"),
            Case(label: "a JSON amount over 10^15", file: "events.jsonl", contents: jsonEvent(#","amount":2e15"#),
                 line: 2, field: "amount", message: "amount 2000000000000000.0 is larger than 10^15"),
            Case(label: "a malformed amount on a kind that takes none", file: "events.csv", contents: csvRow("P1,2024-01-02,login,abc,,,,,,"),
                 line: 3, field: "amount", message: "'abc' is not a number"),
            Case(label: "an impossible expiry on a kind that takes none", file: "events.csv",
                 contents: csvRow("P1,2024-01-02,login,,,,,,,2024-02-30"), line: 3, field: "expires", message: "no such day '2024-02-30'"),
            Case(label: "a list for a value", file: "events.jsonl", contents: login + #"{"partner_id":"P1","date":"2024-01-02","kind":"login","value":["a"]}"#,
                 line: 2, field: "value", message: "expected a number or a text, found a list"),
            Case(label: "text after a closing quote", file: "events.csv", contents: csvRow("P1,2024-01-02,training,,,,,\"mod\"ule,,"),
                 line: 3, field: "name", message: "text after the closing quote of a quoted field"),
        ]
    }()

    /// Valid calendar days outside ``Day/supported`` (issue 20, item 1).
    static let dateRangeCases: [Case] = [
        Case(label: "an event on 0001-01-01", file: "events.csv", contents: eventsHeader + "P1,0001-01-01,login,,,,,,,\n",
             line: 2, field: "date", message: "'0001-01-01' is outside the supported dates 1900-01-01 … 2999-12-31"),
        Case(label: "a certificate expiring 9999-12-31", file: "events.csv",
             contents: eventsHeader + "P1,2024-01-01,certification,,,,,Cert,,9999-12-31\n",
             line: 2, field: "expires", message: "'9999-12-31' is outside the supported dates"),
        Case(label: "an enrolment in 1899", file: "more.jsonl",
             contents: #"{"id":"P5","name":"Five","type":"agent","program":"telecom-agents","enrolled":"1899-12-31"}"#,
             line: 1, field: "enrolled", message: "'1899-12-31' is outside the supported dates"),
    ]

    @Test("each bad input is refused precisely and rolls everything back, on either engine", arguments: cases, TestPostgres.engines)
    func refused(_ bad: Case, engine: SQLEngine) throws {
        let folder = try Folder()
        let test = try TestStore(engine)
        let store = test.store
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

    @Test("text that is not UTF-8 is refused naming its line, whatever the chunks it is read in")
    func invalidUTF8AcrossChunks() throws {
        let folder = try Folder()
        let good = try folder.write("partners.csv", partnersHeader + "P1,One,agent,telecom-agents,NA,US,US-CA,voice,2023-01-01,cam,,,\n")
        // The bad byte is on line 42 (the header is line 1).
        var bytes = Array((eventsHeader + String(repeating: "P1,2023-06-01,login,,,,,,,\n", count: 40)).utf8)
        bytes += Array("P1,2023-06-02,training,,,,,mod".utf8) + [0xFF] + Array("ule,,\n".utf8)
        let path = folder.path("events.csv")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let jsonl = folder.path("events.jsonl")
        var lines = Array(String(repeating: #"{"partner_id":"P1","date":"2023-06-01","kind":"login"}"# + "\n", count: 41).utf8)
        lines += Array(#"{"partner_id":"P1","date":"2023-06-02","kind":"training","name":"mod"#.utf8) + [0xC3] + Array("\"}\n".utf8)
        try Data(lines).write(to: URL(fileURLWithPath: jsonl))
        for file in [path, jsonl] {
            for chunkSize in [1 << 20, 16, 100] {
                let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
                do {
                    try store.importFiles([good, file], chunkSize: chunkSize)
                    Issue.record("the import should have failed")
                } catch let error as PartnerStoreError {
                    #expect(error.message == "the text is not valid UTF-8", "\(file), chunks of \(chunkSize)")
                    #expect(error.line == 42, "\(file), chunks of \(chunkSize)")
                }
                #expect(try store.counts() == (0, 0))
            }
        }
    }

    @Test("-0 is a zero amount, a number with a fraction and an exponent is a number (CSV and JSON read numbers alike)")
    func numbers() throws {
        let folder = try Folder()
        let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
        let good = try folder.write("partners.csv", partnersHeader + "P1,One,agent,telecom-agents,NA,US,US-CA,voice,2023-01-01,cam,,,\n")
        let csv = try folder.write("events.csv", eventsHeader + "P1,2024-01-01,deal_won,-0,,,,,,\nP1,2024-01-02,deal_won,1.5e3,,,,,,\n"
                                   + "P1,2024-01-03,attribute,,,,,depth,0x10,\n")
        let jsonl = try folder.write("more.jsonl", #"{"partner_id":"P1","date":"2024-01-04","kind":"deal_lost","amount":-0.0}"# + "\n")
        try store.importFiles([good, csv, jsonl])
        let rows = try store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT amount, value, typeof(value) FROM event ORDER BY day")
        }
        let amounts = rows.compactMap { $0[0] as Double? }
        #expect(amounts == [0, 1500, 0])
        #expect(amounts.allSatisfy { $0.sign == .plus }, "no minus zero is stored")
        #expect(rows[2][1] as String? == "0x10" && rows[2][2] as String? == "text", "a hex attribute value is text, not 16")
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
