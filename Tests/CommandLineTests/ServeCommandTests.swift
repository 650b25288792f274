import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("serve takes its settings from flags or the environment")
struct ServeCommandTests {
    @Test("every setting may come from a PARTNERSCORE_ variable; a bad one is named; a flag wins")
    func environment() async throws {
        let w = try Workspace()
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
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        // A loaded machine starts the server slowly (it checks the set's fixtures first): poll, each try short.
        let deadline = ContinuousClock.now + .seconds(180)
        var live: Int?
        var probe = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/health/live")!)
        probe.timeoutInterval = 2
        while live == nil, process.isRunning, ContinuousClock.now < deadline {
            if let (_, response) = try? await URLSession.shared.data(for: probe) {
                live = (response as? HTTPURLResponse)?.statusCode
            } else {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        #expect(live == 200)
        // PARTNERSCORE_PUBLIC_METRICS=true: /metrics needs no token.
        let (_, metrics) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        #expect((metrics as? HTTPURLResponse)?.statusCode == 200)
    }
}
