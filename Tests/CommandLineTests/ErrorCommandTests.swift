import AsyncHTTPClient
import Foundation
import TestSupport
import Testing

/// One error model, two mappings: the same refusal read through the real
/// binary's stderr and through `partnerscore serve`'s JSON carries the same
/// field, index (line), file, hint and words.
extension EngineCommandTests {
    @Test("a refused event and a failing policy say the same through the CLI and through the API")
    func sameErrorBothWays() async throws {
        let w = try program()
        // Three good events and a fourth that is refused: the CLI names line 4, the API index 3.
        func events(_ fourth: String) -> [String] {
            (1...3).map { #"{"partner_id":"P0000002","date":"2026-02-0\#($0)","kind":"login"}"# } + [fourth]
        }
        let badDate = events(#"{"partner_id":"P0000002","date":"2026-02-30","kind":"login"}"#)
        let unknown = events(#"{"partner_id":"NOPE","date":"2026-02-04","kind":"login"}"#)
        var cli: [String] = []
        for (name, lines) in [("bad-date.jsonl", badDate), ("unknown.jsonl", unknown)] {
            try w.write(name, lines.joined(separator: "\n") + "\n")
            let r = try partnerscore(["import", "--db", "db.sqlite", name], in: w)
            #expect(r.status == 1)
            cli.append(r.stderr)
        }
        let dateHint = "write dates as YYYY-MM-DD (a day that exists)"
        let partnerHint = "import the partners file first (or in the same import); partner ids are case-sensitive"
        #expect(cli[0] == "error: bad-date.jsonl:4: field 'date': no such day '2026-02-30' — \(dateHint)\n")
        #expect(cli[1] == "error: unknown.jsonl:4: field 'partner_id': unknown partner 'NOPE' — \(partnerHint)\n")

        // A policy that fails on every partner: evaluate stops at one and names it.
        try w.write("P/telecom/agents.lua", checkingPolicy("error('no data for ' .. p.id)"))
        let evaluate = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "P/telecom", "--as-of", "2026-10-31", "--dry-run"],
                                        in: w)
        #expect(evaluate.status == 1)
        let partner = try #require(evaluate.stderr.firstMatch(of: /while evaluating partner (P\d+)\)/)).1
        #expect(evaluate.stderr.hasPrefix("error[policy]: P/telecom/agents.lua:5: no data for \(partner)"), "\(evaluate.stderr)")

        let token = try partnerscore(["token", "create", "--db", "db.sqlite", "--role", "designer"], in: w)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try await withServe(in: w, arguments: ["--db", "db.sqlite", "--policies", "P/telecom", "--watch-ms", "0", "--no-webhooks"]) { port in
            func call(_ path: String, body: String? = nil, post: Bool = false) async throws -> (status: Int, error: [String: Any]) {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                if post || body != nil { request.method = .POST }
                if let body {
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(Data(body.utf8))
                }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                let data = try await response.body.collect(upTo: 1 << 20)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: data)) as? [String: Any]
                return (Int(response.status.code), json?["error"] as? [String: Any] ?? [:])
            }
            let date = try await call("/v1/activity", body: #"{"events":["# + badDate.joined(separator: ",") + "]}")
            #expect(date.status == 400)
            #expect(date.error["code"] as? String == "invalid_event")
            #expect(date.error["field"] as? String == "events[3].date")
            #expect(date.error["index"] as? Int == 3)
            #expect(date.error["hint"] as? String == dateHint)
            #expect(date.error["message"] as? String == "events[3]: field 'date': no such day '2026-02-30' — \(dateHint)")

            let stranger = try await call("/v1/activity", body: #"{"events":["# + unknown.joined(separator: ",") + "]}")
            #expect(stranger.status == 404)
            #expect(stranger.error["code"] as? String == "unknown_partner")
            #expect(stranger.error["field"] as? String == "events[3].partner_id")
            #expect(stranger.error["index"] as? Int == 3)
            #expect(stranger.error["hint"] as? String == partnerHint)

            // The policy's failure: the same file, line and words as evaluate printed.
            let live = try await call("/v1/partners/\(partner)/evaluation?as_of=2026-10-31")
            #expect(live.status == 422)
            #expect(live.error["code"] as? String == "policy_error")
            #expect(live.error["file"] as? String == "P/telecom/agents.lua")
            #expect(live.error["line"] as? Int == 5)
            #expect(evaluate.stderr == "error[policy]: \(live.error["message"] as? String ?? "?")\n")

            // A policy that does not load: the reload is refused with the file and line evaluate names.
            try w.write("P/telecom/agents.lua", checkingPolicy("return ("))
            let broken = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", "P/telecom", "--as-of", "2026-10-31", "--dry-run"],
                                          in: w)
            #expect(broken.status == 1)
            let words = try #require(broken.stderr.split(separator: "\n").first?.dropFirst("error[policy]: ".count))
            #expect(broken.stderr.hasPrefix("error[policy]: P/telecom/agents.lua:5: "), "\(broken.stderr)")
            let reload = try await call("/v1/policies/reload", post: true)
            #expect(reload.status == 422)
            #expect(reload.error["code"] as? String == "policy_invalid")
            #expect(reload.error["file"] as? String == "P/telecom/agents.lua")
            #expect(reload.error["line"] as? Int == 5)
            #expect((reload.error["message"] as? String)?.hasPrefix(String(words)) == true, "\(reload.error)")
        }
    }
}
