-- Shared building blocks for every policy set (require "common").
local ps = require "partnerscore"

local common = {}

-- The four health components most programs watch, with sensible targets.
-- `revenue_target` is the trailing-3-month revenue that scores full marks.
function common.health(revenue_target)
  return {
    components = {
      ps.component "revenue" { weight = 0.4, metric = "revenue_3m", target = revenue_target },
      ps.component "pipeline" { weight = 0.2, metric = "deals_registered_90d", target = 4 },
      ps.component "engagement" { weight = 0.2, metric = "logins_30d", target = 8 },
      -- Lower is better: full marks within a week of activity, none after 60 days.
      ps.component "recency" { weight = 0.2, metric = "days_since_last_activity", floor = 60, target = 7 },
    },
    bands = { green = 70, yellow = 40, red = 0 },
  }
end

return common
