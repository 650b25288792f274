-- Financial data ISVs: technology partners tiered by integration depth and
-- revenue; a SOC 2 report is required to stay listed on the marketplace.
local ps = require "partnerscore"
local common = require "common"

return ps.policy {
  name = "Financial data ISV track",
  version = "2026.1",
  effective = "2026-01-01",
  programs = { "fs-data-isv" },
  cadence = "quarterly",
  remediation = "90 days",

  tiers = {
    ps.tier "Registered" { benefits = { sandbox_access = true } },
    ps.tier "Integrated" {
      entry = { ps.attribute_at_least("integration_depth", 2) },
      benefits = { sandbox_access = true, marketplace_listing = true },
    },
    ps.tier "Strategic" {
      entry = { ps.attribute_at_least("integration_depth", 3), ps.at_least("revenue_12m", 50000) },
      maintain = { ps.attribute_at_least("integration_depth", 3), ps.at_least("revenue_12m", 35000) },
      benefits = { sandbox_access = true, marketplace_listing = true, co_selling = true },
    },
  },

  gates = {
    ps.gate "SOC 2 report" {
      credential = "SOC2",
      warn = "90 days",
      suspends = { products = { "market-data" }, benefits = { "marketplace_listing", "co_selling" } },
    },
  },

  health = common.health(7500),
  milestones = ps.default_milestones,
  interventions = common.interventions,
}
