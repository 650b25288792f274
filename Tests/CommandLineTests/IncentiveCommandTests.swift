import Foundation
import TestSupport
import Testing

/// Incentives through the real command line: the payout of generated
/// programs against an independent computation over three consecutive
/// periods, the money of a diff, explain, and statements.
@Suite("Incentives through the command line: export incentives, diff, explain")
struct IncentiveCommandTests {
    static let repository = MeasureCommandTests.repository

    func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3"] + arguments
        let output = Pipe()
        check.standardOutput = output
        try check.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        return (check.terminationStatus, text)
    }

    /// Generate, import and evaluate `industry` at `days` (recorded, with tiers saved per day); the workspace.
    func program(_ industry: String, seed: Int, days: [String]) throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        for args in [["generate", "--partners", "300", "--seed", String(seed), "--industry", industry, "--out", "data"],
                     ["init", "--db", "db.sqlite"],
                     ["import", "--db", "db.sqlite", "data/partners.csv", "data/events.csv"]] {
            let result = try partnerscore(args, in: folder)
            #expect(result.status == 0, "\(args): \(result.stderr)")
        }
        for day in days {
            let result = try partnerscore(["evaluate", "--db", "db.sqlite", "--policies", Self.repository.appendingPathComponent("Policies/\(industry)").path,
                                           "--as-of", day, "--format", "csv", "--jobs", "2"], in: folder)
            #expect(result.status == 0, "\(result.stderr)")
            try folder.write("tiers-\(day).csv", result.stdout)
        }
        return folder
    }

    @Test("the payout of the telecom commission and the manufacturing rebate matches an independent computation to the cent, three periods running",
          arguments: [("telecom", ["2026-08-14", "2026-08-31", "2026-09-30", "2026-10-12", "2026-10-31"], ["2026-08-31", "2026-09-30", "2026-10-31"]),
                      ("manufacturing", ["2026-02-15", "2026-03-31", "2026-06-30", "2026-08-01", "2026-09-30"], ["2026-03-31", "2026-06-30", "2026-09-30"])])
    func independentCheck(industry: String, days: [String], periodEnds: [String]) throws {
        let folder = try program(industry, seed: industry == "telecom" ? 5 : 6, days: days)
        let payout = try partnerscore(["export", "--db", "db.sqlite", "incentives", "--payout", "--out", "payout.csv"], in: folder)
        #expect(payout.status == 0, "\(payout.stderr)")
        let (status, text) = try python([Self.repository.appendingPathComponent("Scripts/check-incentives.py").path, industry,
                                         folder.path("data"), folder.path("payout.csv")] + periodEnds.map { "\($0)=\(folder.path("tiers-\($0).csv"))" })
        #expect(status == 0, "\(text)")
        #expect(text.contains("over 3 periods") && text.contains(": 0 differences"), "\(text)")
        // The same ledger gives the same bytes.
        let again = try partnerscore(["export", "--db", "db.sqlite", "incentives", "--payout"], in: folder)
        #expect(again.stdout == (try String(contentsOfFile: folder.path("payout.csv"), encoding: .utf8)))
    }

    @Test("diff of telecom Premier 12% → 13% costs exactly 1% of Premier partners' revenue for the month")
    func diffMoney() throws {
        let folder = try program("telecom", seed: 7, days: ["2026-10-31"])
        let copy = folder.path("new/telecom")
        try FileManager.default.createDirectory(atPath: folder.path("new"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.repository.appendingPathComponent("Policies/telecom").path, toPath: copy)
        let policy = copy + "/agents.lua"
        let text = try String(contentsOfFile: policy, encoding: .utf8)
        #expect(text.contains("commission = 0.12"))
        try text.replacingOccurrences(of: "commission = 0.12", with: "commission = 0.13").write(toFile: policy, atomically: true, encoding: .utf8)
        let diff = try partnerscore(["diff", "--db", "db.sqlite", "--from", Self.repository.appendingPathComponent("Policies/telecom").path,
                                     "--to", copy, "--lib", Self.repository.appendingPathComponent("Policies/lib").path,
                                     "--as-of", "2026-10-31", "--format", "json"], in: folder)
        #expect(diff.status == 0, "\(diff.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as? [String: Any]
        let incentives = try #require(report?["incentives"] as? [String: Any])
        // Premier partners' October revenue, from the generated file and the tiers the run recorded.
        var premier: Set<String> = []
        for line in try String(contentsOfFile: folder.path("tiers-2026-10-31.csv"), encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count > 5 && fields[5] == "Premier" { premier.insert(String(fields[1])) }
        }
        #expect(premier.count > 5)
        var cents = 0   // revenue in cents: the generator writes two decimals at most
        for line in try String(contentsOfFile: folder.path("data/events.csv"), encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count > 3, f[2] == "revenue", f[1].hasPrefix("2026-10-"), premier.contains(String(f[0])) else { continue }
            let parts = f[3].split(separator: ".")
            cents += Int(parts[0])! * 100 + (parts.count > 1 ? Int(parts[1].padding(toLength: 2, withPad: "0", startingAt: 0))! : 0)
        }
        // 1% of it, exactly: cents / 100 / 100, four decimals.
        let onePercent = "\(cents / 10_000).\(String(format: "%04d", cents % 10_000))"
        func trimmed(_ s: String) -> String {
            var s = s
            if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
            return s
        }
        #expect(incentives["change_before_rounding"] as? String == trimmed(onePercent))
        let tiers = try #require(incentives["tiers"] as? [[String: String]])
        #expect(tiers.first { $0["tier"] == "Premier" }?["change_before_rounding"] == trimmed(onePercent))
        #expect(tiers.first { $0["tier"] == "Authorized" }?["change"] == "0.00")
        #expect((incentives["rules"] as? [[String: String]])?.map { $0["rule"] } == ["Monthly commission"])
        // Each partner's line is rounded once: the paid change is within half a cent per Premier partner of it.
        let paid = Double(try #require(incentives["change"] as? String))!
        #expect(abs(paid - Double(cents) / 10_000) <= 0.005 * Double(premier.count))
        #expect((incentives["earn_less"] as? [Any])?.isEmpty == true)
        let text2 = try partnerscore(["diff", "--db", "db.sqlite", "--from", Self.repository.appendingPathComponent("Policies/telecom").path,
                                      "--to", copy, "--lib", Self.repository.appendingPathComponent("Policies/lib").path, "--as-of", "2026-10-31"], in: folder)
        #expect(text2.stdout.contains("Incentives (USD) for the periods holding 2026-10-31"), "\(text2.stdout)")
        #expect(text2.stdout.contains("Partners who would earn less: 0"))
    }

    @Test("explain says what the partner earned this period and why, and what the next threshold pays; statements list the lines")
    func explainAndStatement() throws {
        let folder = try TemporaryFolder()
        try folder.write("partners.csv", """
            id,name,type,program,region,country,territories,products,enrolled,cam,tier,tier_since,status
            M1,Rhein Automation,distributor,manufacturing-distributors,EMEA,DE,DE,plc,2025-01-02,cam-1,,,

            """)
        try folder.write("events.csv", """
            partner_id,date,kind,amount,currency,product,territory,name,value,expires
            M1,2026-07-10,revenue,36000,USD,plc,,,,
            M1,2026-08-10,revenue,12000,USD,plc,,,,

            """)
        for args in [["init", "--db", "db.sqlite"], ["import", "--db", "db.sqlite", "partners.csv", "events.csv"],
                     ["evaluate", "--db", "db.sqlite", "--policies", Self.repository.appendingPathComponent("Policies/manufacturing").path,
                      "--as-of", "2026-07-31"],
                     ["evaluate", "--db", "db.sqlite", "--policies", Self.repository.appendingPathComponent("Policies/manufacturing").path,
                      "--as-of", "2026-08-31"]] {
            let result = try partnerscore(args, in: folder)
            #expect(result.status == 0, "\(args): \(result.stderr)")
        }
        let explain = try partnerscore(["explain", "--db", "db.sqlite", "--policies", Self.repository.appendingPathComponent("Policies/manufacturing").path,
                                        "--as-of", "2026-08-31", "M1"], in: folder)
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("Quarterly volume rebate (rebate, sum of the amount of revenue events quarter to date): 960.00"), "\(explain.stdout)")
        #expect(explain.stdout.contains("2026-Q3 (2026-07-01 to 2026-09-30): 2% (tier Authorized) of 48,000 = 960.00"))
        #expect(explain.stdout.contains("next: another 202,000 this quarter lifts the rebate from 2% to 3% on all 250,000: +2,500.00"))
        let statement = try partnerscore(["export", "--db", "db.sqlite", "incentives", "--period", "2026-Q3", "--format", "json"], in: folder)
        let list = try JSONSerialization.jsonObject(with: Data(statement.stdout.utf8)) as? [[String: Any]]
        #expect(list?.count == 1 && list?[0]["total"] as? String == "960.00" && (list?[0]["lines"] as? [Any])?.count == 2)
        let none = try partnerscore(["export", "--db", "db.sqlite", "incentives", "--period", "2026-Q2", "--payout"], in: folder)
        #expect(none.stdout.split(separator: "\n").count == 1)   // the header only
        let wrong = try partnerscore(["export", "--db", "db.sqlite", "partners", "--payout"], in: folder)
        #expect(wrong.status != 0 && wrong.stderr.contains("--payout is for export incentives"))
    }
}
