-- Manufacturing distribution program: distributors hold exclusive
-- territories. A deal registration outside a distributor's territory or
-- product lines is flagged for the channel manager to review before the
-- registration is approved, and Preferred distributors must respect
-- exclusivity over the year.
local ps = require "partnerscore"
local common = require "common"
local menu = require "helpers.menu"

return ps.policy {
  name = "Manufacturing distribution program",
  version = "2026.1",
  effective = "2026-01-01",
  programs = { "manufacturing-distributors" },
  cadence = "semiannual",
  remediation = "6 months",

  tiers = {
    ps.tier "Authorized" { benefits = { rebate = 0.02, demo_units = 1 } },
    ps.tier "Preferred" {
      entry = {
        ps.at_least("revenue_12m", 150000),
        ps.certified("Automation Specialist"),
        ps.at_most("deals_outside_territory_12m", 1),   -- respects exclusivity
      },
      maintain = { ps.at_least("revenue_12m", 110000), ps.at_most("deals_outside_territory_12m", 2) },
      benefits = { rebate = 0.05, demo_units = 4, mdf = 20000, forecast_priority = true },
    },
  },

  flags = {
    ps.flag "Deal registration outside territory" {
      when = ps.above("deals_outside_territory_30d", 0),
    },
  },

  -- A quarterly volume rebate: the tier's rate (Authorized 2%, Preferred 5%)
  -- on the quarter's revenue; once the quarter's revenue reaches 250,000 the
  -- rate rises by one point on the whole quarter, back to the first unit.
  incentives = {
    currency = "USD",
    ps.rebate "Quarterly volume rebate" {
      every = "quarter",
      basis = { kind = "revenue" },
      rate = "rebate",
      accelerators = { { at = 250000, add = 0.01 } },
    },
  },

  health = common.health(60000),
  milestones = ps.default_milestones,
  interventions = menu.with_registration_review(common.interventions),
}
