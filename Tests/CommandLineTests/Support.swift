import AsyncHTTPClient
import Foundation
import TestSupport
import Testing

/// The built `partnerscore` executable next to the test bundle.
func partnerscoreExecutable() -> URL {
    if let override = ProcessInfo.processInfo.environment["PARTNERSCORE_BIN"] { return URL(fileURLWithPath: override) }
    var directory = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("partnerscore")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory.deleteLastPathComponent()
    }
    // Fall back to the package's debug build folder.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/partnerscore")
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// The command was killed after running longer than its timeout.
    var timedOut = false
}

/// Run the real command line in `workspace`, feeding no input; a command
/// still running after `timeout` seconds is killed (and says so), so a hang
/// fails its test instead of the whole run.
func partnerscore(_ arguments: [String], in workspace: TemporaryFolder, environment: [String: String] = [:],
                  timeout: TimeInterval = 600) throws -> CommandResult {
    try run(partnerscoreExecutable(), arguments, in: workspace, environment: environment, timeout: timeout)
}

/// Run `executable` in `workspace` with the environment plus `environment`, feeding no input;
/// killed after `timeout` seconds.
func run(_ executable: URL, _ arguments: [String], in workspace: TemporaryFolder, environment: [String: String] = [:],
         timeout: TimeInterval = 600) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = workspace.url
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    // Files rather than pipes: a chatty process can never block on a full pipe.
    let outURL = workspace.url.appendingPathComponent(".stdout-\(UUID().uuidString)")
    let errURL = workspace.url.appendingPathComponent(".stderr-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    let timedOut = exited.wait(timeout: .now() + timeout) == .timedOut
    if timedOut {
        kill(process.processIdentifier, SIGKILL)
        exited.wait()
    }
    try out.close()
    try err.close()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self), timedOut: timedOut)
}

/// Run `partnerscore serve` with `arguments` (and the environment plus
/// `environment`) on a random loopback port in `w`, call `body` with the
/// port once `/health/live` answers, and stop it.
func withServe(in w: TemporaryFolder, arguments: [String], environment: [String: String] = [:],
               _ body: (Int) async throws -> Void) async throws {
    let port = Int.random(in: 20_000..<60_000)
    let process = Process()
    process.executableURL = partnerscoreExecutable()
    process.arguments = ["serve"] + arguments + ["--port", String(port)]
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.currentDirectoryURL = w.url
    let log = w.url.appendingPathComponent("serve-\(port).log")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let output = try FileHandle(forWritingTo: log)
    process.standardOutput = output
    process.standardError = output
    try process.run()
    defer { process.terminate(); process.waitUntilExit() }
    // A loaded machine starts the server slowly (it checks the sets first): poll, each try short.
    let deadline = ContinuousClock.now + .seconds(180)
    var live = false
    while !live, process.isRunning, ContinuousClock.now < deadline {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health/live")
        request.method = .GET
        live = (try? await HTTPClient.shared.execute(request, timeout: .seconds(5)).status.code) == 200
        if !live { try await Task.sleep(for: .milliseconds(200)) }
    }
    try #require(live, "serve did not answer (running: \(process.isRunning)): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    try await body(port)
}
