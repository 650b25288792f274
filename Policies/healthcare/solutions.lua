-- Healthcare solutions program: revenue and certification tiers, evaluated
-- quarterly, and a HIPAA compliance gate separate from the tiers: without a
-- valid HIPAA attestation a partner may not sell the regulated products.
local ps = require "partnerscore"
local common = require "common"

local regulated = { "ehr-cloud", "patient-portal" }

return ps.policy {
  name = "Healthcare solutions program",
  version = "2026.1",
  effective = "2026-01-01",
  programs = { "healthcare-solutions" },
  cadence = "quarterly",
  remediation = "90 days",

  tiers = {
    ps.tier "Registered" {
      benefits = { discount = 0.10, support_sla = "48h" },
    },
    ps.tier "Silver" {
      entry = {
        ps.at_least("revenue_12m", 40000),
        ps.certified("Clinical Integration Specialist"),
      },
      maintain = { ps.at_least("revenue_12m", 30000) },
      benefits = { discount = 0.18, mdf = 5000, support_sla = "24h" },
    },
    ps.tier "Gold" {
      entry = {
        ps.at_least("revenue_12m", 120000),
        ps.certified("Clinical Integration Specialist"),
        ps.at_least("deals_won_12m", 3),
      },
      maintain = { ps.at_least("revenue_12m", 90000) },
      benefits = { discount = 0.25, mdf = 15000, support_sla = "8h", co_selling = true },
    },
  },

  gates = {
    ps.gate "HIPAA attestation" {
      credential = "HIPAA",
      warn = "60 days",
      applies_to = regulated,               -- only partners authorized for regulated products
      suspends = { products = regulated, benefits = { "mdf", "co_selling" } },
    },
  },

  -- MDF: 3% of the quarter's revenue, up to the tier's mdf for the quarter
  -- (Silver 5,000, Gold 15,000; Registered has none). Quarterly, as tiers
  -- are reviewed quarterly: a tier's allotment is per quarter. While the
  -- HIPAA gate is lapsed it suspends the mdf benefit, and revenue booked
  -- meanwhile accrues no MDF.
  incentives = {
    currency = "USD",
    ps.mdf "MDF accrual" { every = "quarter", basis = { kind = "revenue" }, rate = 0.03, cap = "mdf" },
  },

  health = common.health(25000),
  milestones = ps.default_milestones,
  interventions = common.interventions,
}
