import Dispatch

extension SQLDatabase {
    /// ``SQLDatabase/read(_:)`` off Swift's cooperative threads, for async callers: the service
    /// awaits a read without holding one of the few threads every request
    /// shares (as GRDB's own asynchronous read does).
    public func asyncRead<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.read(body) })
            }
        }
    }
}

extension SQLDatabase {
    /// ``SQLDatabase/write(_:)`` off Swift's cooperative threads (see ``asyncRead(_:)``).
    public func asyncWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.write(body) })
            }
        }
    }
}
