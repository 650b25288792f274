import Dispatch

extension SQLDatabase {
    /// ``SQLDatabase/read(_:)`` from async code (the service): the blocking
    /// work runs on a Dispatch thread, never on the caller's executor.
    public func readAsync<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try self.read(body) }) }
        }
    }

    /// ``SQLDatabase/write(_:)`` from async code, likewise.
    public func writeAsync<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try self.write(body) }) }
        }
    }
}
