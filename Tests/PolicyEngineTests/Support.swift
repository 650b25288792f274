import Foundation
import PartnerModel
@testable import PolicyEngine

func day(_ text: String) -> Day { try! Day(parsing: text) }

/// A policy set folder written for one test.
final class PolicyFolder {
    let root: URL
    let set: URL
    init(name: String = "testset", files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ps-policy-\(UUID().uuidString)")
        set = root.appendingPathComponent("Policies/\(name)")
        try FileManager.default.createDirectory(at: set, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Policies/lib"), withIntermediateDirectories: true)
        for (path, text) in files {
            let url = root.appendingPathComponent("Policies").appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }
    func load() throws -> PolicySet { try PolicySet(directory: set, displayPath: "Policies/\(set.lastPathComponent)") }
    deinit { try? FileManager.default.removeItem(at: root) }
}

func partner(_ id: String = "P-1", program: String = "agents", enrolled: String = "2025-01-01",
             territories: [String] = ["US-CA"], products: [String] = ["voice"], tier: String? = nil) -> Partner {
    Partner(id: id, name: "Partner \(id)", type: .agent, program: program, region: "NA", country: "US",
            territories: territories, products: products, enrolled: day(enrolled), channelAccountManager: "cam@vendor",
            tier: tier)
}

func snapshot(_ partner: Partner, asOf: String, metrics: [Metric: Double] = [:], credentials: [Credential] = [],
              certifications: [Credential] = [], milestones: MilestoneDates = MilestoneDates(),
              attributes: [String: AttributeValue] = [:]) -> PartnerSnapshot {
    var s = PartnerSnapshot(partner: partner, asOf: day(asOf), certifications: certifications, credentials: credentials,
                            milestones: milestones, attributes: attributes)
    for (metric, value) in metrics { s[metric] = value }
    return s
}

/// A small two-tier agent program used by the state-machine tests.
let agentPolicy = """
    local ps = require "partnerscore"
    return ps.policy {
      name = "Agents", version = "1.0", effective = "2025-01-01",
      programs = { "agents" }, cadence = "monthly", remediation = "60 days",
      tiers = {
        ps.tier "Authorized" { benefits = { commission = 0.08 } },
        ps.tier "Premier" {
          entry = { ps.at_least("revenue_1m", 10000), ps.territories_at_least(3) },
          maintain = { ps.at_least("revenue_3m", 24000) },
          benefits = { commission = 0.12, mdf = 2500 },
        },
      },
      health = {
        components = {
          ps.component "revenue" { weight = 3, metric = "revenue_3m", target = 30000 },
          ps.component "engagement" { weight = 1, metric = "logins_30d", target = 10 },
        },
        bands = { green = 70, yellow = 40, red = 0 },
      },
      milestones = ps.default_milestones,
      gates = {
        ps.gate "Agent agreement" { credential = "agreement", warn = "30 days", suspends = { products = { "voice" }, benefits = { "mdf" } } },
      },
      interventions = ps.default_interventions,
    }
    """
