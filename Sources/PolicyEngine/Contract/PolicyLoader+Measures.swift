import LuaHost
import PartnerModel

/// The `measures` field of a policy: `ps.measure`, `ps.periods`, `ps.ratio`,
/// `ps.difference` and `ps.growth` declarations, or lists of them (a shared
/// module's list is included as one item and flattened).
///
/// Every error names the file and line of the declaration's constructor call
/// (a module's own file for a measure a module declares), the field, and a
/// did-you-mean for unknown kinds, aggregations, windows and fields.
/// Cross-references (operands, cycles) and types are checked by
/// ``MeasurePlan`` once the set's declarations are gathered.
extension PolicyLoader {
    func measures(from root: LuaValue) throws -> [MeasureDeclaration] {
        guard case .table(let fields) = root, let value = fields["measures"] else { return [] }
        let policyLine = ContractTable.line(of: root)
        func notAMeasure(_ field: String) -> PolicyError {
            PolicyError(.validation, file: file, line: policyLine, field: field,
                        "expected ps.measure \"name\" { ... } (or ps.periods, ps.ratio, ps.difference, ps.growth), or a list of them")
        }
        guard let list = value.arrayValue else { throw notAMeasure("measures") }
        var declarations: [MeasureDeclaration] = []
        for (i, item) in list.enumerated() {
            let field = "measures[\(i + 1)]"
            if item["_kind"] == "measure" {
                declarations.append(try measure(item, field: field))
            } else if let inner = item.arrayValue, !inner.isEmpty {
                for (j, element) in inner.enumerated() {
                    guard element["_kind"] == "measure" else { throw notAMeasure("\(field)[\(j + 1)]") }
                    declarations.append(try measure(element, field: "\(field)[\(j + 1)]"))
                }
            } else {
                throw notAMeasure(field)
            }
        }
        return declarations
    }

    static let measureForms = ["events": "ps.measure", "periods": "ps.periods", "ratio": "ps.ratio",
                               "difference": "ps.difference", "growth": "ps.growth"]

