-- SaaS ISV program: technology partners tiered by how deeply their product
-- integrates with ours and how many customers use both, evaluated quarterly.
local ps = require "partnerscore"
local common = require "common"

return ps.policy {
  name = "SaaS ISV program",
  version = "2026.2",
  effective = "2026-04-01",
  programs = { "saas-isv" },
  cadence = "quarterly",
  remediation = "90 days",

  tiers = {
    ps.tier "Registered" { benefits = { marketplace_listing = true } },
    ps.tier "Integrated" {
      entry = { ps.attribute_at_least("integration_depth", 2) },
      benefits = { marketplace_listing = true, co_marketing = true, sandbox_credits = 5000 },
    },
    ps.tier "Strategic" {
      entry = {
        ps.attribute_at_least("integration_depth", 3),
        ps.attribute_at_least("joint_customers", 10),
      },
      maintain = {
        ps.attribute_at_least("integration_depth", 3),
        ps.attribute_at_least("joint_customers", 8),
      },
      benefits = { marketplace_listing = true, co_marketing = true, sandbox_credits = 25000, co_selling = true },
    },
  },

  -- A SPIFF: 500 per api-platform deal won from September 1 to December 31, 2026, paid monthly.
  incentives = {
    currency = "USD",
    ps.spiff "API platform SPIFF" {
      from = "2026-09-01", to = "2026-12-31", kind = "deal_won", products = { "api-platform" }, amount = 500,
    },
  },

  health = common.health(7500),
  milestones = ps.default_milestones,
  interventions = common.interventions,
}
