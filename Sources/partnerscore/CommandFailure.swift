import ArgumentParser
import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine   // where LuaError becomes ProblemConvertible

/// A failure already explained to the user: its message goes to stderr and
/// the process exits with `code` (1 by default) — no stack trace, no noise.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var code: Int32 = 1

    init(_ message: String, code: Int32 = 1) {
        self.message = message
        self.code = code
    }

    var description: String { message }
}

/// The command line's one rendering of a failure: a domain error's
/// ``Problem`` as `error[label]: message` and its traceback, exit 1; a
/// ``CommandFailure`` as it is; a database error in the user's words. Nil
/// for anything else (ArgumentParser's own errors, ``ExitCode``).
func commandFailure(for error: any Error) -> CommandFailure? {
    switch error {
    case let failure as CommandFailure:
        return failure
    case let error as any ProblemConvertible:
        let problem = error.problem
        var text = "error" + (problem.label.map { "[\($0)]" } ?? "") + ": " + problem.message
        if let traceback = problem.traceback { text += "\n" + traceback }
        return CommandFailure(text)
    case let error as DatabaseError:
        if let path = openedStorePath, let trouble = PartnerStore.trouble(error, databasePath: path) {
            return CommandFailure("error: " + trouble.description)
        }
        return CommandFailure("error: database: \(error.message ?? error.description)")
    default:
        return nil
    }
}

/// Run a command body; a failure ``commandFailure(for:)`` knows is printed
/// to stderr and becomes the exit code, instead of ArgumentParser's
/// "Error: " rendering.
func reportingFailures<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw reported(error)
    }
}

func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw reported(error)
    }
}

/// Print `error` when it is one the command line explains, and answer the error to exit with.
private func reported(_ error: any Error) -> any Error {
    guard let failure = commandFailure(for: error) else { return error }
    FileHandle.standardError.write(Data((failure.message + "\n").utf8))
    return ExitCode(failure.code)
}