    private func measure(_ value: LuaValue, field: String) throws -> MeasureDeclaration {
        guard case .table(let spec) = value else { throw PolicyError(.validation, file: file, field: field, "expected a measure") }
        // A measure a module declares is reported in the module's file.
        let where_ = spec["_file"]?.stringValue ?? file
        let line = ContractTable.line(of: value)
        func fail(_ sub: String, _ message: String) -> PolicyError {
            PolicyError(.validation, file: where_, line: line, field: sub.isEmpty ? field : "\(field).\(sub)", message)
        }
        let form = spec["_form"]?.stringValue ?? "events"
        let constructor = Self.measureForms[form] ?? "ps.measure"
        guard let name = spec["name"]?.stringValue, !name.isEmpty else {
            throw fail("name", "expected \(constructor) \"name\" { ... } with a name such as \"deals_won_6m\"")
        }
        // The contract's fields (Contract), checked as every table of a policy is: strictly, with a did-you-mean.
        let allowed = form == "events" ? Contract.fieldNames(of: .measure)
            : form == "periods" ? Contract.fieldNames(of: .periods) : ["name", "1", "2"] + Contract.fieldNames(of: .derivedMeasure)
        for key in spec.keys.sorted() where !ContractTable.recorded.contains(key) && key != "_form" && !allowed.contains(key) {
            if form != "events", form != "periods", Int(key) != nil {
                throw fail("", "\(constructor) takes exactly two operands, measures or metrics: \(constructor) \"\(name)\" { \"a\", \"b\" }")
            }
            let hint = form == "events" && Contract.fieldNames(of: .periods).contains(key) ? " ('\(key)' belongs to ps.periods)"
                : form == "periods" && key == "window" ? " (ps.periods takes every = \"month\" and last = N instead of a window)"
                : Suggestion.didYouMean(key, among: allowed.filter { Int($0) == nil })
            throw fail(key, "unknown field '\(key)' of \(constructor)\(hint) (expected \(ContractTable.list(allowed.filter { Int($0) == nil })))")
        }
        let meaning = try optionalText(spec["meaning"], fail: { fail("meaning", $0) })
        let definition: MeasureDefinition
        switch form {
        case "events":
            let selection = try self.selection(spec, fail: fail)
            let aggregation = try self.aggregation(spec["aggregate"], fail: fail)
            let place = Place(field: field, line: line, file: where_)
            let window = try self.window(spec, aggregation: aggregation, place: place, fail: fail)
            definition = .events(EventAggregate(events: selection, window: window, aggregation: aggregation,
                                                number: try number(spec["of"], aggregation, fail: fail),
                                                ago: try ago(spec["ago"], place: place), format: try format(spec["format"], fail: fail)))
        case "periods":
            let selection = try self.selection(spec, fail: fail)
            let aggregation = try self.aggregation(spec["aggregate"], fail: fail)
            guard let everyText = spec["every"]?.stringValue else {
                throw fail("every", "expected the calendar period: \"month\", \"quarter\", \"half\" or \"year\"")
            }
            guard let every = CalendarUnit(rawValue: everyText) else {
                throw fail("every", "unknown period '\(everyText)'" + didYouMean(everyText, CalendarUnit.allCases.map(\.rawValue))
                           + " (expected month, quarter, half or year)")
            }
            guard case .integer(let last) = spec["last"], (1...120).contains(last), Int(last) * every.months <= 1_200 else {
                throw fail("last", "expected how many periods to look at, a whole number from 1 to 120 reaching at most 100 years back "
                           + "(the last one is the current period)")
            }
            let conditions: [(String, Comparison)] = [("at_least", .atLeast), ("above", .above), ("at_most", .atMost), ("below", .below)]
            let given = conditions.filter { spec[$0.0] != nil }
            guard given.count == 1, let threshold = spec[given[0].0]?.doubleValue else {
                throw fail(given.first?.0 ?? "at_least",
                           "expected one condition a period must meet: at_least = N, above = N, at_most = N or below = N (a number)")
            }
            let fiscal = try fiscalYearStart(spec["fiscal_year_start"], fail: fail)
            if fiscal != nil && every == .month {
                throw fail("fiscal_year_start", "months do not depend on the fiscal year; give it with every = \"quarter\", \"half\" or \"year\"")
            }
            definition = .periods(PeriodCount(events: selection, aggregation: aggregation,
                                              number: try number(spec["of"], aggregation, fail: fail), every: every, last: Int(last),
                                              fiscalYearStart: fiscal ?? 1, comparison: given[0].1, threshold: threshold,
                                              ago: try ago(spec["ago"], place: Place(field: field, line: line, file: where_)),
                                              format: try format(spec["format"], fail: fail)))
        default:
            guard let operation = DerivedMeasure.Operation(rawValue: form) else { throw fail("", "unknown measure form '\(form)'") }
            guard let left = spec["1"]?.stringValue, let right = spec["2"]?.stringValue else {
                throw fail("", "expected two operands, measures or metrics: \(constructor) \"\(name)\" { \"a\", \"b\" }")
            }
            definition = .derived(DerivedMeasure(operation, left, right))
        }
        return MeasureDeclaration(name: name, definition: definition, meaning: meaning, file: where_, line: line)
    }

    // MARK: - Parts

