---@meta partnerscore
-- Editor definitions for Partnerscore policies (lua-language-server reads
-- this through Policies/.luarc.json). Generated from the host's metric
-- catalogue; the contract is documented in docs/policies.md.

---@class Credential
---@field granted string  "YYYY-MM-DD"
---@field expires string? "YYYY-MM-DD" (nil: never expires)
---@field valid boolean   valid on the evaluation day
---@field days_to_expiry integer?

---@class Milestones
---@field first_login string?
---@field first_training string?
---@field first_deal_registration string?
---@field first_deal_won string?
---@field first_revenue string?

---The partner snapshot a policy function receives.
---@class Partner
---@field id string
---@field name string
---@field type "reseller"|"distributor"|"msp"|"isv"|"si"|"referral"|"agent"|"alliance"
---@field program string
---@field region string
---@field country string
---@field tier string?
---@field status "active"|"suspended"|"terminated"
---@field enrolled string "YYYY-MM-DD"
---@field as_of string    the evaluation day, "YYYY-MM-DD"
---@field territories string[]
---@field products string[]
---@field certifications table<string, Credential>
---@field credentials table<string, Credential>
---@field attributes table<string, number|string>
---@field milestones Milestones
---@field revenue_1m number? revenue booked in the last month
---@field revenue_3m number? revenue booked in the last 3 months
---@field revenue_12m number? revenue booked in the last 12 months
---@field revenue_prior_12m number? revenue booked in the 12 months before the last 12
---@field revenue_growth number? growth of the last 12 months' revenue over the prior 12 (0.25 = +25%; none when the prior 12 months had none)
---@field revenue_total number? all revenue booked since enrolment
---@field deals_registered_30d number? deals registered in the last 30 days
---@field deals_registered_90d number? deals registered in the last 90 days
---@field deals_registered_12m number? deals registered in the last 12 months
---@field deals_won_90d number? deals won in the last 90 days
---@field deals_won_12m number? deals won in the last 12 months
---@field deals_lost_12m number? deals lost in the last 12 months
---@field deal_value_won_12m number? value of deals won in the last 12 months
---@field win_rate_12m number? deals won / (won + lost) in the last 12 months (none when no deal closed)
---@field deals_outside_territory_12m number? deal registrations in the last 12 months outside the authorized territories or product lines
---@field certifications_active number? distinct certifications currently valid
---@field certifications_expiring_30d number? valid certifications expiring within 30 days
---@field certifications_expiring_60d number? valid certifications expiring within 60 days
---@field certifications_expiring_90d number? valid certifications expiring within 90 days
---@field trainings_completed number? training modules completed since enrolment (distinct modules)
---@field trainings_12m number? training modules completed in the last 12 months
---@field logins_30d number? portal logins in the last 30 days
---@field days_since_last_activity number? days since the last recorded activity of any kind (none if never active)
---@field tenure_days number? days since enrolment
---@field tenure_months number? whole months since enrolment
---@field credentials_active number? distinct credentials and contracts currently valid
---@field credentials_expired number? distinct credentials and contracts whose latest record has expired

---@alias Period string|integer|{days: integer?, months: integer?} "60 days", "3 months", 60, {months = 3}
---@alias MetricName "revenue_1m"|"revenue_3m"|"revenue_12m"|"revenue_prior_12m"|"revenue_growth"|"revenue_total"|"deals_registered_30d"|"deals_registered_90d"|"deals_registered_12m"|"deals_won_90d"|"deals_won_12m"|"deals_lost_12m"|"deal_value_won_12m"|"win_rate_12m"|"deals_outside_territory_12m"|"certifications_active"|"certifications_expiring_30d"|"certifications_expiring_60d"|"certifications_expiring_90d"|"trainings_completed"|"trainings_12m"|"logins_30d"|"days_since_last_activity"|"tenure_days"|"tenure_months"|"credentials_active"|"credentials_expired"

---@class Criterion
---@class Tier
---@field name string
---@field entry Criterion[]?
---@field maintain Criterion[]?
---@field benefits table<string, number|string|boolean>?

---@class Gate
---@field credential string?
---@field certification string?
---@field warn Period?
---@field applies_to string[]|fun(p: Partner): boolean|nil
---@field suspends {products: string[]?, benefits: string[]?}

---@class HealthComponent
---@field weight number
---@field metric MetricName?
---@field target number?
---@field floor number?
---@field score fun(p: Partner): number, string?

---@class Intervention
---@field after Period
---@field action string
---@field owner string?
---@field kinds ("milestone_overdue"|"tier_review"|"gate_warning"|"gate_lapsed"|"health_red")[]?

---@class PolicySpec
---@field name string
---@field version string
---@field effective string "YYYY-MM-DD"
---@field programs string[]
---@field cadence "monthly"|"quarterly"|"semiannual"|"annual"|"rolling"
---@field remediation Period?
---@field tiers Tier[]
---@field gates Gate[]?
---@field health {components: HealthComponent[], bands: table<string, number>?}?
---@field milestones table<string, Period|false>?
---@field interventions Intervention[]?
---@field limits {instructions: integer?, memory_mb: integer?, timeout_ms: integer?}? this policy's functions' limits (docs/policies.md, "Limits")

---@class partnerscore
local ps = {}

---@param spec PolicySpec
---@return PolicySpec
function ps.policy(spec) end

---@param name string
---@return fun(spec: Tier): Tier
function ps.tier(name) end

---@param name string
---@return fun(spec: Gate): Gate
function ps.gate(name) end

---@param name string
---@return fun(spec: HealthComponent): HealthComponent
function ps.component(name) end

---@param metric MetricName
---@param value number
---@return Criterion
function ps.at_least(metric, value) end

---@param metric MetricName
---@param value number
---@return Criterion
function ps.above(metric, value) end

---@param metric MetricName
---@param value number
---@return Criterion
function ps.at_most(metric, value) end

---@param metric MetricName
---@param value number
---@return Criterion
function ps.below(metric, value) end

---@param name string custom attribute, e.g. "integration_depth"
---@param value number
---@return Criterion
function ps.attribute_at_least(name, value) end

---@param name string certification name
---@return Criterion
function ps.certified(name) end

---@param kind string credential or contract kind, e.g. "HIPAA"
---@return Criterion
function ps.credential(kind) end

---@param count integer
---@return Criterion
function ps.territories_at_least(count) end

---A custom criterion: return true or false, and optionally the observed and required values
---(each nil, a boolean, a string or a finite number).
---@param label string
---@param fn fun(p: Partner): boolean, (number|string|boolean)?, (number|string|boolean)?
---@return Criterion
function ps.check(label, fn) end

---@type table<string, Period>
ps.default_milestones = {}

---@type Intervention[]
ps.default_interventions = {}

return ps
