import Foundation
import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

/// An empty product (territory) list authorizes every product (territory):
/// gates apply to such a partner and suspend all their products, and the
/// evaluation says "every product but the suspended ones" explicitly.
@Suite("Empty product and territory lists authorize everything, gates included")
struct AuthorizationTests {
    static let policy = """
        local ps = require "partnerscore"
        return ps.policy {
          name = "Care", version = "1", effective = "2025-01-01", programs = { "care" }, cadence = "monthly",
          tiers = {
            ps.tier "Registered" { benefits = { mdf = 1000 } },
            ps.tier "Covered" { entry = { ps.territories_at_least(2) }, benefits = { mdf = 2000 } },
          },
          gates = {
            ps.gate "HIPAA" { credential = "HIPAA", applies_to = { "ehr" }, suspends = { products = { "ehr", "portal" }, benefits = { "mdf" } } },
            ps.gate "DPA" { credential = "DPA", suspends = { products = { "backup" } } },
          },
        }
        """

    let set: PolicySet
    let evaluator: PartnerEvaluator
    let dpa = Credential(name: "DPA", granted: day("2025-01-01"), expires: day("2027-01-01"))

    init() throws {
        set = try PolicyFolder(files: ["testset/care.lua": Self.policy]).load()
        evaluator = PartnerEvaluator(policySet: set)
    }

    func evaluate(products: [String], territories: [String] = ["US"], credentials: [Credential] = []) throws -> PartnerEvaluation {
        let p = partner(program: "care", territories: territories, products: products)
        return try evaluator.evaluate(snapshot(p, asOf: "2025-06-30", credentials: credentials), state: PartnerProgramState()).0
    }

    func gate(_ e: PartnerEvaluation, _ name: String) -> GateResult? { e.gates.first { $0.gate == name } }

    @Test("a partner with an empty product list is inside the gate: a lapse suspends all the gate's products")
    func emptyListLapses() throws {
        let e = try evaluate(products: [], credentials: [dpa])
        #expect(gate(e, "HIPAA")?.status == .lapsed)
        #expect(gate(e, "HIPAA")?.suspendedProducts == ["ehr", "portal"])
        #expect(e.suspendedProducts == ["ehr", "portal"])
        #expect(e.authorizedAllProducts && e.authorizedProducts.isEmpty)
        #expect(e.alerts.map(\.key.description).contains("gate_lapsed:HIPAA"))
        #expect(e.benefits["mdf"] == nil)
        let text = Explanation(evaluation: e, policy: set.policies[0]).text
        #expect(text.contains("Products: every product except ehr, portal (suspended by compliance)"), "\(text)")
    }

    @Test("a gate without applies_to suspends all its products for a partner with an empty list")
    func gateForEveryone() throws {
        let e = try evaluate(products: [], credentials: [Credential(name: "HIPAA", granted: day("2025-01-01"), expires: day("2027-01-01"))])
        #expect(gate(e, "DPA")?.status == .lapsed)
        #expect(e.suspendedProducts == ["backup"])
        #expect(e.authorizedAllProducts)
    }

    @Test("an explicit list: the gate applies when it names a gated product, and suspends only those on the list")
    func explicitList() throws {
        let lapsed = try evaluate(products: ["ehr", "scheduling"], credentials: [dpa])
        #expect(gate(lapsed, "HIPAA")?.suspendedProducts == ["ehr"])
        #expect(lapsed.authorizedProducts == ["scheduling"] && !lapsed.authorizedAllProducts)

        let outside = try evaluate(products: ["scheduling"], credentials: [dpa])
        #expect(gate(outside, "HIPAA")?.status == .notApplicable)
        #expect(outside.authorizedProducts == ["scheduling"] && outside.suspendedProducts.isEmpty)

        // Everything on the list suspended reads as none, not as "every product".
        let none = try evaluate(products: ["ehr"], credentials: [dpa])
        #expect(none.authorizedProducts.isEmpty && !none.authorizedAllProducts)
        #expect(Explanation(evaluation: none, policy: set.policies[0]).text.contains("Products: none (suspended by compliance: ehr)"))
    }

    @Test("an empty territory list authorizes every territory, more than any minimum")
    func everyTerritory() throws {
        let e = try evaluate(products: ["scheduling"], territories: [], credentials: [dpa])
        #expect(e.tier == "Covered")
        let row = try #require(e.criteria.first { $0.label == "authorized territories ≥ 2" })
        #expect(row.passed && row.observed == "every territory (no territory list)")
    }

