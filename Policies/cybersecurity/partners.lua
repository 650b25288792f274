-- Cybersecurity partner program: certification-gated tiers. No partner
-- advances past Registered without the named technical certifications.
-- The cadence is rolling: eligibility is re-evaluated at every run, so a
-- partner moves up as soon as it earns a certification and meets the bar.
local ps = require "partnerscore"
local common = require "common"

-- The bundled programs' escalation, then a route: a lapsed ISO 27001
-- certificate goes to the compliance team at once and stays with it (the
-- other steps no longer answer that alert).
local menu = {}
for _, step in ipairs(common.interventions) do menu[#menu + 1] = step end
menu[#menu + 1] = ps.step {
  after = "0 days", gates = { "ISO27001" }, kinds = { "gate_lapsed" }, owner = "compliance",
  action = "Compliance review: stop new managed SOC contracts until the ISO 27001 certificate is renewed",
}

return ps.policy {
  name = "Cybersecurity partner program",
  version = "2026.1",
  effective = "2026-01-01",
  programs = { "cyber-partners" },
  cadence = "rolling",
  remediation = "60 days",

  tiers = {
    ps.tier "Registered" { benefits = { discount = 0.05 } },
    ps.tier "Silver" {
      entry = { ps.certified("Security Associate"), ps.at_least("revenue_12m", 25000) },
      maintain = { ps.certified("Security Associate") },
      benefits = { discount = 0.12, nfr_licenses = 5 },
    },
    ps.tier "Gold" {
      entry = {
        ps.certified("Security Professional"),
        ps.at_least("certifications_active", 2),
        ps.at_least("revenue_12m", 100000),
      },
      maintain = { ps.certified("Security Professional"), ps.at_least("revenue_12m", 75000) },
      benefits = { discount = 0.20, nfr_licenses = 20, mdf = 10000 },
    },
    ps.tier "Platinum" {
      entry = {
        ps.certified("Security Expert"),
        ps.at_least("certifications_active", 3),
        ps.at_least("revenue_12m", 300000),
      },
      maintain = { ps.certified("Security Expert"), ps.at_least("revenue_12m", 225000) },
      benefits = { discount = 0.28, nfr_licenses = 50, mdf = 40000, incident_response_hotline = true },
    },
  },

  gates = {
    -- SIEM deployments need a Security Professional on staff.
    ps.gate "SIEM deployment certification" {
      certification = "Security Professional",
      warn = "60 days",
      applies_to = { "siem" },
      suspends = { products = { "siem" } },
    },
    -- Managed SOC services hold customers' security data: the provider must be ISO 27001 certified.
    ps.gate "ISO27001" {
      credential = "ISO27001",
      warn = "90 days",
      applies_to = { "managed-soc" },
      suspends = { products = { "managed-soc" } },
    },
  },

  health = common.health(40000),
  milestones = ps.default_milestones,
  interventions = menu,
  -- A lapsed ISO 27001 certificate is the partner's intervention, whatever else is open.
  intervention_precedence = { "gate_lapsed:ISO27001" },
}
