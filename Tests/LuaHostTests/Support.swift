import Foundation
@testable import LuaHost

/// Load `source` as chunk `name` and call it, returning the first result.
func run(_ source: String, name: String = "test.lua", in lua: LuaState? = nil, limits: LuaLimits? = nil) throws -> LuaValue {
    let state = try lua ?? LuaState()
    let chunk = try state.load(source: source, chunkName: name)
    return try state.call(chunk, limits: limits).first ?? .nil
}

/// The error `body` throws, as a LuaError (nil when it succeeds).
func luaError(_ body: () throws -> Any) -> LuaError? {
    do {
        _ = try body()
        return nil
    } catch let error as LuaError {
        return error
    } catch {
        return LuaError(.runtime, "unexpected error type: \(error)")
    }
}

/// A temporary folder removed when the value is released.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("partnerscore-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func write(_ relative: String, _ contents: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: file, atomically: true, encoding: .utf8)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}
