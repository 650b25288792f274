import Foundation
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramEvaluation

/// Runs a policy set's fixtures: each fixture in a fresh in-memory store,
/// its cases in order through real evaluation runs, and compares what each
/// partner got with what the fixture expects.
public struct FixtureRunner {
    public let setDirectory: URL
    public let displayPath: String
    /// Receives every evaluation (for coverage).
    public var observe: ((PartnerEvaluation) -> Void)?

    public init(setDirectory: URL, displayPath: String) {
        self.setDirectory = setDirectory
        self.displayPath = displayPath
    }

    /// The fixture files of the set, in name order.
    public var fixtureFiles: [URL] {
        let folder = setDirectory.appendingPathComponent("fixtures")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Run every fixture against `policySet` (loaded from `setDirectory`).
    /// What its functions print is captured and kept beside failing cases.
    public func run(policySet: PolicySet) -> [CaseResult] {
        if policySet.printCapture == nil { policySet.printCapture = PrintCapture() }
        var results: [CaseResult] = []
        for url in fixtureFiles {
            let display = displayPath + "/fixtures/" + url.lastPathComponent
            do {
                let fixture = try Fixture(url: url, display: display)
                results.append(contentsOf: run(fixture, policySet: policySet))
            } catch {
                results.append(CaseResult(set: policySet.name, fixture: display, fixtureDescription: "", name: "(fixture)",
                                          asOf: nil, failures: [], error: String(describing: error)))
            }
        }
        return results
    }

    func run(_ fixture: Fixture, policySet: PolicySet) -> [CaseResult] {
        func failed(_ fixtureCase: FixtureCase?, _ message: String) -> CaseResult {
            CaseResult(set: policySet.name, fixture: fixture.file, fixtureDescription: fixture.description,
                       name: fixtureCase?.name ?? "(fixture data)", asOf: fixtureCase?.asOf, failures: [], error: message)
        }
        let store: PartnerStore
        do {
            store = try self.store(for: fixture, kinds: EventKinds(custom: policySet.measures.customKinds))
        } catch {
            return [failed(nil, Self.importMessage(String(describing: error)))]
        }
        for fixtureCase in fixture.cases {
            for (partnerID, expectation) in fixtureCase.expectations {
                for name in expectation.measures.keys.sorted() where policySet.measures.index(of: name) == nil {
                    let near = Suggestion.closest(to: name, among: policySet.measures.names).map { " — did you mean '\($0)'?" } ?? ""
                    return [failed(fixtureCase, "\(fixture.file): cases[\(fixtureCase.index)].expect.\(partnerID).measures.\(name): "
                                   + "no measure named '\(name)' in this set\(near) (declared: "
                                   + (policySet.measures.shownCount == 0 ? "none" : policySet.measures.names.joined(separator: ", ")) + ")")]
                }
            }
        }
        var results: [CaseResult] = []
        // One worker: the set's own Lua state evaluates every partner, so its
        // coverage and captured prints see them all (and no copy is compiled per case).
        let run = ProgramRun(store: store, policySet: policySet, jobs: 1)
        let capture = policySet.printCapture
        var failedCase: String?
        for fixtureCase in fixture.cases {
            // Each case starts from the state the one before recorded: after an error there is none to start from.
            if let failedCase {
                results.append(failed(fixtureCase, "not run: case '\(failedCase)' of this fixture failed, and each case starts from the one before"))
                continue
            }
            var got: [String: PartnerEvaluation] = [:]
            capture?.clear()
            /// What policy functions printed while evaluating these partners, if anything.
            func printed(_ partners: [String]) -> [String: [String]]? {
                let lines = Dictionary(uniqueKeysWithValues: partners.map { ($0, capture?.lines(of: $0) ?? []) }).filter { !$0.value.isEmpty }
                return lines.isEmpty ? nil : lines
            }
            do {
                try run.evaluate(asOf: fixtureCase.asOf, dryRun: false) { evaluation in
                    got[evaluation.partnerID] = evaluation
                    observe?(evaluation)
                }
            } catch {
                var result = failed(fixtureCase, String(describing: error))
                if case .policyFunction(let partner, _) = error as? PartnerEvaluator.Failure { result.printed = printed([partner]) }
                results.append(result)
                failedCase = fixtureCase.name
                continue
            }
            // Measures and metrics are read from the partners' snapshots.
            var snapshots: [String: PartnerSnapshot] = [:]
            let measured = fixtureCase.expectations.filter { !$0.expectation.measures.isEmpty || !$0.expectation.metrics.isEmpty }
            if !measured.isEmpty {
                do {
                    for snapshot in try SnapshotCalculator(store: store, measures: policySet.measures)
                        .snapshots(asOf: fixtureCase.asOf, partnerIDs: measured.map(\.partnerID)) {
                        snapshots[snapshot.partner.id] = snapshot
                    }
                } catch {
                    results.append(failed(fixtureCase, String(describing: error)))
                    continue
                }
            }
            var mismatches: [Mismatch] = []
            for (partnerID, expectation) in fixtureCase.expectations {
                if let snapshot = snapshots[partnerID] {
                    mismatches.append(contentsOf: ExpectationCheck.compareValues(expectation, snapshot, measures: policySet.measures))
                }
                guard let evaluation = got[partnerID] else {
                    mismatches.append(Mismatch(partnerID: partnerID, field: "partner", expected: "evaluated", actual:
                        "not evaluated (unknown id, a program this set does not govern, enrolled after \(fixtureCase.asOf), or terminated)",
                        detail: []))
                    continue
                }
                mismatches.append(contentsOf: ExpectationCheck.compare(expectation, evaluation, policy: policySet.policy(forProgram: evaluation.program)))
            }
            var result = CaseResult(set: policySet.name, fixture: fixture.file, fixtureDescription: fixture.description,
                                    name: fixtureCase.name, asOf: fixtureCase.asOf, failures: mismatches, error: nil)
            result.printed = printed(Array(Set(mismatches.map(\.partnerID))))
            do {
                try acknowledge(fixtureCase, file: fixture.file, in: store, policySet: policySet.name)
            } catch {
                result.error = String(describing: error)
            }
            results.append(result)
        }
        return results
    }

    /// Acknowledge the tasks the case names, as someone would after its run.
    func acknowledge(_ fixtureCase: FixtureCase, file: String, in store: PartnerStore, policySet: String) throws {
        for (i, ack) in fixtureCase.acknowledgements.enumerated() {
            let at = "cases[\(fixtureCase.index)].acknowledge[\(i + 1)]"
            try store.database.write { session in
                guard let task = try TaskLedger.activeTask(session, policySet: policySet, partnerID: ack.partnerID, alert: ack.alert) else {
                    let open = try TaskLedger.tasks(session, .init(partnerID: ack.partnerID, statuses: [.open, .acknowledged], policySet: policySet))
                    throw FixtureError(file: file, path: at, message: "partner \(ack.partnerID) has no open task for alert \(ack.alert) after this case "
                        + (open.isEmpty ? "(it has none open)" : "(its open tasks: " + open.map { "\($0.alert) step \($0.step)" }.joined(separator: ", ") + ")"))
                }
                do {
                    try TaskLedger.acknowledge(session, id: task.id, on: ack.on, note: ack.note)
                } catch let failure as TaskFailure {
                    throw FixtureError(file: file, path: at, message: failure.description)
                }
            }
        }
    }

    /// A fresh in-memory store holding the fixture's partners and events
    /// (what its cases evaluate, and what `partnerscore lua --fixture` reads).
    /// `kinds`: the event kinds the fixture may use (its set's custom kinds).
    public func store(for fixture: Fixture, kinds: EventKinds = .builtIn) throws -> PartnerStore {
        let store = try PartnerStore(inMemoryExtendingMigrations: LedgerSchema.register)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("partnerscore-fixture-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        var paths = fixture.files.map(\.path)
        var names: [String: String] = [:]
        for url in fixture.files {
            names[url.path] = displayPath + "/fixtures/" + String(url.path.dropFirst(setDirectory.appendingPathComponent("fixtures").path.count + 1))
        }
        for (key, lines) in [("partners", fixture.partnerLines), ("events", fixture.eventLines)] where !lines.isEmpty {
            let path = scratch.appendingPathComponent("\(key).jsonl").path
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
            names[path] = "\(fixture.file) (\(key), record"
        }
        if !paths.isEmpty { try store.importFiles(paths, kinds: kinds, displayNames: names) }
        return store
    }

    /// Import errors name the scratch file as "FIXTURE (events, record:LINE: ..."; make that read well.
    static func importMessage(_ text: String) -> String {
        guard let range = text.range(of: ", record:") else { return "fixture data: " + text }
        var rest = text[range.upperBound...]
        let digits = rest.prefix { $0.isNumber }
        rest = rest.dropFirst(digits.count)
        return String(text[..<range.lowerBound]) + ", record \(digits))" + rest
    }
}

/// The outcome of one fixture case.
public struct CaseResult: Sendable, Codable {
    public var set: String
    public var fixture: String
    public var fixtureDescription: String
    public var name: String
    public var asOf: Day?
    public var failures: [Mismatch]
    /// The case could not run (bad fixture, policy error).
    public var error: String?
    /// What policy functions printed while evaluating the partners the case
    /// failed on, by partner (nil when nothing was printed or it passed).
    public var printed: [String: [String]]?

    public var passed: Bool { failures.isEmpty && error == nil }

    public init(set: String, fixture: String, fixtureDescription: String, name: String, asOf: Day?, failures: [Mismatch],
                error: String?) {
        self.set = set
        self.fixture = fixture
        self.fixtureDescription = fixtureDescription
        self.name = name
        self.asOf = asOf
        self.failures = failures
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case set, fixture, fixtureDescription = "fixture_description", name, asOf = "as_of", failures, error
    }
}

/// One expectation not met: expected against actual, in domain terms, with
/// the evidence (criteria, components) behind it.
public struct Mismatch: Sendable, Codable {
    public var partnerID: String
    public var field: String
    public var expected: String
    public var actual: String
    public var detail: [String]

    enum CodingKeys: String, CodingKey {
        case partnerID = "partner_id", field, expected, actual, detail
    }
}

/// Compares an expectation with an evaluation.
enum ExpectationCheck {
    static func compare(_ e: Expectation, _ got: PartnerEvaluation, policy: Policy?) -> [Mismatch] {
        var out: [Mismatch] = []
        func add(_ field: String, _ expected: String, _ actual: String, _ detail: [String] = []) {
            out.append(Mismatch(partnerID: got.partnerID, field: field, expected: expected, actual: actual, detail: detail))
        }
        // An expected name the policy does not have is most likely a typo: say so first.
        func unknown(_ name: String?, among names: [String]?, _ what: String) -> [String] {
            guard let name, let names, !names.contains(name) else { return [] }
            return ["'\(name)' is not \(what) of this policy" + Suggestion.didYouMean(name, among: names)]
        }
        let tierNames = policy.map { $0.tiers.map(\.name) }
        for (name, expected) in e.incentives.sorted(by: { $0.key < $1.key }) {
            guard let earned = got.incentives.first(where: { $0.name == name }) else {
                let rules = policy?.incentives?.rules.map(\.name) ?? []
                add("incentive \(name)", expected.text(places: 2), "no such rule"
                    + (Suggestion.closest(to: name, among: rules).map { " — did you mean '\($0)'?" } ?? "")
                    + " (rules: " + (rules.isEmpty ? "none" : rules.joined(separator: ", ")) + ")")
                continue
            }
            if earned.amount != expected.cents {
                add("incentive \(name)", expected.cents.text(places: 2), earned.amount.text(places: 2), IncentiveWords.why(earned))
            }
        }
        let tierContext = tierDetail(got)
        if let tier = e.tier, tier != got.tier {
            add("tier", tier ?? "no tier", got.tier ?? "no tier", unknown(tier, among: tierNames, "a tier") + tierContext)
        }
        if let standing = e.standing, standing != got.standing {
            add("standing", standing.rawValue, got.standing.rawValue, tierContext)
        }
        if let event = e.tierEvent, event != got.tierEvent {
            add("tier event", event.rawValue, got.tierEvent.rawValue, tierContext)
        }
        if let qualifies = e.qualifiesFor, qualifies != got.qualifiesFor {
            add("qualifies for", qualifies ?? "no tier", got.qualifiesFor ?? "no tier", unknown(qualifies, among: tierNames, "a tier") + tierContext)
        }
        let healthContext = got.health.components.map {
            "\($0.name): score \(String(format: "%.2f", $0.score)) × weight → \(PolicyEngine.Format.number($0.contribution)) points (\($0.observed) against \($0.target))"
        }
        if let band = e.healthBand, band != got.health.band {
            add("health band", band, "\(got.health.band) (score \(PolicyEngine.Format.number(got.health.score)))",
                unknown(band, among: policy.map { $0.health.bands.map(\.name) }, "a health band") + healthContext)
        }
        if let minimum = e.healthMin, got.health.score < minimum {
            add("health score", "≥ \(PolicyEngine.Format.number(minimum))", PolicyEngine.Format.number(got.health.score), healthContext)
        }
        if let maximum = e.healthMax, got.health.score > maximum {
            add("health score", "≤ \(PolicyEngine.Format.number(maximum))", PolicyEngine.Format.number(got.health.score), healthContext)
        }
        for (name, status) in e.gates.sorted(by: { $0.key < $1.key }) {
            guard let gate = got.gates.first(where: { $0.gate == name }) else {
                add("gate \(name)", status.rawValue, "no such gate (policy has: \(got.gates.map(\.gate).joined(separator: ", ")))"
                    + Suggestion.didYouMean(name, among: got.gates.map(\.gate)))
                continue
            }
            if gate.status != status {
                add("gate \(name)", status.rawValue, gate.status.rawValue,
                    ["\(gate.requirement): " + (gate.expires.map { "expires \($0) (\(TextFormat.count(gate.daysToExpiry ?? 0, "day")))" } ?? "never recorded")])
            }
        }
        for (step, status) in e.milestones.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard let m = got.milestones.first(where: { $0.milestone == step }) else {
                add("milestone \(step.rawValue)", status.rawValue, "not tracked by this policy")
                continue
            }
            if m.status != status {
                add("milestone \(step.rawValue)", status.rawValue, "\(m.status.rawValue) (\(TextFormat.count(m.days, "day")))",
                    ["deadline \(m.deadline), reached \(m.reached?.description ?? "not yet")"])
            }
        }
        let open = got.alerts.map { $0.key.description }.sorted()
        let alertDetail = got.alerts.map {
            "\($0.key): open since \($0.firstRaised), step \($0.step)" + ($0.intervention.map { " — \($0)" } ?? "")
                + ($0.pausedUntil.map { " (its task is acknowledged: paused until \($0))" } ?? "")
        }
        if let alerts = e.alerts, alerts.sorted() != open {
            add("open alerts", alerts.isEmpty ? "none" : alerts.sorted().joined(separator: ", "),
                open.isEmpty ? "none" : open.joined(separator: ", "), alertDetail)
        }
        for alert in e.alertsInclude where !open.contains(alert) {
            add("open alerts", "includes \(alert)", open.isEmpty ? "none" : open.joined(separator: ", "), alertDetail)
        }
        if let intervention = e.intervention, intervention != got.intervention?.action {
            add("intervention", intervention ?? "none", got.intervention?.action ?? "none",
                unknown(intervention, among: policy.map { $0.interventions.map(\.action) }, "a step's action") + alertDetail)
        }
        if let step = e.interventionStep, step != (got.intervention?.step ?? 0) {
            add("intervention step", String(step), String(got.intervention?.step ?? 0), alertDetail)
        }
        if let suspended = e.suspendedProducts, suspended.sorted() != got.suspendedProducts.sorted() {
            add("suspended products", suspended.isEmpty ? "none" : suspended.sorted().joined(separator: ", "),
                got.suspendedProducts.isEmpty ? "none" : got.suspendedProducts.joined(separator: ", "),
                got.gates.map { "\($0.gate): \($0.status.rawValue)" })
        }
        if let authorized = e.authorizedProducts {
            let actual: Expectation.ProductAuthorization = got.authorizedAllProducts ? .all : .only(got.authorizedProducts.sorted())
            let expected: Expectation.ProductAuthorization = switch authorized {
            case .all: .all
            case .only(let list): .only(list.sorted())
            }
            if expected != actual {
                func words(_ a: Expectation.ProductAuthorization) -> String {
                    switch a {
                    case .all: "every product" + (got.suspendedProducts.isEmpty ? "" : " except \(got.suspendedProducts.joined(separator: ", "))")
                    case .only(let list): list.isEmpty ? "none" : list.joined(separator: ", ")
                    }
                }
                add("authorized products", words(expected), words(actual), got.gates.map { "\($0.gate): \($0.status.rawValue)" })
            }
        }
        for (name, value) in e.benefits.sorted(by: { $0.key < $1.key }) where got.benefits[name] != value {
            let why = got.suspendedBenefits.contains(name) ? "suspended by a lapsed compliance gate" : "not a benefit of tier \(got.tier ?? "none")"
            add("benefit \(name)", value.description, got.benefits[name]?.description ?? "none (\(why))",
                unknown(name, among: policy.map { Array(Set($0.tiers.flatMap(\.benefits.keys))).sorted() }, "a benefit of any tier"))
        }
        return out
    }

    /// The expected measures and metrics against the snapshot's values.
    static func compareValues(_ e: Expectation, _ snapshot: PartnerSnapshot, measures: MeasurePlan) -> [Mismatch] {
        var out: [Mismatch] = []
        func check(_ field: String, _ expected: ExpectedValue, _ value: Double?, _ text: String?, _ type: MeasureType, _ meaning: String) {
            let actual: String = if let value { type == .date ? Day(daysSinceEpoch: Int32(value)).description : Self.number(value) }
                else { text ?? "none" }
            let matches: Bool = switch expected {
            case .none: value == nil && text == nil
            case .text(let t): actual == t && (value == nil || type == .date)
            case .number(let n):
                if let value {
                    switch type {
                    case .money: abs(value - n) < 0.005   // to the cent
                    case .ratio: abs(value - n) <= 1e-9 * max(1, abs(n))
                    default: value == n
                    }
                } else { false }
            }
            if !matches {
                out.append(Mismatch(partnerID: snapshot.partner.id, field: field, expected: expected.description, actual: actual,
                                    detail: [meaning]))
            }
        }
        for (name, expected) in e.measures.sorted(by: { $0.key < $1.key }) {
            guard let i = measures.index(of: name) else { continue }
            check("measure \(name)", expected, snapshot.measure(i), snapshot.measures.text(i), measures.types[i],
                  measures.declarations[i].meaning)
        }
        for (name, expected) in e.metrics.sorted(by: { $0.key < $1.key }) {
            guard let metric = Metric(name: name) else { continue }
            check("metric \(name)", expected, snapshot[metric], nil, MeasureType(metric), metric.meaning)
        }
        return out
    }

    /// A value in full (not rounded as evidence shows it): exact comparisons need every digit.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// The criteria that explain a tier outcome: the current tier's and the
    /// next tier's, with observed against required values.
    static func tierDetail(_ got: PartnerEvaluation) -> [String] {
        var lines = ["tier event \(got.tierEvent.rawValue); qualifies for \(got.qualifiesFor ?? "no tier")"
            + (got.review.map { "; in review since \($0.opened) until \($0.deadline)" } ?? "")]
        for row in got.criteria {
            lines.append("\(row.passed ? "✓" : "✗") \(row.tier) \(row.phase.rawValue): \(row.label) — has \(row.observed)"
                + (row.line.map { "   [\(row.file):\($0)]" } ?? ""))
        }
        return lines
    }
}
