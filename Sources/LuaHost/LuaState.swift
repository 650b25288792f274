import CLua
import CLuaSandbox
import Foundation

/// A sandboxed Lua 5.4 state.
///
/// One state belongs to one thread at a time: give each worker its own. Every
/// call into Lua runs under ``LuaLimits`` and inside the sandbox (only the
/// base, string, table, math and utf8 libraries; read-only library tables; no
/// global writes; `require` limited to the ``ModuleResolver``'s folders).
///
/// ```swift
/// let lua = try LuaState()
/// let chunk = try lua.load(source: "return 1 + 2", chunkName: "snippet.lua")
/// let result = try lua.call(chunk)   // [.integer(3)]
/// ```
public final class LuaState {
    @usableFromInline let L: OpaquePointer
    let control: UnsafeMutablePointer<lh_control>
    public var modules: ModuleResolver?
    /// Limits for calls that do not pass their own.
    public var defaultLimits: LuaLimits
    /// Receives each line a script prints (default: discarded).
    public var output: (String) -> Void = { _ in }
    var hostFunctions: [HostFunction] = []
    /// Modules resolved while coverage is recorded (see `modulesLoadedWhileRecording`).
    var recordedModules: [(chunkName: String, source: String)] = []

    public init(modules: ModuleResolver? = nil, limits: LuaLimits = .default) throws {
        _ = Self.callbacksInstalled
        control = .allocate(capacity: 1)
        guard let state = lh_newstate(control) else {
            control.deallocate()
            throw LuaError(.memoryLimit, "could not create a Lua state")
        }
        L = state
        self.modules = modules
        self.defaultLimits = limits
        control.pointee.host = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        lh_close(L)
        control.deallocate()
    }

    var controlRecordsCoverage: Bool { control.pointee.coverage != 0 }

    /// Bytes the state has allocated now.
    public var memoryInUse: Int { Int(control.pointee.used) }
    /// Highest allocation during the last call.
    public var peakMemoryOfLastCall: Int { Int(control.pointee.peak) }
    /// Instructions the last call executed (to the hook's granularity).
    public var instructionsOfLastCall: Int64 { control.pointee.executed }

    // MARK: - Loading

