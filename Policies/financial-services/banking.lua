-- Banking technology resellers: tiers by revenue and implementation
-- certification; a SOC 2 report is required to sell core banking.
local ps = require "partnerscore"
local common = require "common"

return ps.policy {
  name = "Banking technology reseller track",
  version = "2026.1",
  effective = "2026-01-01",
  programs = { "fs-banking-tech" },
  cadence = "quarterly",
  remediation = "90 days",

  tiers = {
    ps.tier "Registered" { benefits = { margin = 0.08 } },
    ps.tier "Silver" {
      entry = { ps.at_least("revenue_12m", 60000), ps.certified("Core Banking Implementation") },
      maintain = { ps.at_least("revenue_12m", 45000) },
      benefits = { margin = 0.14, mdf = 6000 },
    },
    ps.tier "Gold" {
      entry = {
        ps.at_least("revenue_12m", 200000),
        ps.certified("Core Banking Implementation"),
        ps.at_least("deals_won_12m", 2),
      },
      maintain = { ps.at_least("revenue_12m", 150000) },
      benefits = { margin = 0.20, mdf = 20000, joint_account_planning = true },
    },
  },

  gates = {
    ps.gate "SOC 2 report" {
      credential = "SOC2",
      warn = "90 days",
      applies_to = { "core-banking" },
      suspends = { products = { "core-banking" }, benefits = { "mdf" } },
    },
  },

  health = common.health(32000),
  milestones = ps.default_milestones,
  interventions = common.interventions,
}
