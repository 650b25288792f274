import Foundation
import TestSupport
import Testing

/// `partnerscore demo` is how a new user judges the product: on its generated
/// program the bundled sets must look like a real program's. Measured with
/// the real CLI on the demo's own data, as the README's figures are.
@Suite("The demo looks like a real program")
struct DemoCommandTests {
    static let policies = EngineCommandTests.repositoryPolicies

    @Test("a minority red, executive reviews rare, every tier of every bundled set reached by some partner")
    func realistic() throws {
        let w = try TemporaryFolder()
        let demo = try partnerscore(["demo", "--keep-db", "demo.sqlite", "--report", "report.html", "--policies", Self.policies], in: w)
        #expect(demo.status == 0, "\(demo.stderr)")

        let metrics = try partnerscore(["metrics", "--db", "demo.sqlite", "--format", "json"], in: w)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(metrics.stdout.utf8)) as? [String: Any])
        let all = try #require((document["segments"] as? [[String: Any]])?.first?["evaluations"] as? [String: Any])
        var bands: [String: Int] = [:]
        for band in all["health_bands"] as? [[String: Any]] ?? [] { bands[band["name"] as! String] = band["count"] as? Int }
        let evaluated = bands.values.reduce(0, +)
        #expect(evaluated == 3000)
        let red = Double(bands["red"] ?? 0) / Double(evaluated)
        #expect(red < 0.45, "red: \(red) of \(evaluated)")
        #expect(red > 0.25, "dormant partners (30–60% inactive) are red: \(red)")

        // Every partner's chosen intervention, and the tier it qualifies for, by set.
        let csv = try partnerscore(["evaluate", "--db", "demo.sqlite", "--policies", Self.policies, "--as-of", "2026-10-31",
                                    "--dry-run", "--format", "csv"], in: w)
        #expect(csv.status == 0, "\(csv.stderr)")
        let rows = csv.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(rows.first)
        let set = try #require(header.firstIndex(of: "policy_set")), qualifies = try #require(header.firstIndex(of: "qualifies_for"))
        let intervention = try #require(header.firstIndex(of: "intervention"))
        let partners = rows.dropFirst().filter { $0.count == header.count }
        #expect(partners.count == 3000)
        let reviews = partners.filter { $0[intervention] == "Executive business review" }.count
        #expect(reviews > 0 && Double(reviews) / Double(partners.count) < 0.03, "executive business reviews: \(reviews)")
        let reached = Set(partners.map { "\($0[set])/\($0[qualifies])" })
        for name in ["cybersecurity", "financial-services", "healthcare", "manufacturing", "saas", "telecom"] {
            let show = try partnerscore(["policy", "show", Self.policies + "/" + name], in: w)
            let resolved = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
            for policy in resolved["policies"] as? [[String: Any]] ?? [] {
                for tier in policy["tiers"] as? [[String: Any]] ?? [] {
                    let tierName = tier["name"] as! String
                    #expect(reached.contains("\(name)/\(tierName)"), "no generated partner qualifies for \(name) \(tierName)")
                }
            }
        }
    }
}
