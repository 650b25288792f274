/// "Did you mean" for names a designer types: fields, metrics, alert kinds,
/// gate names, measures, event kinds.
public enum Suggestion {
    /// `" — did you mean 'warn'?"` when one of `candidates` is close to
    /// `name` (a few letters apart, or one the start of the other), else `""`.
    public static func didYouMean(_ name: String, among candidates: some Sequence<String>) -> String {
        closest(to: name, among: candidates).map { " — did you mean '\($0)'?" } ?? ""
    }

    /// The candidate closest to `name`, if any is close enough; the first of
    /// equals. With `maxDistance`, only candidates at most that many edits
    /// away count (no prefix rule): "a typo of", not "related to".
    public static func closest(to name: String, among candidates: some Sequence<String>, maxDistance: Int? = nil) -> String? {
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let d = distance(name.lowercased(), candidate.lowercased())
            if let maxDistance {
                guard d <= maxDistance else { continue }
            } else {
                let prefix = min(name.count, candidate.count) >= 3 && (name.hasPrefix(candidate) || candidate.hasPrefix(name))
                guard d <= max(2, name.count / 3) || prefix else { continue }
            }
            if best == nil || d < best!.distance { best = (candidate, d) }
        }
        return best?.name
    }

    /// Levenshtein distance.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count), current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
