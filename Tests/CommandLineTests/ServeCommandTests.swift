import Foundation
import TestSupport
import AsyncHTTPClient
import Testing

@Suite("serve takes its settings from flags or the environment")
struct ServeCommandTests {
    @Test("every setting may come from a PARTNERSCORE_ variable; a bad one is named; a flag wins")
    func environment() async throws {
        let w = try TemporaryFolder()
        #expect(try partnerscore(["init", "--db", "db.sqlite"], in: w).status == 0)
        let policies = EngineCommandTests.repositoryPolicies + "/telecom"

        // Refused before the server starts, naming the variable (or the flag and the variable).
        let notNumber = try partnerscore(["serve", "--db", "db.sqlite"], in: w,
                                         environment: ["PARTNERSCORE_POLICIES": policies, "PARTNERSCORE_PORT": "eighty"])
        #expect(notNumber.status != 0)
        #expect(notNumber.stderr.contains("PARTNERSCORE_PORT=eighty is not a whole number"), "\(notNumber.stderr)")
        let outOfRange = try partnerscore(["serve", "--db", "db.sqlite"], in: w,
                                          environment: ["PARTNERSCORE_POLICIES": policies, "PARTNERSCORE_WATCH_MS": "-1"])
        #expect(outOfRange.stderr.contains("--watch-ms (or PARTNERSCORE_WATCH_MS) must be 0 to 86400000"), "\(outOfRange.stderr)")
        let notBool = try partnerscore(["serve", "--db", "db.sqlite"], in: w,
                                       environment: ["PARTNERSCORE_POLICIES": policies, "PARTNERSCORE_NO_WEBHOOKS": "maybe"])
        #expect(notBool.stderr.contains("PARTNERSCORE_NO_WEBHOOKS=maybe is neither true nor false"), "\(notBool.stderr)")
        let noPolicies = try partnerscore(["serve", "--db", "db.sqlite"], in: w)
        #expect(noPolicies.stderr.contains("PARTNERSCORE_POLICIES"), "\(noPolicies.stderr)")
        let help = try partnerscore(["serve", "--help"], in: w)
        #expect(help.stdout.contains("PARTNERSCORE_WEBHOOK_TIMEOUT_MS: --webhook-timeout-ms"))

        // Configured through the environment alone (but --db), the server listens where it is told.
        let port = Int.random(in: 20_000..<60_000)
        let process = Process()
        process.executableURL = partnerscoreExecutable()
        process.arguments = ["serve", "--db", "db.sqlite", "--port", String(port)]
        var env = ProcessInfo.processInfo.environment
        env["PARTNERSCORE_POLICIES"] = policies
        env["PARTNERSCORE_PORT"] = "eighty"   // the flag wins, so this is never read
        env["PARTNERSCORE_WATCH_MS"] = "0"
        env["PARTNERSCORE_NO_WEBHOOKS"] = "true"
        env["PARTNERSCORE_PUBLIC_METRICS"] = "true"
        process.environment = env
        process.currentDirectoryURL = w.url
        // Its output in a file, shown if it never answers.
        let log = w.url.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        // A loaded machine starts the server slowly (it checks the set's fixtures first): poll, each try short.
        func status(_ path: String) async -> Int? {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = .GET
            return try? await Int(HTTPClient.shared.execute(request, timeout: .seconds(5)).status.code)
        }
        let deadline = ContinuousClock.now + .seconds(180)
        var live: Int?
        while live == nil, process.isRunning, ContinuousClock.now < deadline {
            live = await status("/health/live")
            if live == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(live == 200, "serve did not answer (running: \(process.isRunning)): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        // PARTNERSCORE_PUBLIC_METRICS=true: /metrics needs no token.
        #expect(await status("/metrics") == 200)
    }
}
