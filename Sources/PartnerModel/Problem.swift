/// What went wrong, where, and what to do about it: the one shape every
/// domain error gives, so the command line and the HTTP API each map errors
/// in one place (`reportingFailures` in the CLI, `APIError(_:)` in the
/// service) instead of once per error type.
///
/// `message` is the whole human sentence, exactly as the error reads
/// (`events.csv:12: field 'date': no such day '2023-02-29' — write dates as
/// YYYY-MM-DD`); the other fields carry the same facts for machines.
public struct Problem: Sendable, Equatable {
    /// What kind of failure it is; the service answers with its status.
    public enum Category: String, Sendable, CaseIterable {
        /// The input is malformed: a field, a row, a date (HTTP 400).
        case invalid
        /// It names something that is not there: a partner, a task (404).
        case notFound = "not_found"
        /// It is well formed but conflicts with what is stored: a run not after the last (409).
        case conflict
        /// It is understood but a policy refuses or fails on it (422).
        case unprocessable
        /// A resource is busy or out of reach; the same request may succeed later (503).
        case unavailable
        /// Something the user cannot fix: unreadable stored data, a host bug (500).
        case `internal`
    }

    /// A stable, machine-readable name (`invalid_event`, `unknown_partner`, `policy_error`).
    public var code: String
    public var category: Category
    /// The error as a person reads it, location and hint included.
    public var message: String
    /// The file (an import file, a policy file) at fault.
    public var file: String?
    /// Its 1-based line.
    public var line: Int?
    /// The field at fault: an import column (`date`), a policy path
    /// (`tiers[2].entry`), or a request field (`events[3].date`, `as_of`).
    public var field: String?
    /// The 0-based index of the bad element of a batch.
    public var index: Int?
    /// What the user can do about it.
    public var hint: String?
    /// The label terminals show as `error[label]:` (`policy`, a Lua error's kind).
    public var label: String?
    /// Lua's stack traceback, for terminals.
    public var traceback: String?

    public init(_ code: String, _ category: Category, message: String, file: String? = nil, line: Int? = nil,
                field: String? = nil, index: Int? = nil, hint: String? = nil, label: String? = nil,
                traceback: String? = nil) {
        self.code = code
        self.category = category
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.index = index
        self.hint = hint
        self.label = label
        self.traceback = traceback
    }
}

/// An error that says what went wrong as a ``Problem``. Every domain error
/// conforms; its `description` stays its human text (`problem.message`).
public protocol ProblemConvertible: Error, CustomStringConvertible {
    var problem: Problem { get }
}

extension DayParseError: ProblemConvertible {
    public var problem: Problem {
        Problem("invalid_date", .invalid, message: "\(description) — \(hint)", hint: hint)
    }
}