    /// Compile `source` as a text chunk named `chunkName` (shown in messages
    /// as `chunkName:line:`) with its own sandbox environment.
    public func load(source: String, chunkName: String) throws -> LuaReference {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        var source = source
        let status = source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                lh_load(L, chars.baseAddress, chars.count, "@" + chunkName)
            }
        }
        guard status == LUA_OK else {
            let raw = string(at: -1) ?? "could not load \(chunkName)"
            let parsed = LuaError.parse(raw)
            let kind: LuaError.Kind = raw.contains("attempt to load a binary chunk") ? .sandboxViolation : .syntax
            throw LuaError(kind, parsed.message, file: parsed.file ?? chunkName, line: parsed.line)
        }
        return LuaReference(id: lh_ref(L))
    }

    /// Compile the file at `path`; messages name it as `chunkName` (default: the path as given).
    public func load(contentsOf path: String, chunkName: String? = nil) throws -> LuaReference {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LuaError(.runtime, "cannot read file: \(error.localizedDescription)", file: chunkName ?? path)
        }
        if data.first == 0x1B {
            throw LuaError(.sandboxViolation, "precompiled (bytecode) chunks are not accepted; load the source file",
                           file: chunkName ?? path)
        }
        return try load(source: String(decoding: data, as: UTF8.self), chunkName: chunkName ?? path)
    }

    /// Drop a reference so its value can be collected.
    public func release(_ reference: LuaReference) {
        lh_unref(L, reference.id)
    }

    // MARK: - Calling

    /// Call `function` with `arguments` under `limits` and return all results.
    @discardableResult
    public func call(_ function: LuaReference, _ arguments: [LuaValue] = [], limits: LuaLimits? = nil) throws -> [LuaValue] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lh_push_ref(L, function.id)
        for argument in arguments { try push(argument) }
        try protectedCall(arguments: Int32(arguments.count), results: LUA_MULTRET, limits: limits ?? defaultLimits)
        var results: [LuaValue] = []
        let newTop = lua_gettop(L)
        if newTop > top {
            results.reserveCapacity(Int(newTop - top))
            for index in (top + 1)...newTop { results.append(try value(at: index)) }
        }
        return results
    }

    /// Call `function` with the values `pushArguments` pushes, then hand the
    /// first result (at stack index -1) to `readResult`. The low-level path
    /// for hot loops that build their arguments directly on the stack.
    @inlinable
    public func call<Result>(
        _ function: LuaReference, limits: LuaLimits? = nil,
        pushArguments: (LuaStack) throws -> Int32,
        readResult: (LuaStack) throws -> Result
    ) throws -> Result {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lh_push_ref(L, function.id)
        let stack = LuaStack(state: self)
        let count = try pushArguments(stack)
        try protectedCall(arguments: count, results: 1, limits: limits ?? defaultLimits)
        return try readResult(stack)
    }

    /// Load and run the file at `path`, returning its first result.
    public func run(contentsOf path: String, chunkName: String? = nil, limits: LuaLimits? = nil) throws -> LuaValue {
        let chunk = try load(contentsOf: path, chunkName: chunkName)
        defer { release(chunk) }
        return try call(chunk, limits: limits).first ?? .nil
    }

    @usableFromInline
    func protectedCall(arguments: Int32, results: Int32, limits: LuaLimits) throws {
        lh_arm(L, limits.instructions, limits.memoryBytes, limits.timeoutNanoseconds)
        let status = lh_pcall(L, arguments, results)
        if status != LUA_OK { throw takeError(status: status) }
    }

    private func takeError(status: Int32) -> LuaError {
        let raw = string(at: -1) ?? "(error object is not a string)"
        lh_pop(L, 1)
        var text = raw
        var traceback: String?
        if let range = raw.range(of: "\nstack traceback:\n") {
            text = String(raw[..<range.lowerBound])
            traceback = String(raw[range.lowerBound...].dropFirst())
        }
        let kind: LuaError.Kind
        switch lh_kill_reason(rawValue: UInt32(control.pointee.killed)) {
        case LH_KILL_INSTRUCTIONS: kind = .instructionLimit
        case LH_KILL_MEMORY: kind = .memoryLimit
        case LH_KILL_TIME: kind = .timeLimit
        case LH_KILL_SANDBOX: kind = .sandboxViolation
        case LH_KILL_CANCELLED: kind = .cancelled
        default: kind = status == LUA_ERRMEM ? .memoryLimit : status == LUA_ERRSYNTAX ? .syntax : .runtime
        }
        if kind != .runtime, kind != .syntax, control.pointee.killed != 0 {
            // The limit's own message and position, whatever the script did after.
            let message = withUnsafeBytes(of: control.pointee.kill_message) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            let where_ = withUnsafeBytes(of: control.pointee.kill_where) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            let position = LuaError.parse(where_ + " ")
            return LuaError(kind, message, file: position.file, line: position.line, traceback: traceback)
        }
        let parsed = LuaError.parse(text)
        return LuaError(kind, parsed.message, file: parsed.file, line: parsed.line, traceback: traceback)
    }

    // MARK: - Cancelling

    /// Stop the call running on this state, from any thread, and every later
    /// one until ``clearCancel()``: it fails with a ``LuaError/Kind/cancelled``
    /// error at once if it has not started, else within about a millisecond.
    /// The one method of a state another thread may call.
    public func requestCancel() {
        lh_request_cancel(control)
    }

    /// Let calls run again after ``requestCancel()``.
    public func clearCancel() {
        lh_clear_cancel(control)
    }

    /// Tests only: expose the stock pattern functions as global `stock_string`.
    func exposeStockPatternFunctions() {
        lh_expose_stock_patterns(L)
    }

    // MARK: - Callbacks from C

    private static let callbacksInstalled: Void = {
        lh_set_callbacks(dispatchCallback, resolveCallback, outputCallback)
    }()

    func string(at index: Int32) -> String? {
        var length = 0
        guard let chars = lh_tolstring(L, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: chars, count: length), as: UTF8.self)
    }
}

private func dispatchCallback(host: UnsafeMutableRawPointer?, L: OpaquePointer?, id: Int32) -> Int32 {
    let state = Unmanaged<LuaState>.fromOpaque(host!).takeUnretainedValue()
    return state.dispatch(id: Int(id))
}

private func resolveCallback(host: UnsafeMutableRawPointer?, L: OpaquePointer?, name: UnsafePointer<CChar>?) -> Int32 {
    let state = Unmanaged<LuaState>.fromOpaque(host!).takeUnretainedValue()
    let moduleName = String(cString: name!)
    guard let modules = state.modules else {
        state.pushString("module '\(moduleName)' not found (this state has no module folders)")
        return LH_RESOLVE_NOT_FOUND
    }
    switch modules.resolve(moduleName) {
    case .found(let chunkName, let source):
        if state.recordsCoverage { state.recordedModules.append((chunkName, source)) }
        state.pushString("@" + chunkName)
        state.pushString(source)
        return LH_RESOLVE_FOUND
    case .notFound(let message):
        state.pushString(message)
        return LH_RESOLVE_NOT_FOUND
    case .forbidden(let message):
        state.pushString(message)
        return LH_RESOLVE_FORBIDDEN
    }
}

private func outputCallback(host: UnsafeMutableRawPointer?, text: UnsafePointer<CChar>?, length: Int) {
    let state = Unmanaged<LuaState>.fromOpaque(host!).takeUnretainedValue()
    state.output(String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self))
}
