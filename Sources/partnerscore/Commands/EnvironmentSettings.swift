import Foundation

/// `serve` takes each of its settings from a flag or, when the flag is not
/// given, from an environment variable `PARTNERSCORE_…` (a container
/// platform configures a fleet of instances through the environment); the
/// flag wins. The variables are listed once, here, and printed by
/// `serve --help`.
struct EnvironmentSettings {
    let environment: [String: String]

    init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The serve settings and the flag each one stands for (README, `--help`).
    static let serve: [(variable: String, option: String)] = [
        ("PARTNERSCORE_POLICIES", "--policies (folders separated by ':')"),
        ("PARTNERSCORE_HOST", "--host"),
        ("PARTNERSCORE_PORT", "--port"),
        ("PARTNERSCORE_PUBLIC_METRICS", "--public-metrics (true/false)"),
        ("PARTNERSCORE_MAX_BODY_MB", "--max-body-mb"),
        ("PARTNERSCORE_WORKERS", "--workers"),
        ("PARTNERSCORE_WATCH_MS", "--watch-ms"),
        ("PARTNERSCORE_NO_WEBHOOKS", "--no-webhooks (true/false)"),
        ("PARTNERSCORE_WEBHOOK_RETRY_BASE_MS", "--webhook-retry-base-ms"),
        ("PARTNERSCORE_WEBHOOK_MAX_ATTEMPTS", "--webhook-max-attempts"),
        ("PARTNERSCORE_WEBHOOK_TIMEOUT_MS", "--webhook-timeout-ms"),
        ("PARTNERSCORE_INSTRUCTIONS", "--instructions"),
        ("PARTNERSCORE_MEMORY_MB", "--memory-mb"),
        ("PARTNERSCORE_TIMEOUT_MS", "--timeout-ms"),
    ]

    static var serveHelp: String {
        serve.map { "\($0.variable): \($0.option)" }.joined(separator: "; ")
    }

    /// The variable's value, or nil when it is unset or empty.
    func text(_ variable: String) -> String? {
        precondition(Self.serve.contains { $0.variable == variable }, "\(variable) is not listed in EnvironmentSettings.serve")
        guard let value = environment[variable]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// The flag's value if given, else the variable's, else nil.
    func integer<T: FixedWidthInteger>(_ flag: T?, _ variable: String) throws -> T? {
        if let flag { return flag }
        guard let text = text(variable) else { return nil }
        guard let value = T(text) else { throw CommandFailure("\(variable)=\(text) is not a whole number") }
        return value
    }

    /// A flag given wins (it can only say true); else the variable (true/false, 1/0, yes/no), else false.
    func bool(_ flag: Bool, _ variable: String) throws -> Bool {
        if flag { return true }
        guard let text = text(variable) else { return false }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw CommandFailure("\(variable)=\(text) is neither true nor false")
        }
    }

    /// The flag's folders if any, else the variable's, split at ':'.
    func paths(_ flag: [String], _ variable: String) -> [String] {
        if !flag.isEmpty { return flag }
        return text(variable)?.split(separator: ":").map(String.init).filter { !$0.isEmpty } ?? []
    }
}
