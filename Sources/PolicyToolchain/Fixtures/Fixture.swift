import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine

/// A fixture file (`Policies/<set>/fixtures/*.json`): partners, their
/// activity, and a sequence of evaluations with expected outcomes.
///
/// ```json
/// {
///   "description": "A Premier agent who stops selling is demoted after the remediation period",
///   "partners": [ { "id": "T-1", "name": "Bay Telecom", "type": "agent", "program": "telecom-agents",
///                   "region": "NA", "country": "US", "territories": ["US-CA", "US-TX"], "products": ["voice"],
///                   "enrolled": "2025-01-02" } ],
///   "partners_file": "shared/agents.jsonl",
///   "events": [ { "partner_id": "T-1", "date": "2025-01-15", "kind": "revenue", "amount": 6000,
///                 "currency": "USD", "product": "voice" } ],
///   "events_file": "shared/activity.csv",
///   "cases": [
///     { "name": "promoted in January", "as_of": "2025-01-31",
///       "expect": { "T-1": { "tier": "Premier", "tier_event": "assigned", "health_band": "yellow" } } },
///     { "name": "demoted at the deadline", "as_of": "2025-05-31",
///       "expect": { "T-1": { "tier": "Authorized", "tier_event": "demoted" } } }
///   ]
/// }
/// ```
///
/// Partners and events use the import format (README, "Data formats");
/// `partners_file` / `events_file` (paths relative to the fixture) let
/// fixtures share data. Cases run in order, each continuing from the state
/// the previous one left, so reviews, demotions and escalation can be tested
/// over time.
public struct Fixture: Sendable {
    public var file: String
    public var url: URL
    public var description: String
    /// Inline records in import (JSON Lines) form, one JSON object per element.
    public var partnerLines: [String]
    public var eventLines: [String]
    /// Shared import files, resolved.
    public var files: [URL]
    public var cases: [FixtureCase]
}

public struct FixtureCase: Sendable {
    public var name: String
    public var asOf: Day
    /// Partner id → what is expected of it.
    public var expectations: [(partnerID: String, expectation: Expectation)]
    /// Index in the fixture's case list (1-based), for messages.
    public var index: Int
    /// Tasks someone acknowledges after this case's run (so later cases see them).
    public var acknowledgements: [Acknowledgement] = []
}

/// A fixture case's `acknowledge` entry: the open task of a partner's alert
/// is acknowledged on a day, as `partnerscore tasks ack` would.
public struct Acknowledgement: Sendable {
    public var partnerID: String
    public var alert: AlertKey
    public var on: Day
    public var note: String?
}

/// What a fixture expects of one partner after one evaluation. Only the
/// fields given are checked.
public struct Expectation: Sendable {
    public var tier: String??
    public var standing: Standing?
    public var tierEvent: TierEvent?
    public var qualifiesFor: String??
    public var healthBand: String?
    public var healthMin: Double?
    public var healthMax: Double?
    /// Gate name → status.
    public var gates: [String: GateStatus] = [:]
    /// Milestone → status.
    public var milestones: [MilestoneRule.Step: MilestoneResult.Status] = [:]
    /// Open alerts ("kind:subject"), exactly (nil: not checked).
    public var alerts: [String]?
    /// Alerts that must be open (others may be too).
    public var alertsInclude: [String] = []
    public var intervention: String??
    public var interventionStep: Int?
    public var suspendedProducts: [String]?
    public var authorizedProducts: ProductAuthorization?
    public var benefits: [String: BenefitValue] = [:]
    /// Declared measure → its value in the partner's snapshot.
    public var measures: [String: ExpectedValue] = [:]
    /// Catalogue metric → its value in the partner's snapshot.
    public var metrics: [String: ExpectedValue] = [:]
    /// Incentive rule → what it pays for the period holding the case's day (to the cent).
    public var incentives: [String: ExactDecimal] = [:]

    /// What a partner may sell: the products of its list that are not suspended, or every product but the suspended ones.
    public enum ProductAuthorization: Sendable, Equatable {
        case only([String])
        case all
    }
}

/// A value a fixture expects a measure or metric to have: a number (money
/// compared to the cent, ratios to 1e-9, everything else exactly), a text
/// (a date as YYYY-MM-DD, or a text latest value), or none (`null`).
public enum ExpectedValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case text(String)
    case none

    public var description: String {
        switch self {
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .text(let t): t
        case .none: "none"
        }
    }
}

