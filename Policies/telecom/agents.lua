-- Telecom agent program: two tiers recalculated every month.
-- Premier agents sell steadily month after month, keep closing deals and
-- cover several territories.
local ps = require "partnerscore"
local common = require "common"

return ps.policy {
  name = "Telecom agent program",
  version = "2026.1",
  effective = "2026-01-01",
  programs = { "telecom-agents" },
  cadence = "monthly",
  remediation = "60 days",

  -- What this program measures beyond the host's catalogue (D = the as-of day).
  measures = {
    -- Revenue of the core lines, (D − 3 months, D].
    ps.measure "revenue_voice_mobile_3m" {
      kind = "revenue", products = { "voice", "mobile" }, window = "3 months", aggregate = "sum",
    },
    -- Deals won, (D − 6 months, D].
    ps.measure "deals_won_6m" { kind = "deal_won", window = "6 months", aggregate = "count" },
    -- Distinct product lines with revenue, (D − 12 months, D].
    ps.measure "products_sold_12m" { kind = "revenue", window = "12 months", aggregate = "distinct_products" },
    -- How many of the 4 calendar months ending with D's month (that one up to D) had revenue ≥ 5,000.
    ps.periods "months_5k_of_last_4" {
      kind = "revenue", aggregate = "sum", every = "month", last = 4, at_least = 5000,
    },
  },

  tiers = {
    ps.tier "Authorized" {
      benefits = { commission = 0.08, support_sla = "48h", lead_priority = "standard" },
    },
    ps.tier "Premier" {
      entry = {
        ps.at_least("months_5k_of_last_4", 3),         -- 5,000 a month in 3 of the last 4 months
        ps.at_least("revenue_voice_mobile_3m", 15000), -- of it, 15,000 in the core lines this quarter
        ps.territories_at_least(2),            -- geographic coverage
      },
      maintain = {
        ps.at_least("revenue_3m", 12000),        -- keeps averaging 4,000 a month
        ps.at_least("deals_won_6m", 1),          -- closes a deal at least every six months
        ps.territories_at_least(2),
      },
      benefits = { commission = 0.12, mdf = 2500, support_sla = "4h", lead_priority = "high" },
    },
  },

  -- What agents earn: each month, the tier's commission rate (Authorized 8%,
  -- Premier 12%) on the month's revenue, all products. The tier that counts
  -- is the one held after the month's last evaluation.
  incentives = {
    currency = "USD",
    ps.commission "Monthly commission" {
      every = "month",
      basis = { kind = "revenue" },
      rate = "commission",
    },
  },

  health = common.health(20000),
  milestones = ps.default_milestones,
  interventions = common.interventions,
}
