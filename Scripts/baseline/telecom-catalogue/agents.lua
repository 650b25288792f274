-- Telecom agent program: two tiers recalculated every month.
-- Premier agents sell enough each month and cover several territories.
local ps = require "partnerscore"
local common = require "common"

return ps.policy {
  name = "Telecom agent program",
  version = "2026.1",
  effective = "2026-01-01",
  programs = { "telecom-agents" },
  cadence = "monthly",
  remediation = "60 days",

  tiers = {
    ps.tier "Authorized" {
      benefits = { commission = 0.08, support_sla = "48h", lead_priority = "standard" },
    },
    ps.tier "Premier" {
      entry = {
        ps.at_least("revenue_1m", 5000),       -- minimum monthly revenue
        ps.territories_at_least(2),            -- geographic coverage
      },
      maintain = {
        ps.at_least("revenue_3m", 12000),      -- keeps averaging 4,000 a month
        ps.territories_at_least(2),
      },
      benefits = { commission = 0.12, mdf = 2500, support_sla = "4h", lead_priority = "high" },
    },
  },

  health = common.health(20000),
  milestones = ps.default_milestones,
  interventions = common.interventions,
}
