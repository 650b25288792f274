import LuaHost

/// The `partnerscore` Lua module policies build their table with:
///
/// ```lua
/// local ps = require "partnerscore"
/// return ps.policy {
///   name = "Telecom agents", version = "2026.1", effective = "2026-01-01",
///   programs = { "telecom-agents" }, cadence = "monthly", remediation = "60 days",
///   tiers = {
///     ps.tier "Authorized" { benefits = { commission = 0.08 } },
///     ps.tier "Premier" { entry = { ps.at_least("revenue_1m", 10000) }, benefits = { commission = 0.12 } },
///   },
/// }
/// ```
///
/// Every constructor records the file and line it was called from, so the
/// host's validation errors point at the declaration. The documentation of
/// the contract is docs/policies.md; the editor definitions in Policies/.luals
/// are generated from this library and the contract (`EditorFiles`).
public enum HostLibrary {
    static let moduleName = "partnerscore"

    /// Make `require "partnerscore"` load the library in `lua` (a policy set's
    /// state has it; `partnerscore lua` installs it to try code the same way).
    public static func install(in lua: LuaState) throws {
        try lua.preload(module: "partnerscore.host", ["position": .function(lua.makePositionFunction())])
        try lua.preload(module: moduleName, source: source, chunkName: "partnerscore")
    }

    static let source = #"""
    local host = require "partnerscore.host"
    local position = host.position
    local ps = { version = "1" }

    -- Positions are taken in each public function itself (position(2) = its
    -- caller) and nothing here is a tail call, so the policy author's file
    -- and line survive.
    local function mark(t, kind, file, line)
      if type(t) ~= "table" then
        error(string.format("ps.%s expects a table, got %s", kind, type(t)), 3)
      end
      t._kind, t._file, t._line = kind, file, line
      return t
    end

    function ps.policy(spec)
      local file, line = position(2)
      local t = mark(spec, "policy", file, line)
      return t
    end

    local function named(kind)
      return function(name)
        return function(spec)
          local file, line = position(2)
          if spec == nil then spec = {} end
          if type(spec) == "table" then spec.name = name end
          local t = mark(spec, kind, file, line)
          return t
        end
      end
    end
    -- A rung of the intervention menu (a plain table works too, but has no line for messages).
    function ps.step(spec)
      local file, line = position(2)
      local t = mark(spec, "step", file, line)
      return t
    end

    ps.tier = named("tier")
    ps.flag = named("flag")
    ps.gate = named("gate")
    ps.component = named("component")
    -- Incentives (docs/policies.md, "Incentives").
    ps.commission = named("commission")
    ps.rebate = named("rebate")
    ps.growth_rebate = named("growth_rebate")
    ps.mdf = named("mdf")
    ps.spiff = named("spiff")

    local function criterion(fields)
      local file, line = position(3)
      fields._kind, fields._file, fields._line = "criterion", file, line
      return fields
    end

    -- Declarative criteria: the host reports observed value, threshold and outcome.
    -- The optional last argument, { label = "Annual revenue" }, names the criterion in explanations.
    function ps.at_least(metric, value, options) local c = criterion { test = "metric", metric = metric, op = ">=", value = value, options = options } return c end
    function ps.above(metric, value, options) local c = criterion { test = "metric", metric = metric, op = ">", value = value, options = options } return c end
    function ps.at_most(metric, value, options) local c = criterion { test = "metric", metric = metric, op = "<=", value = value, options = options } return c end
    function ps.below(metric, value, options) local c = criterion { test = "metric", metric = metric, op = "<", value = value, options = options } return c end
    function ps.attribute_at_least(name, value, options) local c = criterion { test = "attribute", name = name, op = ">=", value = value, options = options } return c end
    function ps.certified(name, options) local c = criterion { test = "certification", name = name, options = options } return c end
    function ps.credential(kind, options) local c = criterion { test = "credential", name = kind, options = options } return c end
    function ps.territories_at_least(count, options) local c = criterion { test = "territories", op = ">=", value = count, options = options } return c end

    -- Measures: named declarations over the partner's events, computed by the
    -- host (docs/policies.md, "Measures"). ps.measure aggregates events over a
    -- window, ps.periods counts calendar periods meeting a condition, and
    -- ps.ratio / ps.difference / ps.growth combine two measures or metrics.
    local function measure(constructor, form)
      return function(name)
        return function(spec)
          local file, line = position(2)
          if type(spec) == "table" then spec.name = name end
          local t = mark(spec, constructor, file, line)
          t._kind, t._form = "measure", form
          return t
        end
      end
    end
    ps.measure = measure("measure", "events")
    ps.periods = measure("periods", "periods")
    ps.ratio = measure("ratio", "ratio")
    ps.difference = measure("difference", "difference")
    ps.growth = measure("growth", "growth")

    -- A custom criterion: fn(p) returns passed, observed, required (the last two optional, for explanations).
    function ps.check(label, fn) local c = criterion { test = "function", label = label, fn = fn } return c end

    -- The onboarding milestones of the partner success literature.
    ps.default_milestones = {
      first_login = "3 days", first_training = "7 days", first_deal_registration = "30 days",
      first_deal_won = "90 days", first_tier_qualification = "12 months", first_tier_advancement = "18 months",
    }

    -- An escalating intervention menu most programs start from.
    ps.default_interventions = {
      { after = "0 days", action = "Automated nudge with the next step and a link to it", owner = "automation" },
      { after = "14 days", action = "Call from the channel account manager", owner = "CAM" },
      { after = "30 days", action = "Joint success plan with a partner success manager", owner = "partner success" },
      { after = "60 days", action = "Executive business review", owner = "channel leadership" },
    }

    -- Whether the partner may sell `product` / work in `territory`: an empty
    -- list authorizes every product (territory).
    local function authorizes(list, name)
      if list == nil or #list == 0 then return true end
      for i = 1, #list do if list[i] == name then return true end end
      return false
    end
    function ps.authorized_for(p, product) return authorizes(p.products, product) end
    function ps.authorized_in(p, territory) return authorizes(p.territories, territory) end

    return ps
    """#
}