    @Test("the flag is in the JSON, true or false (the decision log's compact form: DecisionDetailTests)")
    func json() throws {
        let e = try evaluate(products: [], credentials: [dpa])
        #expect(e.json().contains("\"authorized_all_products\":true,\"authorized_products\":[]"))
        let explicit = try evaluate(products: ["ehr"], credentials: [dpa])
        #expect(!explicit.authorizedAllProducts && explicit.json().contains("\"authorized_all_products\":false,"))
    }
}

/// The band comes from the exact score; only the score shown is rounded.
@Suite("Health bands from the exact score")
struct HealthBandTests {
    static func policy(bands: String) -> String {
        """
        local ps = require "partnerscore"
        return ps.policy {
          name = "H", version = "1", effective = "2025-01-01", programs = { "h" }, cadence = "monthly",
          tiers = { ps.tier "A" {} },
          health = { components = { ps.component "logins" { weight = 1, metric = "logins_30d", target = 10000 } }, bands = \(bands) },
          milestones = { first_login = false, first_training = false, first_deal_registration = false, first_deal_won = false,
                         first_tier_qualification = false, first_tier_advancement = false },
        }
        """
    }

    func health(_ logins: Double, bands: String = "{ green = 70, yellow = 40, red = 0 }") throws -> PartnerEvaluation {
        let set = try PolicyFolder(files: ["testset/h.lua": Self.policy(bands: bands)]).load()
        let p = partner(program: "h")
        return try PartnerEvaluator(policySet: set).evaluate(snapshot(p, asOf: "2025-06-30", metrics: [.logins30d: logins]),
                                                             state: PartnerProgramState()).0
    }

    @Test("just under a band's minimum is the band below, with its alert; the score shown stays in the band",
          arguments: [(3997.0, "red", 39.9, true), (3999.9, "red", 39.9, true), (4000, "yellow", 40, false),
                      (6997, "yellow", 69.9, false), (6999.99, "yellow", 69.9, false), (7000, "green", 70, false),
                      (4004, "yellow", 40, false), (3994, "red", 39.9, true)])
    func justUnder(_ logins: Double, _ band: String, _ shown: Double, _ alert: Bool) throws {
        let e = try health(logins)
        #expect(e.health.band == band)
        #expect(e.health.score == shown)
        #expect(e.alerts.contains { $0.key.kind == .healthRed } == alert)
    }

    @Test("a band minimum that is not a multiple of 0.1 shows as itself rather than a score outside the band")
    func oddMinimum() throws {
        let e = try health(3333, bands: "{ green = 66.67, yellow = 33.33, red = 0 }")
        #expect(e.health.band == "yellow")
        #expect(e.health.score == 33.33)
        let below = try health(3332, bands: "{ green = 66.67, yellow = 33.33, red = 0 }")
        #expect(below.health.band == "red" && below.health.score == 33.3)
    }
}

/// Milestone deadlines can count from the later of enrolment and the policy's effective date.
@Suite("Milestones for partners enrolled before the program moved onto Partnerscore")
struct MilestoneStartTests {
    static func policy(from: String?) -> String {
        """
        local ps = require "partnerscore"
        return ps.policy {
          name = "M", version = "1", effective = "2026-01-01", programs = { "m" }, cadence = "monthly",
          tiers = { ps.tier "A" {} },
          milestones = { \(from.map { "from = \"\($0)\"," } ?? "") first_login = "3 days" },
        }
        """
    }

    func firstLogin(from: String?, enrolled: String, asOf: String) throws -> (PartnerEvaluation, PolicySet) {
        let set = try PolicyFolder(files: ["testset/m.lua": Self.policy(from: from)]).load()
        let e = try PartnerEvaluator(policySet: set).evaluate(snapshot(partner(program: "m", enrolled: enrolled), asOf: asOf),
                                                              state: PartnerProgramState()).0
        return (e, set)
    }

    @Test("from = \"effective_or_enrolment\": an existing partner's deadline counts from the effective date")
    func existingPartner() throws {
        let (pending, set) = try firstLogin(from: "effective_or_enrolment", enrolled: "2021-05-10", asOf: "2026-01-02")
        let m = try #require(pending.milestones.first)
        #expect(m.deadline == day("2026-01-04") && m.status == .pending)
        #expect(!pending.alerts.contains { $0.key.kind == .milestoneOverdue })
        #expect(Explanation(evaluation: pending, policy: set.policies[0]).text
            .contains("deadlines count from the later of enrolment and the policy's effective date, 2026-01-01"))
        let (overdue, _) = try firstLogin(from: "effective_or_enrolment", enrolled: "2021-05-10", asOf: "2026-01-10")
        #expect(overdue.milestones.first?.status == .overdue && overdue.milestones.first?.days == 6)
    }

    @Test("a partner enrolled after the effective date counts from its enrolment; the default counts from enrolment for all")
    func laterAndDefault() throws {
        let (later, _) = try firstLogin(from: "effective_or_enrolment", enrolled: "2026-03-01", asOf: "2026-03-02")
        #expect(later.milestones.first?.deadline == day("2026-03-04"))
        let (old, _) = try firstLogin(from: nil, enrolled: "2021-05-10", asOf: "2026-01-02")
        #expect(old.milestones.first?.deadline == day("2021-05-13") && old.milestones.first?.status == .overdue)
        let (explicit, _) = try firstLogin(from: "enrolment", enrolled: "2021-05-10", asOf: "2026-01-02")
        #expect(explicit.milestones == old.milestones)
    }
}

