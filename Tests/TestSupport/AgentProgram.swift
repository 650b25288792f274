import Foundation
import PartnerModel

/// A snapshot of `partner` on `asOf` with the given metrics and evidence.
public func snapshot(_ partner: Partner, asOf: String, metrics: [Metric: Double] = [:], credentials: [Credential] = [],
                     certifications: [Credential] = [], milestones: MilestoneDates = MilestoneDates(),
                     attributes: [String: AttributeValue] = [:]) -> PartnerSnapshot {
    var s = PartnerSnapshot(partner: partner, asOf: day(asOf), certifications: certifications, credentials: credentials,
                            milestones: milestones, attributes: attributes)
    for (metric, value) in metrics { s[metric] = value }
    return s
}

/// A small two-tier agent program (Authorized, Premier) with health, the default milestones and
/// interventions and an agreement gate, used by the state-machine and decision-detail tests.
public let agentPolicy = """
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