/// A fixture that cannot be read: names the file and the JSON path.
public struct FixtureError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var path: String
    public var message: String
    public var description: String { "\(file): \(path.isEmpty ? "" : path + ": ")\(message)" }
}

extension FixtureError: ProblemConvertible {
    public var problem: Problem {
        Problem("invalid_fixture", .invalid, message: description, file: file, field: path.isEmpty ? nil : path)
    }
}

extension Fixture {
    static let topLevelKeys: Set<String> = ["description", "partners", "partners_file", "events", "events_file", "cases"]
    static let expectationKeys: Set<String> = [
        "tier", "standing", "tier_event", "qualifies_for", "health_band", "health_min", "health_max", "gates", "milestones",
        "alerts", "alerts_include", "intervention", "intervention_step", "suspended_products", "authorized_products", "benefits",
        "measures", "metrics", "incentives",
    ]

    /// Read and validate the fixture at `url`, named `display` in messages.
    public init(url: URL, display: String) throws {
        func fail(_ path: String, _ message: String) -> FixtureError { FixtureError(file: display, path: path, message: message) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw fail("", "cannot read: \(error.localizedDescription)") }
        // Read as strictly as imports and request bodies first: a trailing comma or a key written
        // twice (the second silently winning) would lose an expectation without a word.
        let text = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
        do { _ = try JSONValue(parsing: text) } catch {
            let line = text.prefix(max(0, error.column - 1)).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw fail("", "not valid JSON at line \(line): \(error.message) — fixtures are read strictly (RFC 8259: "
                + "no trailing comma, no key twice, no comments)")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw fail("", "not valid JSON (\(error.localizedDescription)) — check commas and quotes")
        }
        guard let root = object as? [String: Any] else { throw fail("", "expected a JSON object at the top") }
        for key in root.keys where !Self.topLevelKeys.contains(key) {
            throw fail(key, "unknown key (expected \(Self.topLevelKeys.sorted().joined(separator: ", ")))")
        }
        self.file = display
        self.url = url
        self.description = root["description"] as? String ?? url.deletingPathExtension().lastPathComponent
        func lines(_ key: String) throws -> [String] {
            guard let value = root[key] else { return [] }
            guard let list = value as? [Any] else { throw fail(key, "expected a list of records") }
            return try list.enumerated().map { index, item in
                guard item is [String: Any] else { throw fail("\(key)[\(index + 1)]", "expected an object") }
                return String(decoding: try JSONSerialization.data(withJSONObject: item, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        partnerLines = try lines("partners")
        eventLines = try lines("events")
        var files: [URL] = []
        for key in ["partners_file", "events_file"] {
            guard let value = root[key] else { continue }
            let names: [String]
            if let one = value as? String { names = [one] } else if let many = value as? [String] { names = many } else {
                throw fail(key, "expected a path (or a list of paths) relative to the fixture")
            }
            for name in names {
                let file = url.deletingLastPathComponent().appendingPathComponent(name).standardizedFileURL
                guard FileManager.default.fileExists(atPath: file.path) else { throw fail(key, "no file \(name) beside the fixture") }
                files.append(file)
            }
        }
        self.files = files
        guard let caseList = root["cases"] as? [Any], !caseList.isEmpty else {
            throw fail("cases", "expected a non-empty list of { \"name\", \"as_of\", \"expect\" }")
        }
        var cases: [FixtureCase] = []
        var previous: Day?
        for (index, item) in caseList.enumerated() {
            let path = "cases[\(index + 1)]"
            guard let spec = item as? [String: Any] else { throw fail(path, "expected an object") }
            for key in spec.keys where !["name", "as_of", "expect", "acknowledge"].contains(key) {
                throw fail("\(path).\(key)", "unknown key (expected name, as_of, expect, acknowledge)")
            }
            guard let asOfText = spec["as_of"] as? String else { throw fail("\(path).as_of", "expected a date as YYYY-MM-DD") }
            let asOf: Day
            do { asOf = try Day(parsing: asOfText) } catch { throw fail("\(path).as_of", "\(error)") }
            if let previous, asOf <= previous {
                throw fail("\(path).as_of", "cases run in time order: \(asOf) is not after \(previous)")
            }
            previous = asOf
            guard let expect = spec["expect"] as? [String: Any], !expect.isEmpty else {
                throw fail("\(path).expect", "expected { \"PARTNER_ID\": { \"tier\": ..., ... } }")
            }
            var expectations: [(String, Expectation)] = []
            for partnerID in expect.keys.sorted() {
                expectations.append((partnerID, try Self.expectation(expect[partnerID]!, path: "\(path).expect.\(partnerID)", fail: fail)))
            }
            cases.append(FixtureCase(name: spec["name"] as? String ?? "as of \(asOf)", asOf: asOf,
                                     expectations: expectations, index: index + 1,
                                     acknowledgements: try Self.acknowledgements(spec["acknowledge"], asOf: asOf, path: "\(path).acknowledge", fail: fail)))
        }
        self.cases = cases
    }

    /// `[{ "partner": "T-1", "alert": "health_red:health", "on": "2026-02-03", "note": "..." }]`; `on` defaults to the case's day.
    static func acknowledgements(_ value: Any?, asOf: Day, path: String, fail: (String, String) -> FixtureError) throws -> [Acknowledgement] {
        guard let value else { return [] }
        let shape = "a list of { \"partner\": ID, \"alert\": \"KIND:SUBJECT\", \"on\": \"YYYY-MM-DD\" (default: the case's as_of), \"note\"? }"
        guard let list = value as? [Any] else { throw fail(path, "expected \(shape)") }
        return try list.enumerated().map { i, item in
            let at = "\(path)[\(i + 1)]"
            guard let entry = item as? [String: Any] else { throw fail(at, "expected \(shape)") }
            for key in entry.keys where !["partner", "alert", "on", "note"].contains(key) {
                throw fail("\(at).\(key)", "unknown key (expected partner, alert, on, note)")
            }
            guard let partner = entry["partner"] as? String, !partner.isEmpty else { throw fail("\(at).partner", "expected a partner id") }
            guard let text = entry["alert"] as? String, let colon = text.firstIndex(of: ":"),
                  let kind = AlertKind(rawValue: String(text[..<colon])) else {
                throw fail("\(at).alert", "expected KIND:SUBJECT (kinds: \(AlertKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var on = asOf
            if let day = entry["on"] {
                guard let dayText = day as? String else { throw fail("\(at).on", "expected a date as YYYY-MM-DD") }
                do { on = try Day(parsing: dayText) } catch { throw fail("\(at).on", "\(error)") }
            }
            if let note = entry["note"], !(note is String) { throw fail("\(at).note", "expected a string") }
            return Acknowledgement(partnerID: partner, alert: AlertKey(kind: kind, subject: String(text[text.index(after: colon)...])),
                                   on: on, note: entry["note"] as? String)
        }
    }

    static func expectation(_ value: Any, path: String, fail: (String, String) -> FixtureError) throws -> Expectation {
        guard let spec = value as? [String: Any] else { throw fail(path, "expected an object of expected fields") }
        for key in spec.keys where !expectationKeys.contains(key) {
            throw fail("\(path).\(key)", "unknown expectation" + Suggestion.didYouMean(key, among: expectationKeys.sorted())
                + " (expected \(expectationKeys.sorted().joined(separator: ", ")))")
        }
        var e = Expectation()
        func text(_ key: String) throws -> String? {
            guard let v = spec[key] else { return nil }
            guard let s = v as? String else { throw fail("\(path).\(key)", "expected a string") }
            return s
        }
        func optionalText(_ key: String) throws -> String?? {
            guard let v = spec[key] else { return nil }
            if v is NSNull { return .some(nil) }
            guard let s = v as? String else { throw fail("\(path).\(key)", "expected a string or null") }
            return .some(s)
        }
        func number(_ key: String) throws -> Double? {
            guard let v = spec[key] else { return nil }
            guard let n = v as? NSNumber, !isJSONBoolean(v) else { throw fail("\(path).\(key)", "expected a number") }
            return n.doubleValue
        }
        func strings(_ key: String) throws -> [String]? {
            guard let v = spec[key] else { return nil }
            guard let list = v as? [String] else { throw fail("\(path).\(key)", "expected a list of strings") }
            return list
        }
        func enumValue<T: RawRepresentable>(_ key: String, _ raw: String?, _ all: [T]) throws -> T? where T.RawValue == String {
            guard let raw else { return nil }
            guard let value = T(rawValue: raw) else {
                throw fail("\(path).\(key)", "unknown value '\(raw)' (expected \(all.map(\.rawValue).joined(separator: ", ")))")
            }
            return value
        }
        e.tier = try optionalText("tier")
        e.standing = try enumValue("standing", text("standing"), [Standing.good, .review, .none])
        e.tierEvent = try enumValue("tier_event", text("tier_event"), TierEvent.allCases)
        e.qualifiesFor = try optionalText("qualifies_for")
        e.healthBand = try text("health_band")
        e.healthMin = try number("health_min")
        e.healthMax = try number("health_max")
        if let gates = spec["gates"] {
            guard let map = gates as? [String: String] else { throw fail("\(path).gates", "expected { \"GATE\": \"ok|warning|lapsed|not_applicable\" }") }
            for (gate, status) in map {
                e.gates[gate] = try enumValue("gates.\(gate)", status, [GateStatus.ok, .warning, .lapsed, .notApplicable])
            }
        }
        if let milestones = spec["milestones"] {
            guard let map = milestones as? [String: String] else { throw fail("\(path).milestones", "expected { \"first_login\": \"met_on_time\", ... }") }
            for (name, status) in map {
                guard let step = MilestoneRule.Step(rawValue: name) else {
                    throw fail("\(path).milestones.\(name)", "unknown milestone (expected \(MilestoneRule.Step.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                e.milestones[step] = try enumValue("milestones.\(name)", status,
                                                   [MilestoneResult.Status.metOnTime, .metLate, .overdue, .pending])
            }
        }
        e.alerts = try strings("alerts")
        e.alertsInclude = try strings("alerts_include") ?? []
        for alert in (e.alerts ?? []) + e.alertsInclude {
            let kind = alert.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            guard AlertKind(rawValue: kind) != nil, alert.contains(":") else {
                throw fail("\(path).alerts", "'\(alert)' is not KIND:SUBJECT (kinds: \(AlertKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        e.intervention = try optionalText("intervention")
        e.interventionStep = try number("intervention_step").map { Int($0) }
        e.suspendedProducts = try strings("suspended_products")
        switch spec["authorized_products"] {
        case nil: break
        case let text as String where text == "all": e.authorizedProducts = .all
        case let list as [String]: e.authorizedProducts = .only(list)
        default:
            throw fail("\(path).authorized_products",
                       "expected the products the partner may sell, [\"scheduling\"], or \"all\" for every product but the suspended ones (an empty product list)")
        }
        for key in ["measures", "metrics"] {
            guard let given = spec[key] else { continue }
            guard let map = given as? [String: Any] else {
                throw fail("\(path).\(key)", "expected { \"name\": value } (a number, a \"YYYY-MM-DD\" date or text, or null for none)")
            }
            var values: [String: ExpectedValue] = [:]
            for (name, value) in map {
                switch value {
                case is NSNull: values[name] = ExpectedValue.none
                case let text as String: values[name] = .text(text)
                case let n as NSNumber where !isJSONBoolean(value): values[name] = .number(n.doubleValue)
                default: throw fail("\(path).\(key).\(name)", "expected a number, a \"YYYY-MM-DD\" date or text, or null for none")
                }
                if key == "metrics", Metric(name: name) == nil {
                    throw fail("\(path).metrics.\(name)", "unknown metric '\(name)'" + MetricNames.suggestion(for: name)
                               + " (declared measures go under \"measures\")")
                }
            }
            if key == "measures" { e.measures = values } else { e.metrics = values }
        }
        if let given = spec["incentives"] {
            let help = "expected { \"rule name\": amount } (what the rule pays for the period holding the case's day, e.g. 480.00)"
            guard let map = given as? [String: Any] else { throw fail("\(path).incentives", help) }
            for (name, value) in map {
                let amount: ExactDecimal?
                switch value {
                case let text as String: amount = ExactDecimal(text: text)
                case let n as NSNumber where !isJSONBoolean(value): amount = ExactDecimal(number: n.doubleValue)
                default: amount = nil
                }
                guard let amount else { throw fail("\(path).incentives.\(name)", help) }
                e.incentives[name] = amount
            }
        }
        if let benefits = spec["benefits"] {
            guard let map = benefits as? [String: Any] else { throw fail("\(path).benefits", "expected { \"benefit\": value }") }
            for (name, value) in map {
                switch value {
                case let b as Bool where isJSONBoolean(value): e.benefits[name] = .flag(b)
                case let n as NSNumber: e.benefits[name] = .number(n.doubleValue)
                case let s as String: e.benefits[name] = .text(s)
                default: throw fail("\(path).benefits.\(name)", "expected a number, text or boolean")
                }
            }
        }
        return e
    }
}

/// JSONSerialization gives booleans and numbers both as NSNumber, and on
/// Linux `1 is Bool` holds: tell them apart by the boolean's own class.
func isJSONBoolean(_ value: Any) -> Bool {
    String(describing: type(of: value)).contains("Boolean") || type(of: value) == Bool.self
}