    func selection(_ spec: [String: LuaValue], fail: (String, String) -> PolicyError) throws -> EventSelection {
        var kinds: [String] = []
        switch spec["kind"] ?? .nil {
        case .string(let kind): kinds = [kind]
        case let value where value.arrayValue != nil:
            for (i, item) in value.arrayValue!.enumerated() {
                guard let kind = item.stringValue else { throw fail("kind[\(i + 1)]", "expected an event kind") }
                kinds.append(kind)
            }
        default: break
        }
        guard !kinds.isEmpty else {
            throw fail("kind", "expected the event kind to measure, e.g. kind = \"revenue\" (or a list of kinds)")
        }
        for (i, kind) in kinds.enumerated() where !ActivityEvent.Kind.isBuiltIn(kind) {
            let field = kinds.count == 1 ? "kind" : "kind[\(i + 1)]"
            if let near = Suggestion.closest(to: kind, among: ActivityEvent.Kind.names, maxDistance: 2) {
                // A typo of a built-in kind, not a new kind (a custom kind differs from every built-in one by more).
                throw fail(field, "unknown event kind '\(kind)' — did you mean '\(near)'? (a custom kind needs a name of its own)")
            }
            guard kind.utf8.count <= 64, kind.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }),
                  kind.utf8.first.map({ $0 >= 97 && $0 <= 122 }) == true else {
                throw fail(field, "'\(kind)' is neither a built-in event kind (\(ActivityEvent.Kind.names.joined(separator: ", "))) "
                           + "nor a custom kind name (lowercase letters, digits and _, as lines_activated)")
            }
        }
        func names(_ key: String) throws -> [String] {
            try strings(spec[key], field: key, line: nil, fail: fail)
        }
        var authorization: AuthorizationFilter?
        if let text = try optionalText(spec["authorized"], fail: { fail("authorized", $0) }) {
            let allowed = ["products": AuthorizationFilter.products, "territories": .territories, "both": .both]
            guard let filter = allowed[text] else {
                throw fail("authorized", "unknown value '\(text)'" + didYouMean(text, allowed.keys) + " (expected products, territories or both)")
            }
            authorization = filter
        }
        if let text = try optionalText(spec["unauthorized"], fail: { fail("unauthorized", $0) }) {
            let allowed = ["products": AuthorizationFilter.outsideProducts, "territories": .outsideTerritories, "either": .outsideEither]
            guard let filter = allowed[text] else {
                throw fail("unauthorized", "unknown value '\(text)'" + didYouMean(text, allowed.keys) + " (expected products, territories or either)")
            }
            guard authorization == nil else { throw fail("unauthorized", "give authorized or unauthorized, not both") }
            authorization = filter
        }
        return EventSelection(kinds: kinds, products: try names("products"), territories: try names("territories"),
                              names: try names("names"), authorization: authorization)
    }

    private func aggregation(_ value: LuaValue?, fail: (String, String) -> PolicyError) throws -> Aggregation {
        let expected = Aggregation.allCases.map(\.rawValue)
        guard let text = value?.stringValue else {
            throw fail("aggregate", "expected how to aggregate the events: \(expected.joined(separator: ", "))")
        }
        guard let aggregation = Aggregation(rawValue: text) else {
            throw fail("aggregate", "unknown aggregation '\(text)'" + didYouMean(text, expected) + " (expected \(expected.joined(separator: ", ")))")
        }
        return aggregation
    }

    static let toDateWindows: [String: CalendarUnit] = ["month_to_date": .month, "quarter_to_date": .quarter,
                                                       "half_to_date": .half, "year_to_date": .year]

    /// Where a measure is declared, for errors made elsewhere (periods).
    struct Place {
        let field: String
        let line: Int?
        let file: String
    }

    private func window(_ spec: [String: LuaValue], aggregation: Aggregation, place: Place,
                        fail: (String, String) -> PolicyError) throws -> MeasureWindow {
        let words = ["\"N days\"", "\"N weeks\"", "\"N months\"", "\"N years\""] + Self.toDateWindows.keys.sorted().map { "\"\($0)\"" }
            + ["\"since_enrolment\"", "\"all_time\"", "{ from = \"YYYY-MM-DD\", to = \"YYYY-MM-DD\" }"]
        let help = "expected a window: " + words.joined(separator: ", ")
        let fiscal = try fiscalYearStart(spec["fiscal_year_start"], fail: fail)
        var window: MeasureWindow
        switch spec["window"] ?? .nil {
        case .nil:
            // Recency and latest values read the whole history unless told otherwise.
            guard [.firstDate, .lastDate, .daysSinceLast, .latestValue].contains(aggregation) else {
                throw fail("window", help)
            }
            window = .allTime
        case .string(let text):
            if let unit = Self.toDateWindows[text] {
                window = .toDate(unit, fiscalYearStart: fiscal ?? 1)
            } else if text == "since_enrolment" || text == "since_enrollment" {
                window = .sinceEnrolment
            } else if text == "all_time" {
                window = .allTime
            } else if text.split(separator: " ").count == 2, text.first?.isNumber == true {
                // A window counts days, weeks, months or years (not every period form a deadline takes).
                let unit = String(text.split(separator: " ")[1])
                let units = ["day", "days", "week", "weeks", "month", "months", "year", "years"]
                guard units.contains(unit) else {
                    throw fail("window", "unknown unit '\(unit)'" + didYouMean(unit, ["days", "weeks", "months", "years"]) + "; \(help)")
                }
                let period = try ContractTable.period(.string(text), path: "\(place.field).window", line: place.line, file: place.file)
                guard period.days + period.months > 0 else { throw fail("window", "a window of \(period) holds no day; \(help)") }
                window = .last(period)
            } else {
                let names = Self.toDateWindows.keys.sorted() + ["since_enrolment", "all_time"]
                throw fail("window", "unknown window '\(text)'" + didYouMean(text, names) + "; \(help)")
            }
        case .table(let dates):
            for key in dates.keys.sorted() where key != "from" && key != "to" {
                throw fail("window.\(key)", "unknown field of a dated window" + didYouMean(key, ["from", "to"]) + " (expected from and to)")
            }
            guard let fromText = dates["from"]?.stringValue, let toText = dates["to"]?.stringValue else {
                throw fail("window", "a dated window needs both days: { from = \"2026-10-01\", to = \"2026-12-31\" }")
            }
            let from: Day, to: Day
            do { from = try Day(parsing: fromText) } catch { throw fail("window.from", "\(error)") }
            do { to = try Day(parsing: toText) } catch { throw fail("window.to", "\(error)") }
            guard from <= to else { throw fail("window", "the window ends (\(to)) before it starts (\(from))") }
            window = .dated(from: from, to: to)
        default:
            throw fail("window", help)
        }
        if fiscal != nil {
            guard case .toDate(let unit, _) = window, unit != .month else {
                throw fail("fiscal_year_start", "only quarter_to_date, half_to_date and year_to_date windows depend on the fiscal year")
            }
        }
        return window
    }

    private func number(_ value: LuaValue?, _ aggregation: Aggregation, fail: (String, String) -> PolicyError) throws -> EventNumber {
        guard let value, value != .nil else { return aggregation == .latestValue ? .value : .amount }
        guard let text = value.stringValue, let number = EventNumber(rawValue: text) else {
            throw fail("of", "expected \"amount\" or \"value\"" + (value.stringValue.map { didYouMean($0, ["amount", "value"]) } ?? ""))
        }
        guard aggregation.readsNumber else {
            throw fail("of", "\(aggregation.rawValue) reads no number of the events; of applies to sum, min, max and latest_value")
        }
        return number
    }

    /// `ago = "12 months"` (any period of at most 100 years); nil when absent or nothing.
    private func ago(_ value: LuaValue?, place: Place) throws -> Period? {
        guard let value, value != .nil else { return nil }
        let period = try ContractTable.period(value, path: "\(place.field).ago", line: place.line, file: place.file)
        return period.days + period.months == 0 ? nil : period
    }

    private func format(_ value: LuaValue?, fail: (String, String) -> PolicyError) throws -> MeasureType? {
        guard let value, value != .nil else { return nil }
        guard let text = value.stringValue, text == "money" || text == "number" else {
            throw fail("format", "expected \"money\" (amounts or values that are money) or \"number\"")
        }
        return MeasureType(rawValue: text)
    }

    static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                             "october", "november", "december"]

    /// `4`, `"April"` or `"apr"`; nil when not given.
    func fiscalYearStart(_ value: LuaValue?, fail: (String, String) -> PolicyError) throws -> Int? {
        switch value ?? .nil {
        case .nil: return nil
        case .integer(let month) where (1...12).contains(month): return Int(month)
        case .string(let text):
            let lower = text.lowercased()
            if let i = Self.monthNames.firstIndex(where: { $0 == lower || (lower.count == 3 && $0.hasPrefix(lower)) }) { return i + 1 }
            throw fail("fiscal_year_start", "unknown month '\(text)'" + didYouMean(lower, Self.monthNames) + " (a month number 1–12 or name)")
        default:
            throw fail("fiscal_year_start", "expected the month the fiscal year starts in: a number 1–12 or a name such as \"April\"")
        }
    }

    private func optionalText(_ value: LuaValue?, fail: (String) -> PolicyError) throws -> String? {
        guard let value, value != .nil else { return nil }
        guard let text = value.stringValue, !text.isEmpty else { throw fail("expected a text") }
        return text
    }

    private func strings(_ value: LuaValue?, field: String, line: Int?, fail: (String, String) -> PolicyError) throws -> [String] {
        guard let value, !value.isNil else { return [] }
        if let one = value.stringValue { return [one] }
        guard let list = value.arrayValue else { throw fail(field, "expected a list of names, e.g. { \"voice\", \"mobile\" }") }
        return try list.enumerated().map { i, item in
            guard let text = item.stringValue, !text.isEmpty else { throw fail("\(field)[\(i + 1)]", "expected a name") }
            return text
        }
    }

    func didYouMean(_ text: String, _ candidates: some Sequence<String>) -> String {
        Suggestion.closest(to: text, among: candidates).map { " — did you mean '\($0)'?" } ?? ""
    }
}
