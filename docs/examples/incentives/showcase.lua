-- Every kind of incentive rule, one each: a commission, a rebate with an
-- accelerator, a growth rebate, MDF capped per tier and a SPIFF
-- (docs/policies.md, "Incentives"). Tiers are evaluated at every run
-- (rolling), so a tier can change mid-period. fixtures/ pins what each rule
-- pays, edges included: partnerscore test docs/examples/incentives
local ps = require "partnerscore"

return ps.policy {
  name = "Incentives showcase",
  version = "1",
  effective = "2025-01-01",
  programs = { "showcase" },
  cadence = "rolling",

  tiers = {
    ps.tier "Registered" { benefits = { commission = 0.05, rebate = 0.01 } },
    ps.tier "Gold" {
      entry = { ps.at_least("revenue_1m", 20000) },
      benefits = { commission = 0.10, rebate = 0.02, mdf = 1200 },
    },
  },

  -- A lapsed reseller agreement suspends MDF: while it is lapsed, nothing accrues.
  gates = {
    ps.gate "Reseller agreement" { credential = "reseller_agreement", suspends = { benefits = { "mdf" } } },
  },

  incentives = {
    currency = "USD",
    -- The tier's commission rate on the month's revenue.
    ps.commission "Monthly commission" { every = "month", basis = { kind = "revenue" }, rate = "commission" },
    -- The tier's rebate on the quarter's revenue; 50,000 in the quarter adds a point on all of it.
    ps.rebate "Quarterly rebate" {
      every = "quarter", basis = { kind = "revenue" }, rate = "rebate",
      accelerators = { { at = 50000, add = 0.01 } },
    },
    -- 3% of the growth of the quarter to date over the same days last year.
    ps.growth_rebate "Growth rebate" { every = "quarter", basis = { kind = "revenue" }, rate = 0.03 },
    -- 3% of the quarter's revenue as MDF, up to the tier's mdf (Registered has none: no MDF).
    ps.mdf "Co-marketing MDF" { every = "quarter", basis = { kind = "revenue" }, rate = 0.03, cap = "mdf" },
    -- 250 per cloud deal won from February 1 to March 15, paid monthly.
    ps.spiff "Cloud SPIFF" {
      from = "2026-02-01", to = "2026-03-15", kind = "deal_won", products = { "cloud" }, amount = 250,
    },
  },
}
