import Foundation
import PostgresNIO

/// Where a PostgreSQL database is, read from a URL:
///
/// ```
/// postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE
/// postgres://USER@/DATABASE?host=/run/postgresql      (a Unix socket folder)
/// ```
///
/// `sslmode=disable` is the only TLS mode: the store talks to a server on
/// loopback, a private socket or a trusted network (say so in a URL if you
/// like; any other `sslmode` is refused rather than silently ignored).
/// User and password may be percent-encoded. PORT defaults to 5432, USER to
/// the login name, DATABASE to USER.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String?
    public var socketFolder: String?
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    /// True when `text` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    public init(url text: String) throws {
        func refuse(_ why: String) -> PartnerStoreError {
            PartnerStoreError("cannot read the database URL \(PostgresLocation.redacted(text)): \(why)",
                              hint: "write it as postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw refuse("not a postgresql:// URL")
        }
        let login = ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? login
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        port = components.port ?? 5432
        host = components.host.flatMap { $0.isEmpty ? nil : $0 }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        guard !path.contains("/") else { throw refuse("the database name '\(path)' has a '/'") }
        database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        for item in components.queryItems ?? [] {
            switch item.name {
            case "host":
                guard let value = item.value, value.hasPrefix("/") else { throw refuse("host= must be a socket folder (an absolute path)") }
                socketFolder = value
            case "sslmode":
                guard item.value == "disable" else {
                    throw refuse("sslmode=\(item.value ?? "") is not supported (only sslmode=disable: the store connects without TLS)")
                }
            case "user":
                if let value = item.value { user = value }
            case "password":
                password = item.value
            case "port":
                guard let value = item.value.flatMap(Int.init) else { throw refuse("port= is not a number") }
                port = value
            default:
                throw refuse("unknown parameter '\(item.name)' (known: host, port, user, password, sslmode=disable)")
            }
        }
        if host == nil && socketFolder == nil { host = "127.0.0.1" }
    }

    /// The URL without its password, for messages.
    public var description: String {
        let place = socketFolder.map { "/\(database)?host=\($0)" } ?? "\(host ?? ""):\(port)/\(database)"
        return "postgresql://\(user)@\(place)"
    }

    /// `text` with any password replaced by `***`, for messages.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }

    public var configuration: PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketFolder {
            configuration = .init(unixSocketPath: socketFolder + "/.s.PGSQL.\(port)", username: user, password: password,
                                  database: database)
        } else {
            configuration = .init(host: host ?? "127.0.0.1", port: port, username: user, password: password,
                                  database: database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(10)
        // The store's queries are many and short (a group of partners' events,
        // a batch of rows): JIT compiling one took 35-40 ms, four times its run.
        configuration.options.additionalStartupParameters.append(("jit", "off"))
        return configuration
    }
}
