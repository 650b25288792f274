-- SaaS reseller program: tiers by annual recurring revenue (trailing 12
-- months of bookings), evaluated quarterly.
local ps = require "partnerscore"
local common = require "common"

return ps.policy {
  name = "SaaS reseller program",
  version = "2026.2",
  effective = "2026-04-01",
  programs = { "saas-resellers" },
  cadence = "quarterly",
  remediation = "90 days",

  tiers = {
    ps.tier "Registered" { benefits = { margin = 0.10 } },
    ps.tier "Silver" {
      entry = { ps.at_least("revenue_12m", 30000) },
      maintain = { ps.at_least("revenue_12m", 24000) },
      benefits = { margin = 0.15, mdf = 2000 },
    },
    ps.tier "Gold" {
      entry = { ps.at_least("revenue_12m", 90000), ps.at_least("certifications_active", 1) },
      maintain = { ps.at_least("revenue_12m", 70000) },
      benefits = { margin = 0.20, mdf = 8000, lead_priority = "high" },
    },
    ps.tier "Platinum" {
      entry = {
        ps.at_least("revenue_12m", 250000),
        ps.at_least("certifications_active", 2),
        ps.at_least("win_rate_12m", 0.3),
      },
      maintain = { ps.at_least("revenue_12m", 200000) },
      benefits = { margin = 0.25, mdf = 25000, lead_priority = "first", partner_advisory_board = true },
    },
  },

  -- A SPIFF: 500 per api-platform deal won from September 1 to December 31, 2026, paid monthly.
  incentives = {
    currency = "USD",
    ps.spiff "API platform SPIFF" {
      from = "2026-09-01", to = "2026-12-31", kind = "deal_won", products = { "api-platform" }, amount = 500,
    },
  },

  health = common.health(30000),
  milestones = ps.default_milestones,
  interventions = common.interventions,
}
