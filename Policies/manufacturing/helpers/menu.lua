-- The intervention menu of the distribution program: the default escalation,
-- plus a first step specific to out-of-territory deal registrations.
local ps = require "partnerscore"

local menu = {}

function menu.with_registration_review(default)
  local steps = {
    default[1],
    ps.step { after = "0 days", kinds = { "policy_flag" }, owner = "channel manager",
      action = "Hold the registration and confirm the territory with the distributor before approving it" },
  }
  for i = 2, #default do steps[#steps + 1] = default[i] end
  return steps
end

return menu
