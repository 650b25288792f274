/// What a token may do. Each role includes the ones below it:
/// viewer (reads) < operator (ingests activity, runs evaluations) < designer
/// (reloads policies).
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case viewer
    case `operator`
    case designer

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .designer: 2
        }
    }
}

/// Who is calling: the token that authenticated the request.
public struct Caller: Sendable, Equatable {
    public var tokenID: Int64
    public var name: String?
    public var role: Role
}
