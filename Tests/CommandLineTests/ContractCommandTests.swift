import Foundation
import TestSupport
import Testing

/// The contract through the real binary: money as exact decimals, stored
/// tiers a policy lacks, milestone deadlines for existing partners, and one
/// JSON naming convention.
@Suite("Money, stored tiers, milestone starts and JSON keys through the command line")
struct ContractCommandTests {
    static let repositoryPolicies = EngineCommandTests.repositoryPolicies

    /// The telecom set and the shared lib, copied into `w` under `P/` (with `edit` applied to agents.lua).
    func copyTelecom(into w: TemporaryFolder, edit: (String) -> String = { $0 }) throws {
        let agents = try String(contentsOfFile: Self.repositoryPolicies + "/telecom/agents.lua", encoding: .utf8)
        try w.write("P/telecom/agents.lua", edit(agents))
        try w.write("P/lib/common.lua", try String(contentsOfFile: Self.repositoryPolicies + "/lib/common.lua", encoding: .utf8))
    }

    func run(_ args: [String], in w: TemporaryFolder) throws -> CommandResult {
        let r = try partnerscore(args, in: w)
        #expect(r.status == 0, "\(args): \(r.stderr)")
        return r
    }

    @Test("money sums print as exact decimals in exports, evaluations and metrics (0.1 + 0.2 is 0.3)")
    func exactMoney() throws {
        let w = try TemporaryFolder()
        try w.write("partners.csv", """
            id,name,type,program,region,country,territories,products,enrolled,cam
            P1,Acme,agent,telecom-agents,NA,US,US-CA;US-TX,voice,2024-01-15,cam-1

            """)
        try w.write("events.csv", """
            partner_id,date,kind,amount,currency,product,territory,name,value,expires
            P1,2024-06-10,revenue,0.1,USD,voice,,,,
            P1,2024-06-20,revenue,0.2,USD,voice,,,,
            P1,2024-06-21,revenue,4273.14,USD,voice,,,,

            """)
        _ = try run(["init", "--db", "p.sqlite"], in: w)
        _ = try run(["import", "--db", "p.sqlite", "partners.csv", "events.csv"], in: w)
        let csv = try run(["export", "--db", "p.sqlite", "snapshots", "--as-of", "2024-06-30"], in: w)
        #expect(csv.stdout.contains("P1,telecom-agents,,2024-06-30,4273.44,4273.44,4273.44,0,,4273.44,"), "\(csv.stdout)")
        let json = try run(["export", "--db", "p.sqlite", "snapshots", "--as-of", "2024-06-20", "--format", "json"], in: w)
        #expect(json.stdout.contains("\"revenue_12m\":0.3,"), "\(json.stdout)")
        let evaluation = try run(["evaluate", "--db", "p.sqlite", "--policies", Self.repositoryPolicies + "/telecom",
                                  "--as-of", "2024-06-30", "--format", "json"], in: w)
        #expect(evaluation.stdout.contains("\"observed_value\":4273.44,"), "\(evaluation.stdout)")
        let metrics = try run(["metrics", "--db", "p.sqlite", "--format", "csv"], in: w)
        #expect(metrics.stdout.contains("all,,revenue_12m,4273.44\n"), "\(metrics.stdout)")
        for output in [csv.stdout, json.stdout, evaluation.stdout, metrics.stdout] {
            #expect(!output.contains("00000000"), "\(output)")
        }
    }

    @Test("a stored tier the policy does not have stops evaluate, naming partner, tier, the policy's tiers and the fix")
    func unknownStoredTier() throws {
        let w = try TemporaryFolder()
        try w.write("partners.csv", """
            id,name,type,program,region,country,territories,products,enrolled,cam,tier,tier_since,status
            P1,Acme,agent,telecom-agents,NA,US,US-CA,voice,2024-01-15,cam-1,Authorized,2024-01-15,active
            P2,Bolt,agent,telecom-agents,NA,US,US-NY,mobile,2024-01-15,cam-2,Silver,2024-01-15,active

            """)
        _ = try run(["init", "--db", "p.sqlite"], in: w)
        _ = try run(["import", "--db", "p.sqlite", "partners.csv"], in: w)
        let r = try partnerscore(["evaluate", "--db", "p.sqlite", "--policies", Self.repositoryPolicies + "/telecom",
                                  "--as-of", "2024-06-30"], in: w)
        #expect(r.status == 1)
        #expect(r.stderr.contains("partner P2 holds tier 'Silver'"), "\(r.stderr)")
        #expect(r.stderr.contains("its tiers: Authorized, Premier"))
        #expect(r.stderr.contains("correct its tier column and import it again"))
        // Nothing was recorded: once corrected, the run goes through.
        try w.write("fixed.csv", """
            id,name,type,program,region,country,territories,products,enrolled,cam,tier
            P2,Bolt,agent,telecom-agents,NA,US,US-NY,mobile,2024-01-15,cam-2,Authorized

            """)
        _ = try run(["import", "--db", "p.sqlite", "fixed.csv"], in: w)
        _ = try run(["evaluate", "--db", "p.sqlite", "--policies", Self.repositoryPolicies + "/telecom", "--as-of", "2024-06-30"], in: w)

        // A policy that renames the tier: an error until it says what the tier was called.
        try copyTelecom(into: w) { $0.replacingOccurrences(of: "ps.tier \"Authorized\" {", with: "ps.tier \"Registered\" {") }
        let renamed = try partnerscore(["evaluate", "--db", "p.sqlite", "--policies", "P/telecom", "--as-of", "2024-07-31"], in: w)
        #expect(renamed.status == 1 && renamed.stderr.contains("holds tier 'Authorized'"), "\(renamed.stderr)")
        try copyTelecom(into: w) {
            $0.replacingOccurrences(of: "ps.tier \"Authorized\" {", with: "ps.tier \"Registered\" { formerly = { \"Authorized\" },")
        }
        let mapped = try run(["evaluate", "--db", "p.sqlite", "--policies", "P/telecom", "--as-of", "2024-07-31", "--format", "csv"], in: w)
        #expect(mapped.stdout.contains("telecom,P1,telecom-agents,2024-07-31,Authorized,Registered,"), "\(mapped.stdout)")
    }

