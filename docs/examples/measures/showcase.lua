-- Every kind of measure a policy can declare, one example each: every
-- aggregation and every window, periods meeting a condition and derived
-- measures (docs/policies.md, "Measures"). fixtures/ pins their values,
-- edges included: partnerscore test docs/examples/measures
local ps = require "partnerscore"

return ps.policy {
  name = "Measures showcase",
  version = "1",
  effective = "2025-01-01",
  programs = { "showcase" },
  cadence = "monthly",
  remediation = "30 days",

  measures = {
    -- One per aggregation.
    ps.measure "revenue_k8s_12m" {
      kind = "revenue", products = { "managed-kubernetes" }, window = "12 months", aggregate = "sum",
    },
    ps.measure "deals_won_6m" { kind = "deal_won", window = "6 months", aggregate = "count" },
    ps.measure "products_sold_12m" { kind = "revenue", window = "12 months", aggregate = "distinct_products" },
    ps.measure "won_territories_ytd" { kind = "deal_won", window = "year_to_date", aggregate = "distinct_territories" },
    ps.measure "modules_since_enrolment" {
      kind = "training", window = "since_enrolment", aggregate = "distinct_names",
    },
    ps.measure "smallest_deal_90d" { kind = "deal_won", window = "90 days", aggregate = "min" },
    ps.measure "largest_deal_promo" {
      kind = "deal_won", window = { from = "2026-04-01", to = "2026-06-30" }, aggregate = "max",
    },
    ps.measure "first_certified" { kind = "certification", aggregate = "first_date" },
    ps.measure "last_listing" { kind = "marketplace_listing", aggregate = "last_date" },
    ps.measure "days_since_last_deal" { kind = "deal_won", aggregate = "days_since_last" },
    ps.measure "csat" {
      kind = "csat_survey", aggregate = "latest_value", meaning = "the partner's latest CSAT survey score",
    },

    -- The other windows.
    ps.measure "revenue_last_month" { kind = "revenue", window = "1 month", aggregate = "sum" },
    ps.measure "logins_2w" { kind = "login", window = "2 weeks", aggregate = "count" },
    ps.measure "revenue_mtd" { kind = "revenue", window = "month_to_date", aggregate = "sum" },
    ps.measure "lines_activated_qtd" { kind = "lines_activated", window = "quarter_to_date", aggregate = "sum" },
    ps.measure "revenue_htd" { kind = "revenue", window = "half_to_date", aggregate = "sum" },
    ps.measure "revenue_fytd" {
      kind = "revenue", window = "year_to_date", fiscal_year_start = "April", aggregate = "sum",
    },
    ps.measure "revenue_fytd_last_year" {
      kind = "revenue", window = "year_to_date", fiscal_year_start = 4, ago = "12 months", aggregate = "sum",
    },
    ps.measure "revenue_2y" { kind = "revenue", window = "2 years", aggregate = "sum" },
    ps.measure "registrations_outside_90d" {
      kind = "deal_registered", unauthorized = "either", window = "90 days", aggregate = "count",
    },
    ps.measure "registrations_inside_90d" {
      kind = "deal_registered", authorized = "both", window = "90 days", aggregate = "count",
    },

    -- Periods meeting a condition.
    ps.periods "months_5k_of_last_4" {
      kind = "revenue", aggregate = "sum", every = "month", last = 4, at_least = 5000,
    },
    ps.periods "fiscal_quarters_with_deals" {
      kind = "deal_won", aggregate = "count", every = "quarter", last = 4, fiscal_year_start = "April", at_least = 1,
    },

    -- Derived.
    ps.ratio "k8s_share_12m" { "revenue_k8s_12m", "revenue_12m" },
    ps.difference "net_new_fytd" { "revenue_fytd", "revenue_fytd_last_year" },
    ps.growth "fytd_growth" { "revenue_fytd", "revenue_fytd_last_year" },
  },

  tiers = {
    ps.tier "Member" {},
    ps.tier "Advanced" {
      entry = { ps.at_least("months_5k_of_last_4", 3), ps.at_most("days_since_last_deal", 60) },
      maintain = { ps.at_least("fiscal_quarters_with_deals", 2) },
    },
  },

  health = {
    components = {
      ps.component "breadth" { weight = 1, metric = "products_sold_12m", target = 2 },
      ps.component "satisfaction" { weight = 1, score = function(p)
        if type(p.csat) ~= "number" then return 0, "no score" end
        return p.csat / 5, p.csat .. " of 5"
      end },
    },
    bands = { green = 70, yellow = 40, red = 0 },
  },

  flags = {
    ps.flag "Low CSAT" { when = ps.below("csat", 3.5) },
  },

  interventions = ps.default_interventions,
}
