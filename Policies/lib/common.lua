-- Shared building blocks for every policy set (require "common").
local ps = require "partnerscore"

local common = {}

-- The four health components most programs watch. `revenue_target` is the
-- trailing-3-month revenue that scores full marks: about what a partner in
-- the top third of the program's sellers books. The other targets are what
-- an engaged partner does: two deal registrations a quarter, a portal login
-- every ten days, activity within the week. Red is below 35: a partner that
-- logs in and keeps in touch but has not sold yet is yellow, not red.
function common.health(revenue_target)
  return {
    components = {
      ps.component "revenue" { weight = 0.4, metric = "revenue_3m", target = revenue_target },
      ps.component "pipeline" { weight = 0.2, metric = "deals_registered_90d", target = 2 },
      ps.component "engagement" { weight = 0.2, metric = "logins_30d", target = 3 },
      -- Lower is better: full marks within a week of activity, none after 60 days.
      ps.component "recency" { weight = 0.2, metric = "days_since_last_activity", floor = 60, target = 7 },
    },
    bands = { green = 70, yellow = 35, red = 0 },
  }
end

-- The escalation the bundled programs use. Every alert gets a nudge, then a
-- call from the channel account manager; a joint success plan only for what
-- threatens the partnership (poor health, a lapsed credential, a tier at
-- risk); an executive business review only for a partner whose tier has been
-- at risk for two months. An onboarding milestone long overdue stays with
-- the channel account manager: most partners never win a first deal, and
-- leadership cannot review them all. A channel account manager who
-- acknowledges the call's task has two weeks before the alert escalates.
common.interventions = {
  { after = "0 days", action = "Automated nudge with the next step and a link to it", owner = "automation" },
  { after = "14 days", action = "Call from the channel account manager", owner = "CAM", pause = "14 days" },
  { after = "30 days", action = "Joint success plan with a partner success manager", owner = "partner success",
    kinds = { "tier_review", "gate_lapsed", "health_red" } },
  { after = "60 days", action = "Executive business review", owner = "channel leadership", kinds = { "tier_review" } },
}

return common
