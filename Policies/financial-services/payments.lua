-- Payment processing agents: monthly tiers by processing revenue; PCI DSS
-- compliance is required to board merchants at all.
local ps = require "partnerscore"
local common = require "common"

return ps.policy {
  name = "Payment processing agent track",
  version = "2026.1",
  effective = "2026-01-01",
  programs = { "fs-payments-agents" },
  cadence = "monthly",
  remediation = "60 days",

  tiers = {
    ps.tier "Authorized" { benefits = { residual_share = 0.30 } },
    ps.tier "Premier" {
      entry = { ps.at_least("revenue_1m", 4000), ps.certified("Payments Specialist") },
      maintain = { ps.at_least("revenue_3m", 9000) },
      benefits = { residual_share = 0.45, residual_bonus = 500 },
    },
  },

  gates = {
    ps.gate "PCI DSS compliance" {
      credential = "PCI-DSS",
      warn = "60 days",
      suspends = { products = { "payments" }, benefits = { "residual_bonus" } },
    },
  },

  health = common.health(25000),
  milestones = ps.default_milestones,
  interventions = common.interventions,
}