    /// milestone_overdue alerts of a dry run as of 2026-10-31 over a generated telecom program.
    func overdueOnboarding(_ w: TemporaryFolder, policies: String) throws -> [String] {
        let r = try run(["evaluate", "--db", "db.sqlite", "--policies", policies, "--as-of", "2026-10-31", "--dry-run", "--format", "json"], in: w)
        let document = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let partners = ((document?["runs"] as? [[String: Any]])?.first?["partners"] as? [[String: Any]]) ?? []
        return partners.flatMap { ($0["alerts"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String } }
            .filter { $0.hasPrefix("milestone_overdue:") }
    }

    @Test("milestones = { from = \"effective_or_enrolment\" }: moving an existing program in raises no backlog of overdue onboarding")
    func existingProgram() throws {
        let w = try TemporaryFolder()
        _ = try run(["generate", "--partners", "300", "--seed", "5", "--industry", "telecom", "--out", "data"], in: w)
        _ = try run(["init", "--db", "db.sqlite"], in: w)
        _ = try run(["import", "--db", "db.sqlite", "data/partners.csv", "data/events.csv"], in: w)
        try copyTelecom(into: w) {
            $0.replacingOccurrences(of: "effective = \"2026-01-01\"", with: "effective = \"2026-10-15\"")
                .replacingOccurrences(of: "milestones = ps.default_milestones,", with: "milestones = { from = \"effective_or_enrolment\" },")
        }
        let before = try overdueOnboarding(w, policies: Self.repositoryPolicies + "/telecom")
        let after = try overdueOnboarding(w, policies: "P/telecom")
        #expect(before.count > 30, "the generated program has a backlog: \(before.count)")
        // Two weeks after the effective date only the 3- and 7-day milestones can be overdue.
        #expect(after.allSatisfy { $0 == "milestone_overdue:first_login" || $0 == "milestone_overdue:first_training" }, "\(after)")
        #expect(after.count * 3 < before.count, "\(after.count) of \(before.count)")
    }

    @Test("every JSON the command line writes uses snake_case keys")
    func snakeCaseKeys() throws {
        let w = try TemporaryFolder()
        _ = try run(["generate", "--partners", "60", "--seed", "3", "--industry", "telecom", "--out", "data"], in: w)
        _ = try run(["init", "--db", "db.sqlite"], in: w)
        _ = try run(["import", "--db", "db.sqlite", "data/partners.csv", "data/events.csv"], in: w)
        try copyTelecom(into: w) { $0.replacingOccurrences(of: "ps.at_least(\"revenue_1m\", 5000)", with: "ps.at_least(\"revenue_1m\", 6000)") }
        let telecom = Self.repositoryPolicies + "/telecom"
        let outputs: [(String, [String])] = [
            ("evaluate", ["evaluate", "--db", "db.sqlite", "--policies", telecom, "--as-of", "2026-09-30", "--format", "json"]),
            ("explain", ["explain", "--db", "db.sqlite", "--policies", telecom, "--as-of", "2026-10-31", "P0000002", "--json"]),
            ("metrics", ["metrics", "--db", "db.sqlite", "--format", "json"]),
            ("test", ["test", telecom, "--format", "json", "--coverage"]),
            ("diff", ["diff", "--db", "db.sqlite", "--from", telecom, "--to", "P/telecom", "--as-of", "2026-10-31", "--format", "json"]),
            ("check", ["check", telecom, "--json"]),
            ("policy show", ["policy", "show", Self.repositoryPolicies + "/cybersecurity"]),
        ]
        // Maps keyed by data: tiers, bands, benefits, alert kinds and steps, a diff's tier migration.
        let dataMaps: Set<String> = ["benefits", "tier_events", "tier_distribution", "health_bands", "alerts_by_step", "alerts_by_kind",
                                     "migration", "health_band_shifts"]
        for (verb, args) in outputs {
            let r = try run(args, in: w)
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
            let bad = camelCaseKeys(json, dataMaps: dataMaps)
            #expect(bad.isEmpty, "\(verb): \(bad.prefix(5))")
        }
    }
}

/// Keys (with their path) that are not snake_case, skipping the objects named in `dataMaps`.
func camelCaseKeys(_ value: Any, path: String = "", dataMaps: Set<String>) -> [String] {
    switch value {
    case let object as [String: Any]:
        return object.flatMap { key, item -> [String] in
            let here = path.isEmpty ? key : "\(path).\(key)"
            let bad = key.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) == nil ? [here] : []
            return bad + (dataMaps.contains(key) ? [] : camelCaseKeys(item, path: here, dataMaps: dataMaps))
        }
    case let array as [Any]:
        return array.enumerated().flatMap { camelCaseKeys($0.element, path: "\(path)[\($0.offset)]", dataMaps: dataMaps) }
    default:
        return []
    }
}
