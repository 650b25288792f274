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

        // Configured through the environment alone (but --db and --port), the server listens where it is told.
        let environment = ["PARTNERSCORE_POLICIES": policies, "PARTNERSCORE_PORT": "eighty",   // the flag wins, so this is never read
                           "PARTNERSCORE_WATCH_MS": "0", "PARTNERSCORE_NO_WEBHOOKS": "true", "PARTNERSCORE_PUBLIC_METRICS": "true"]
        try await withServe(in: w, arguments: ["--db", "db.sqlite"], environment: environment) { port in
            // PARTNERSCORE_PUBLIC_METRICS=true: /metrics needs no token.
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
            request.method = .GET
            let metrics = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(metrics.status.code == 200)
        }
    }
}
