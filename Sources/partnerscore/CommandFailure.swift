import ArgumentParser
import Foundation
import LuaHost

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

extension LuaError {
    /// `file:line: kind: message` and the traceback, for terminals.
    func report(kindLabel: Bool) -> String {
        var text = description
        if kindLabel {
            text = "error[\(kind.rawValue)]: " + text
        }
        if let traceback, !traceback.isEmpty { text += "\n" + traceback }
        return text
    }
}

/// Run a command body; a ``CommandFailure`` or ``LuaError`` is printed to
/// stderr as is and becomes the exit code, instead of ArgumentParser's
/// "Error: " rendering.
func reportingFailures<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let failure as CommandFailure {
        FileHandle.standardError.write(Data((failure.message + "\n").utf8))
        throw ExitCode(failure.code)
    } catch let error as LuaError {
        FileHandle.standardError.write(Data((error.report(kindLabel: true) + "\n").utf8))
        throw ExitCode(1)
    }
}

func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let failure as CommandFailure {
        FileHandle.standardError.write(Data((failure.message + "\n").utf8))
        throw ExitCode(failure.code)
    } catch let error as LuaError {
        FileHandle.standardError.write(Data((error.report(kindLabel: true) + "\n").utf8))
        throw ExitCode(1)
    }
}