/// Menu steps can answer alerts about a named gate, flag or milestone, and a
/// policy can say whose intervention a partner gets first.
@Suite("Intervention menus route by the alert itself")
struct InterventionRoutingTests {
    static func policy(precedence: Bool) -> String {
        """
        local ps = require "partnerscore"
        local menu = {
          ps.step { after = "0 days", gates = { "ISO27001" }, kinds = { "gate_lapsed" }, owner = "compliance", action = "Compliance review" },
        }
        for _, step in ipairs(ps.default_interventions) do menu[#menu + 1] = step end
        return ps.policy {
          name = "Cyber", version = "1", effective = "2025-01-01", programs = { "cyber" }, cadence = "monthly",
          tiers = { ps.tier "Registered" { benefits = { mdf = 1 } } },
          gates = {
            ps.gate "ISO27001" { credential = "ISO27001", suspends = { products = { "soc" } } },
            ps.gate "SOC2" { credential = "SOC2", suspends = { products = { "soc" } } },
          },
          health = { components = { ps.component "logins" { weight = 1, metric = "logins_30d", target = 10 } } },
          milestones = { first_login = false, first_training = false, first_deal_registration = false, first_deal_won = false,
                         first_tier_qualification = false, first_tier_advancement = false },
          interventions = menu,
          \(precedence ? "intervention_precedence = { \"gate_lapsed:ISO27001\" }," : "")
        }
        """
    }

    let healthAlert = AlertKey(kind: .healthRed, subject: "health")
    let isoAlert = AlertKey(kind: .gateLapsed, subject: "ISO27001")
    let socAlert = AlertKey(kind: .gateLapsed, subject: "SOC2")

    /// A partner red for 70 days (executive review) whose ISO 27001 lapsed `isoDays` ago and whose SOC 2 lapsed too.
    func evaluate(precedence: Bool, isoDays: Int) throws -> PartnerEvaluation {
        let set = try PolicyFolder(files: ["testset/cyber.lua": Self.policy(precedence: precedence)]).load()
        let asOf = day("2025-06-30")
        var state = PartnerProgramState(tier: "Registered", lastTierEvaluation: day("2025-05-31"))
        state.openAlerts = [healthAlert: asOf.adding(days: -70), isoAlert: asOf.adding(days: -isoDays), socAlert: asOf.adding(days: -isoDays)]
        let p = partner(program: "cyber", products: [])
        return try PartnerEvaluator(policySet: set).evaluate(snapshot(p, asOf: "2025-06-30"), state: state).0
    }

    func alert(_ e: PartnerEvaluation, _ key: AlertKey) -> AlertResult? { e.alerts.first { $0.key == key } }

    @Test("a lapsed ISO27001 goes to the compliance step at once and stays there; other alerts follow the default menu")
    func routed() throws {
        for days in [0, 20, 90] {
            let e = try evaluate(precedence: false, isoDays: days)
            #expect(alert(e, isoAlert)?.step == 1 && alert(e, isoAlert)?.owner == "compliance", "\(days) days")
            #expect(alert(e, healthAlert)?.step == 5 && alert(e, healthAlert)?.intervention == "Executive business review")
        }
        // SOC 2 is not routed: the default steps answer it, escalating with time.
        #expect(alert(try evaluate(precedence: false, isoDays: 0), socAlert)?.step == 2)
        #expect(alert(try evaluate(precedence: false, isoDays: 20), socAlert)?.step == 3)
    }

    @Test("intervention_precedence puts the lapsed ISO27001 first even while an older health alert is at executive review")
    func precedence() throws {
        // Without it, the most escalated step wins: executive review.
        #expect(try evaluate(precedence: false, isoDays: 0).intervention?.alert == healthAlert)
        let e = try evaluate(precedence: true, isoDays: 0)
        #expect(e.intervention?.alert == isoAlert)
        #expect(e.intervention?.action == "Compliance review" && e.intervention?.owner == "compliance")
    }
}
