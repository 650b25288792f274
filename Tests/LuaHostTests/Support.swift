import Foundation
import TestSupport
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
