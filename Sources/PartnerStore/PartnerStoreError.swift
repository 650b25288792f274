import PartnerModel

/// Why the store refused something, and where: the file, line and field of a
/// bad import row, and what to do about it. Nothing of the refused import or
/// batch has been written.
///
/// Reads as `events.csv:12: field 'date': no such day '2023-02-29' — write
/// dates as YYYY-MM-DD`; a batch's element as `events[3]: field 'date': …`
/// (`file` names the batch, `index` the element), or `event 4: …` for events
/// given as Swift values (no `file`).
public struct PartnerStoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The file (as given), or the name of the batch when `index` is set.
    public var file: String?
    /// The 1-based physical line where the bad record starts.
    public var line: Int?
    public var field: String?
    /// The 0-based index of the refused element of a batch of events given
    /// as values (the API's `events[3]`, ``PartnerStore/importEvents(_:kinds:)``).
    public var index: Int?
    /// A stable name for the refusal when the store knows one more precise
    /// than its ``problem`` would infer (`invalid_event`).
    public var code: String?
    /// What the user can do about it.
    public var hint: String?
    /// True when the record names something the store does not hold (an
    /// unknown partner) rather than being malformed: the service answers 404.
    public var isUnknownReference = false
    /// PostgreSQL's SQLSTATE when the server refused a statement (`23505`: a
    /// unique key taken, `40001`: a serialization failure to retry).
    public var sqlState: String?

    public init(_ message: String, file: String? = nil, line: Int? = nil, field: String? = nil, hint: String? = nil) {
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint
    }

    public var description: String {
        var text = ""
        switch (file, index) {
        case (let file?, let index?): text += "\(file)[\(index)]: "
        case (nil, let index?): text += "event \(index + 1): "
        case (let file?, nil): text += file + (line.map { ":\($0)" } ?? "") + ": "
        case (nil, nil): if let line { text += "line \(line): " }
        }
        if let field { text += "field '\(field)': " }
        text += message
        if let hint { text += " — " + hint }
        return text
    }

    func located(file: String, line: Int?) -> PartnerStoreError {
        var copy = self
        if copy.file == nil { copy.file = file }
        if copy.line == nil { copy.line = line }
        return copy
    }
}

extension PartnerStoreError: ProblemConvertible {
    /// A refused record is invalid input (an unknown partner: not found); a
    /// PostgreSQL refusal is unavailable when retrying may succeed; anything
    /// else unlocated (unreadable stored data, a database that cannot be
    /// opened) is internal. A batch element's field is its path in the
    /// batch (`events[3].date`).
    public var problem: Problem {
        var problem = Problem(code ?? "invalid_input", .invalid, message: description, file: file, line: line, field: field,
                              index: index, hint: hint)
        if let index {
            problem.file = nil
            problem.field = (file ?? "events") + "[\(index)]" + (field.map { "." + $0 } ?? "")
        }
        if isUnknownReference {
            (problem.code, problem.category) = ("unknown_partner", .notFound)
        } else if let sqlState {
            // 40001 serialization failure, 40P01 deadlock, 55P03 lock not available, 53xxx out of resources.
            let retry = ["40001", "40P01", "55P03"].contains(sqlState) || sqlState.hasPrefix("53")
            (problem.code, problem.category) = retry ? ("database_busy", .unavailable) : ("database_error", .internal)
        } else if code == nil, file == nil, line == nil, field == nil, index == nil {
            (problem.code, problem.category) = ("store_error", .internal)
        }
        return problem
    }
}
