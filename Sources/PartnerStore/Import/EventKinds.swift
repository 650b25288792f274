import PartnerModel

/// The event kinds a store accepts: the built-in ones, and the custom kinds
/// that measures of the policies in use name (`lines_activated`,
/// `csat_survey`). File imports, ``PartnerStore/importEvents(_:kinds:)`` and
/// the service's ingest check every event's kind against it, so a kind no
/// declaration names — a typo — is refused with a did-you-mean.
public struct EventKinds: Sendable, Equatable {
    /// The custom kinds accepted, sorted.
    public let custom: [String]

    public init(custom: some Sequence<String> = []) {
        self.custom = Set(custom.filter { !ActivityEvent.Kind.isBuiltIn($0) }).sorted()
    }

    /// Only the built-in kinds.
    public static let builtIn = EventKinds()

    /// The stored kind for `name`: a built-in kind, `custom` for an accepted custom kind, nil otherwise.
    func kind(named name: String) -> EventKind? {
        if let builtIn = EventKind(name: name) { return builtIn }
        return custom.contains(name) ? .custom : nil
    }

    func hint(for name: String) -> String {
        let known = ActivityEvent.Kind.names + custom
        var hint = Suggestion.closest(to: name, among: known).map { "did you mean '\($0)'? " } ?? ""
        hint += "Use one of " + ActivityEvent.Kind.names.joined(separator: ", ")
        hint += custom.isEmpty
            ? "; a custom kind is accepted once a measure of the policies in use names it (import --policies DIR)"
            : ", or a kind the policies declare: " + custom.joined(separator: ", ")
        return hint
    }
}
