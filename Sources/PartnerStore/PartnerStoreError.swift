/// Why the store refused something, and where: the file, line and field of a
/// bad import row, and what to do about it. Nothing of the refused import or
/// batch has been written.
///
/// Reads as `events.csv:12: field 'date': no such day '2023-02-29' — write
/// dates as YYYY-MM-DD`.
public struct PartnerStoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The file (as given), or a description of the batch.
    public var file: String?
    /// The 1-based physical line where the bad record starts.
    public var line: Int?
    public var field: String?
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
        if let file { text += file + (line.map { ":\($0)" } ?? "") + ": " } else if let line { text += "line \(line): " }
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
