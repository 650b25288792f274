import GRDB

/// An engine failure a caller answers in its own words (the service's 503
/// `database_busy`, 507 `disk_full`), whatever the engine said.
public enum StoreFailure: Sendable, Equatable {
    /// Another writer held the lock for the whole wait.
    case busy
    /// The disk holding the database is full.
    case full

    /// The kind of `error`, nil when it is none of these.
    public init?(_ error: any Error) {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: self = .busy
        case .SQLITE_FULL: self = .full
        default: return nil
        }
    }
}
