import PartnerModel
/// The policy contract's declarations and their fields, in one place: the
/// loader accepts exactly the fields `fieldNames(of:)` lists, and the editor
/// definitions (`partnerscore policy editor-files`) describe each of them
/// with the type and meaning `descriptions(of:)` gives.
///
/// A field added to the contract is added to its list and described; the
/// editor files cannot be made while a listed field has no description, and
/// the test comparing them with the checked-in ones fails until they are
/// generated again.
public enum Contract {
    /// One field of a declaration: its name, its type in lua-language-server's
    /// notation, and what it means.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var type: String
        public var doc: String

        init(_ name: String, _ type: String, _ doc: String) {
            self.name = name
            self.type = type
            self.doc = doc
        }
    }

    /// The tables a policy is built from, with the class name the editor files give each.
    public enum Declaration: String, Sendable, CaseIterable {
        case policy = "PolicySpec"
        case tier = "Tier"
        case gate = "Gate"
        case health = "Health"
        case component = "HealthComponent"
        case flag = "Flag"
        case intervention = "Intervention"
        case suspends = "Suspends"
        case milestones = "MilestoneRules"
        /// The optional last argument of a declarative criterion.
        case criterionOptions = "CriterionOptions"
        /// A period written as a table (`{ months = 3 }`).
        case period = "PeriodTable"
        /// A policy's own limits for its functions.
        case limits = "Limits"
        /// `ps.measure "name" { ... }`: events aggregated over a window.
        case measure = "Measure"
        /// `ps.periods "name" { ... }`: how many calendar periods met a condition.
        case periods = "Periods"
        /// `ps.ratio`, `ps.difference`, `ps.growth "name" { "a", "b" }`: besides its two operands.
        case derivedMeasure = "DerivedMeasure"
        /// A window of two dates (`{ from = "...", to = "..." }`).
        case datedWindow = "DatedWindow"
        /// A policy's `incentives`: the currency and the rules.
        case incentives = "Incentives"
        /// `ps.commission "Name" { ... }`: a rate on eligible revenue.
        case commission = "Commission"
        /// `ps.rebate "Name" { ... }`: a rate with accelerators.
        case rebate = "Rebate"
        /// `ps.growth_rebate "Name" { ... }`: a rate on growth over last year.
        case growthRebate = "GrowthRebate"
        /// `ps.mdf "Name" { ... }`: an accrual capped per period.
        case mdf = "MDFAccrual"
        /// `ps.spiff "Name" { ... }`: an amount per qualifying event in a promotion.
        case spiff = "Spiff"
        /// One step of a rebate's `accelerators`.
        case accelerator = "Accelerator"
        /// An incentive's `basis` given as events.
        case incentiveBasis = "IncentiveBasis"
    }

    /// The most a policy's `limits` may give its functions; a run's flags may set any value.
    static let limitCeilings: [String: Int64] = ["instructions": 1_000_000_000, "memory_mb": 1024, "timeout_ms": 10_000]

    /// The fields the loader accepts in `declaration`: the contract itself.
    public static func fieldNames(of declaration: Declaration) -> [String] {
        descriptions(of: declaration).map(\.name)
    }

    /// `declaration`'s fields with their types and meaning, in the order of
    /// `fieldNames(of:)`; fails naming a field that has no description.
    public static func fields(of declaration: Declaration) throws -> [Field] {
        let described = descriptions(of: declaration)
        return try fieldNames(of: declaration).map { name in
            guard let field = described.first(where: { $0.name == name }) else {
                throw EditorFiles.Failure(description: "field '\(name)' of \(declaration.rawValue) has no description: "
                    + "add it to Contract.descriptions(of:)")
            }
            return field
        }
    }

    /// The type and meaning of each field of `declaration`, in the order the docs list them.
    static func descriptions(of declaration: Declaration) -> [Field] {
        switch declaration {
        case .policy: [
            Field("name", "string", "recorded with every decision"),
            Field("version", "string", "recorded with every decision, e.g. \"2026.1\""),
            Field("effective", "string", "\"YYYY-MM-DD\", recorded with every decision"),
            Field("description", "string?", "for people; not used by the host"),
            Field("programs", "string[]", "the program names this policy governs"),
            Field("cadence", "Cadence", "when tier changes may happen"),
            Field("remediation", "Period?", "time in tier review before demotion (default \"0 days\": demoted at once)"),
            Field("tiers", "Tier[]", "lowest first"),
            Field("gates", "Gate[]?", "compliance gates, separate from scores"),
            Field("health", "Health?", "weighted components and bands (default: no health model)"),
            Field("milestones", "MilestoneRules?",
                  "deadlines from enrolment (default: ps.default_milestones; one left out keeps its default); false switches one off"),
            Field("flags", "Flag[]?", "named conditions that raise a policy_flag alert"),
            Field("interventions", "Intervention[]?", "the escalation menu, ps.step { ... } each (default: none)"),
            Field("intervention_precedence", "string[]?",
                  "alert kinds or alerts (\"gate_lapsed:ISO27001\") whose intervention is the partner's first, in order "
                      + "(default: the most escalated step, then the oldest alert)"),
            Field("limits", "Limits?", "this policy's functions' limits (default: the host's; a run's flags win)"),
            Field("measures", "(Measure|Periods|DerivedMeasure|(Measure|Periods|DerivedMeasure)[])[]?",
                  "measures over the partner's events that criteria, components, flags and functions read like metrics "
                      + "(a list of ps.measure, ps.periods, ps.ratio, ps.difference, ps.growth, or lists of them)"),
            Field("incentives", "Incentives?", "what partners earn: currency and rules (ps.commission, ps.rebate, ps.growth_rebate, ps.mdf, ps.spiff)"),
        ]
        case .tier: [
            Field("name", "string", "set by ps.tier \"Name\""),
            Field("description", "string?", "for people; not used by the host"),
            Field("entry", "Criterion[]?", "all must hold to be promoted (none: everyone qualifies)"),
            Field("maintain", "Criterion[]?", "all must hold to keep the tier (default: the entry criteria)"),
            Field("benefits", "table<string, number|string|boolean>?", "name → value"),
            Field("formerly", "string[]?", "names the tier had before a rename: a partner stored in one of them holds this tier"),
        ]
        case .gate: [
            Field("name", "string", "set by ps.gate \"Name\""),
            Field("description", "string?", "for people; not used by the host"),
            Field("credential", "string?", "the credential or contract kind required"),
            Field("certification", "string?", "or the certification required"),
            Field("warn", "Period?", "warning ahead of expiry (default \"0 days\": a warning on the last valid day only)"),
            Field("applies_to", "string[]|fun(p: Partner): boolean|nil",
                  "partners it applies to: those who may sell one of these products (listed, or through an empty product list), "
                      + "or a function (default: all)"),
            Field("suspends", "Suspends", "what a lapse suspends (at least one product or benefit)"),
        ]
        case .health: [
            Field("components", "HealthComponent[]", "weighted components"),
            Field("bands", "table<string, number>?", "band name → minimum score (default: green 70, yellow 40, red 0)"),
        ]
        case .component: [
            Field("name", "string", "set by ps.component \"name\""),
            Field("description", "string?", "for people; not used by the host"),
            Field("weight", "number", "relative weight (positive)"),
            Field("metric", "MetricName?", "scored linearly from floor to target"),
            Field("target", "number?", "the metric's value that scores full marks"),
            Field("floor", "number?", "the metric's value that scores 0 (default 0; above target: lower is better)"),
            Field("score", "fun(p: Partner): number, (string|number|boolean)?",
                  "or a function returning a finite number 0..1 (outside: clamped) and optionally a detail"),
        ]
        case .flag: [
            Field("name", "string", "set by ps.flag \"Name\""),
            Field("description", "string?", "for people; not used by the host"),
            Field("when", "Criterion", "while it holds, a policy_flag alert is open"),
        ]
        case .intervention: [
            Field("after", "Period?", "how long an alert has been open before this step applies (default \"0 days\")"),
            Field("action", "string", "what to do"),
            Field("owner", "string?", "who does it; \"CAM\": the partner's channel account manager, who gets the step's tasks"),
            Field("queue", "string?", "the queue the step's tasks go to (default: the owner's name; a CAM step's go to the partner's cam)"),
            Field("pause", "Period?",
                  "while the step's task for an alert is acknowledged, the alert escalates no further until the acknowledgement day "
                      + "plus this period (default: acknowledging does not hold escalation)"),
            Field("kinds", "AlertKind[]?", "the alert kinds it answers (default: all)"),
            Field("gates", "string[]?", "a route: the gates whose alerts it answers (those alerts leave the steps that name nothing)"),
            Field("flags", "string[]?", "a route: the flags whose policy_flag alerts it answers"),
            Field("milestones", "MilestoneName[]?", "a route: the milestones whose milestone_overdue alerts it answers"),
        ]
        case .suspends: [
            Field("products", "string[]?", "products suspended while the gate is lapsed (for partners who may sell them)"),
            Field("benefits", "string[]?", "benefits suspended while the gate is lapsed (names some tier declares)"),
        ]
        case .milestones:
            [Field("from", "\"enrolment\"|\"effective_or_enrolment\"|nil",
                   "when deadlines start: enrolment (default), or the later of enrolment and the policy's effective date")]
                + MilestoneRule.Step.allCases.map {
                    Field($0.rawValue, "Period|false|nil", "deadline for the \($0.meaning) (default \($0.defaultDeadline); false: off)")
                }
        case .criterionOptions: [
            Field("label", "string?", "shown instead of the metric's name (or of the whole description for ps.certified and ps.credential)"),
        ]
        case .period: [
            Field("days", "integer?", ""),
            Field("months", "integer?", ""),
        ]
        case .measure: selectionFields + [
            Field("window", "string|DatedWindow?", "\"N days|weeks|months|years\", \"month_to_date\", \"quarter_to_date\", "
                      + "\"half_to_date\", \"year_to_date\", \"since_enrolment\", \"all_time\" or a dated window "
                      + "(required, except for first_date, last_date, days_since_last and latest_value: all_time)"),
            aggregateField,
            ofField,
            Field("ago", "Period?", "take the window as of this long before the evaluation day (\"12 months\": the same window last year)"),
            Field("fiscal_year_start", "integer|string?", "the month the fiscal year starts in (4 or \"April\"), for quarter, half and year to date"),
            formatField,
            meaningField,
        ]
        case .periods: selectionFields + [
            aggregateField,
            ofField,
            Field("every", "\"month\"|\"quarter\"|\"half\"|\"year\"", "the calendar period"),
            Field("last", "integer", "how many periods, the last being the evaluation day's (to date)"),
            Field("at_least", "number?", "the condition a period's aggregate must meet (exactly one of at_least, above, at_most, below)"),
            Field("above", "number?", ""),
            Field("at_most", "number?", ""),
            Field("below", "number?", ""),
            Field("fiscal_year_start", "integer|string?", "the month the fiscal year starts in, for quarters, halves and years"),
            Field("ago", "Period?", "count the periods as of this long before the evaluation day"),
            formatField,
            meaningField,
        ]
        case .derivedMeasure: [meaningField]
        case .datedWindow: [
            Field("from", "string", "the first day counted, \"YYYY-MM-DD\""),
            Field("to", "string", "the last day counted, \"YYYY-MM-DD\" (never after the evaluation day)"),
        ]
        case .incentives: [
            Field("currency", "string", "the currency every line is paid in, e.g. \"USD\" (events are not converted)"),
        ]
        case .commission: incentiveFields(basis: true) + [rateField]
        case .rebate: incentiveFields(basis: true) + [
            rateField,
            Field("accelerators", "Accelerator[]?", "crossing `at` in the period adds `add` to the rate on the whole period (increasing)"),
        ]
        case .growthRebate: incentiveFields(basis: true) + [rateField]
        case .mdf: incentiveFields(basis: true) + [
            rateField,
            Field("cap", "number|string|table<string, number>",
                  "the most a period accrues: an amount, a tier benefit's name (\"mdf\"; tiers without it accrue nothing) or { Tier = amount }"),
        ]
        case .spiff: incentiveFields(basis: false) + [
            Field("from", "string", "the promotion's first day, \"YYYY-MM-DD\""),
            Field("to", "string", "the promotion's last day, \"YYYY-MM-DD\""),
            Field("kind", "\"deal_won\"|\"deal_registered\"|nil", "what it pays for (default \"deal_won\")"),
            Field("products", "string[]?", "only events for one of these products (default: any)"),
            Field("amount", "number", "paid per qualifying event"),
        ]
        case .accelerator: [
            Field("at", "number", "the period's basis that reaches it"),
            Field("add", "number", "the rate added on the whole period (0.01 for a point)"),
        ]
        case .incentiveBasis: Array(selectionFields.dropFirst()) + [
            Field("format", "\"money\"|nil", "a custom kind's amount is money"),
        ]
        case .limits: [
            Field("instructions", "integer?", "instruction budget per call (1 to \(limitCeilings["instructions"]!))"),
            Field("memory_mb", "integer?", "memory cap per call, in MiB (1 to \(limitCeilings["memory_mb"]!))"),
            Field("timeout_ms", "integer?", "wall-clock limit per call, in milliseconds (1 to \(limitCeilings["timeout_ms"]!))"),
        ]
        }
    }

    /// The fields every incentive rule has.
    static func incentiveFields(basis: Bool) -> [Field] {
        [
            Field("name", "string", "set by the constructor: ps.commission \"Name\" { ... }; the ledger keeps lines by it"),
            Field("description", "string?", "for people; not used by the host"),
            Field("every", "\"month\"|\"quarter\"|\"year\"" + (basis ? "" : "|nil"),
                  "the payment period" + (basis ? "" : " (default \"month\")")),
            Field("fiscal_year_start", "integer|string?", "the month the fiscal year starts in, for quarters and years"),
            Field("benefit", "string?", "the tier benefit it belongs to: a gate suspending it stops the accrual "
                      + "(default: commission, rebate, mdf by line; a SPIFF none)"),
        ] + (basis ? [Field("basis", "string|IncentiveBasis",
                            "the eligible amount: the events ({ kind = \"revenue\" }, summed over the period to date) "
                                + "or the name of a sum measure over the period to date")] : [])
    }
    static let rateField = Field("rate", "number|string|table<string, number>|fun(p: Partner, tier: string?): number?",
                                 "a rate from 0 to 1, a tier benefit's name (\"commission\"; tiers without it earn nothing), { Tier = rate }, "
                                     + "or a function(p, tier) returning one (nil: none)")

    /// The fields saying which events a measure reads.
    static let selectionFields: [Field] = [
        Field("name", "string", "set by the constructor: ps.measure \"name\" { ... }"),
        Field("kind", "string|string[]", "the event kind (built-in, or a custom kind this names), or a list of kinds"),
        Field("products", "string|string[]?", "only events for one of these products"),
        Field("territories", "string|string[]?", "only events in one of these territories"),
        Field("names", "string|string[]?", "only events with one of these names (certification, module, credential kind, attribute, custom name)"),
        Field("authorized", "\"products\"|\"territories\"|\"both\"|nil",
              "only events inside the partner's own authorizations (an empty list authorizes everything)"),
        Field("unauthorized", "\"products\"|\"territories\"|\"either\"|nil", "only events outside them"),
    ]
    static let aggregateField = Field("aggregate", Aggregation.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: "|"),
                                      "what to compute from the events")
    static let ofField = Field("of", "\"amount\"|\"value\"|nil", "the number sum, min, max and latest_value read (default: the amount; latest_value: the value)")
    static let formatField = Field("format", "\"money\"|\"number\"|nil", "the type of a custom kind's amount or value")
    static let meaningField = Field("meaning", "string?", "what it means, in words (default: written from the declaration)")

    /// A member of the `partnerscore` library (`ps.NAME`): its parameters and
    /// result in lua-language-server's notation, and what it is for. The
    /// editor files describe each member the library really has, from here.
    public struct Member: Sendable {
        public var name: String
        /// `(name, type, doc)` of each parameter; nil for a value (not a function).
        public var parameters: [(name: String, type: String, doc: String)]?
        /// The result's type, or the value's.
        public var type: String
        public var doc: String
    }

    /// Constructors of a named declaration (`ps.tier "Name" { ... }`).
    static func named(_ name: String, _ declaration: Declaration, _ doc: String) -> Member {
        Member(name: name, parameters: [("name", "string", "")], type: "fun(spec: \(declaration.rawValue)): \(declaration.rawValue)", doc: doc)
    }

    /// Constructors of a derived measure (`ps.ratio "name" { "a", "b" }`).
    static func derived(_ name: String, _ doc: String) -> Member {
        Member(name: name, parameters: [("name", "string", "")], type: "fun(spec: DerivedMeasure|string[]): DerivedMeasure", doc: doc)
    }

    static func metricCriterion(_ name: String, _ words: String) -> Member {
        Member(name: name, parameters: [("metric", "MetricName", ""), ("value", "number", ""), options], type: "Criterion",
               doc: "Holds when the snapshot metric is \(words) `value` (a missing value fails).")
    }

    /// The optional last parameter of every declarative criterion.
    static let options = (name: "options", type: "CriterionOptions?", doc: "{ label = \"...\" }: the name explanations show")

    public static let members: [Member] = [
        Member(name: "version", parameters: nil, type: "string", doc: "The version of the library."),
        Member(name: "policy", parameters: [("spec", "PolicySpec", "")], type: "PolicySpec", doc: "A policy; a policy file returns one."),
        named("tier", .tier, "A tier, declared lowest first."),
        named("gate", .gate, "A compliance gate."),
        named("component", .component, "A health component."),
        named("flag", .flag, "A named condition that raises a policy_flag alert while it holds."),
        metricCriterion("at_least", "at least"),
        metricCriterion("above", "more than"),
        metricCriterion("at_most", "at most"),
        metricCriterion("below", "less than"),
        Member(name: "attribute_at_least", parameters: [("name", "string", "custom attribute, e.g. \"integration_depth\""),
                                                        ("value", "number", ""), options],
               type: "Criterion", doc: "Holds when the custom attribute is at least `value`."),
        Member(name: "certified", parameters: [("name", "string", "certification name"), options], type: "Criterion",
               doc: "Holds when the partner holds a valid certification of that name."),
        Member(name: "credential", parameters: [("kind", "string", "credential or contract kind, e.g. \"HIPAA\""), options],
               type: "Criterion", doc: "Holds when the partner holds a valid credential or contract of that kind."),
        Member(name: "territories_at_least", parameters: [("count", "integer", ""), options], type: "Criterion",
               doc: "Holds when the partner is authorized for at least `count` territories (an empty territory list: every one)."),
        Member(name: "check", parameters: [("label", "string", ""),
                                           ("fn", "fun(p: Partner): boolean, (number|string|boolean)?, (number|string|boolean)?", "")],
               type: "Criterion",
               doc: "A custom criterion: return true or false, and optionally the observed and required values (nil, booleans, strings or finite numbers)."),
        Member(name: "default_milestones", parameters: nil, type: "table<MilestoneName, Period>",
               doc: "The onboarding milestones most programs use (the default of `milestones`)."),
        Member(name: "default_interventions", parameters: nil, type: "Intervention[]",
               doc: "An escalating intervention menu most programs start from."),
        Member(name: "step", parameters: [("spec", "Intervention", "")], type: "Intervention",
               doc: "A step of the intervention menu (recording its line for messages)."),
        named("measure", .measure, "A measure over the partner's events, which policies read like a metric."),
        named("periods", .periods, "A measure: how many of the last N calendar periods had an aggregate meeting a condition."),
        derived("ratio", "a / b of two measures or metrics (none when b is 0 or none)."),
        derived("difference", "a − b of two measures or metrics of one type."),
        derived("growth", "(a − b) / b of two measures or metrics of one type (none when b is 0 or none)."),
        named("commission", .commission, "An incentive: a rate on the eligible amount of each payment period."),
        named("rebate", .rebate, "An incentive: a rate with accelerators re-rating the whole period."),
        named("growth_rebate", .growthRebate, "An incentive: a rate on growth over the same period to date last year."),
        named("mdf", .mdf, "An incentive: MDF accrued as a rate of the eligible amount, capped per period."),
        named("spiff", .spiff, "An incentive: an amount per deal won (or registered) inside a promotion's days."),
        Member(name: "authorized_for", parameters: [("p", "Partner", ""), ("product", "string", "")], type: "boolean",
               doc: "Whether the partner may sell `product`: listed in p.products, or p.products is empty (every product)."),
        Member(name: "authorized_in", parameters: [("p", "Partner", ""), ("territory", "string", "")], type: "boolean",
               doc: "Whether the partner may work in `territory`: listed in p.territories, or p.territories is empty (every one)."),
    ]
}
