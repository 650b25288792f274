-- A first sketch of a tier rule, run with `partnerscore lua`.
-- Shows the sandbox at work: locals only, string/table/math available.
local partners = {
  { id = "P-001", revenue_12m = 310000, certifications = 3 },
  { id = "P-002", revenue_12m = 72000, certifications = 1 },
  { id = "P-003", revenue_12m = 4000, certifications = 0 },
}

local function tier(p)
  if p.revenue_12m >= 250000 and p.certifications >= 2 then return "Gold" end
  if p.revenue_12m >= 50000 then return "Silver" end
  return "Registered"
end

local result = {}
for _, p in ipairs(partners) do
  result[#result + 1] = { partner = p.id, tier = tier(p) }
end
return result
