/// What policy functions `print` while a set evaluates partners, kept per
/// partner and bounded, so `partnerscore test` can show it beside a failing
/// fixture case. A set without one discards print output (`evaluate`,
/// `serve`): it never reaches their output.
public final class PrintCapture {
    /// Bytes kept per partner evaluation; what follows is dropped, with a note.
    public static let limit = 8 * 1024
    /// Bytes kept in all until the next `clear()` (a fixture case of many
    /// partners that all print must not grow without bound).
    public static let totalLimit = 1 << 20

    private var partner = ""
    private var lines: [String: [String]] = [:]
    private var bytes: [String: Int] = [:]
    private var total = 0

    public init() {}

    /// Attribute what is printed from now on to `partnerID`.
    func begin(_ partnerID: String) { partner = partnerID }

    func append(_ text: String) {
        let used = bytes[partner, default: 0]
        guard used <= Self.limit else { return }
        if total + text.utf8.count > Self.totalLimit {
            lines[partner, default: []].append("… (print output beyond \(Self.totalLimit >> 20) MiB in one case is dropped)")
            bytes[partner] = Self.limit + 1
            return
        }
        if used + text.utf8.count > Self.limit {
            lines[partner, default: []].append("… (print output beyond \(Self.limit / 1024) KiB per evaluation is dropped)")
            bytes[partner] = Self.limit + 1
            return
        }
        bytes[partner] = used + text.utf8.count
        total += text.utf8.count
        lines[partner, default: []].append(text)
    }

    /// What was printed while `partnerID` was evaluated since the last `clear()`.
    public func lines(of partnerID: String) -> [String] { lines[partnerID] ?? [] }

    public func clear() {
        lines.removeAll()
        bytes.removeAll()
        total = 0
    }
}
