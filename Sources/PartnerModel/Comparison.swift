/// How an observed value is compared with a threshold (criteria, measures
/// counting periods that meet a condition).
public enum Comparison: String, Sendable, CaseIterable, Codable {
    case atLeast = ">=", above = ">", atMost = "<=", below = "<", equal = "==", notEqual = "~="

    public func holds(_ observed: Double, _ threshold: Double) -> Bool {
        switch self {
        case .atLeast: observed >= threshold
        case .above: observed > threshold
        case .atMost: observed <= threshold
        case .below: observed < threshold
        case .equal: observed == threshold
        case .notEqual: observed != threshold
        }
    }

    public var symbol: String {
        switch self {
        case .atLeast: "≥"
        case .above: ">"
        case .atMost: "≤"
        case .below: "<"
        case .equal: "="
        case .notEqual: "≠"
        }
    }

    public var words: String {
        switch self {
        case .atLeast: "at least"
        case .above: "more than"
        case .atMost: "at most"
        case .below: "less than"
        case .equal: "exactly"
        case .notEqual: "not"
        }
    }
}
