import PartnerModel

/// Why analytics could not be computed or written, and what to do.
public struct AnalyticsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String { message + (hint.map { " — " + $0 } ?? "") }
}

extension AnalyticsError: ProblemConvertible {
    /// Analytics refuse only when the store holds nothing to measure.
    public var problem: Problem { Problem("nothing_to_measure", .notFound, message: description, hint: hint) }
}
