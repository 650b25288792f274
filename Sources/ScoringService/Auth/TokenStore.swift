import Crypto
import Foundation
import PartnerModel
import PartnerStore

/// Issues, lists, revokes and checks bearer tokens. A token is shown once,
/// when issued; the database keeps only its SHA-256. The one owner of
/// `api_token` (``ServiceSchema``); its queries run on either engine.
///
/// ```swift
/// let tokens = TokenStore(store.database)
/// let issued = try tokens.create(role: .operator, name: "crm")
/// print(issued.token)   // ps_… — the only time it is seen
/// ```
public struct TokenStore: Sendable {
    public let database: any SQLDatabase

    public init(_ database: any SQLDatabase) { self.database = database }

    /// A stored token (without the secret).
    public struct Token: Sendable, Equatable {
        public var id: Int64
        public var name: String?
        public var role: Role
        public var created: String
        public var revoked: String?

        static let columns = "id, name, role, created, revoked"

        init(id: Int64, name: String?, role: Role, created: String, revoked: String?) {
            self.id = id
            self.name = name
            self.role = role
            self.created = created
            self.revoked = revoked
        }

        /// A row of ``columns``.
        init(_ row: SQLRow) throws {
            self.init(id: try row.requiredInt64(0), name: row.string(1), role: Role(rawValue: try row.requiredText(2)) ?? .viewer,
                      created: try row.requiredText(3), revoked: row.string(4))
        }
    }

    /// A freshly issued token: the secret and what the store keeps.
    public struct Issued: Sendable {
        public var token: String
        public var record: Token
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case nameTaken(String)
        case notFound(String)

        public var description: String {
            switch self {
            case .nameTaken(let name): "a token named '\(name)' already exists — choose another --name or revoke it first"
            case .notFound(let which): "no token with id or name '\(which)' — list them with: partnerscore token list"
            }
        }
    }

    /// Issue a token with `role`; `name` must be unique when given.
    public func create(role: Role, name: String? = nil, now: Date = Date()) throws -> Issued {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let token = "ps_" + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let created = Self.timestamp(now)
        let record = try database.write { session -> Token in
            if let name, try session.row("SELECT 1 FROM api_token WHERE name = ?", [.text(name)]) != nil {
                throw Failure.nameTaken(name)
            }
            let inserted = try session.row("INSERT INTO api_token (name, role, tokenHash, created) VALUES (?, ?, ?, ?) RETURNING id",
                                           [name.map { .text($0) } ?? .null, .text(role.rawValue), .text(Self.hash(token)), .text(created)])
            return Token(id: try inserted!.requiredInt64(0), name: name, role: role, created: created, revoked: nil)
        }
        return Issued(token: token, record: record)
    }

    /// Every token, oldest first, revoked ones included.
    public func list() throws -> [Token] {
        try database.read { session in
            try session.rows("SELECT \(Token.columns) FROM api_token ORDER BY id").map(Token.init)
        }
    }

    private static let columns = "id, name, role, created, revoked"

    /// A row of ``columns``.
    private static func token(_ row: SQLRow) -> Token {
        Token(id: row.int64(0)!, name: row.string(1), role: Role(rawValue: row.string(2) ?? "") ?? .viewer,
              created: row.string(3) ?? "", revoked: row.string(4))
    }

    /// Revoke the token with this id or name; returns it. Revoking twice is harmless.
    @discardableResult
    public func revoke(_ idOrName: String, now: Date = Date()) throws -> Token {
        try database.write { session in
            let row = try session.row("SELECT id FROM api_token WHERE name = ?", [.text(idOrName)])
                ?? Int64(idOrName).flatMap { try? session.row("SELECT id FROM api_token WHERE id = ?", [.integer($0)]) }
            guard let row else { throw Failure.notFound(idOrName) }
            let id = try row.requiredInt64(0)
            try session.execute("UPDATE api_token SET revoked = COALESCE(revoked, ?) WHERE id = ?", [.text(Self.timestamp(now)), .integer(id)])
            return try Token(session.row("SELECT \(Token.columns) FROM api_token WHERE id = ?", [.integer(id)])!)
        }
    }

    /// The caller a presented token identifies, nil when it is unknown or revoked.
    public func caller(presenting token: String) async throws -> Caller? {
        let hash = Self.hash(token)
        return try await database.asyncRead { session in
            guard let row = try session.row("SELECT id, name, role FROM api_token WHERE tokenHash = ? AND revoked IS NULL", [.text(hash)]),
                  let role = Role(rawValue: try row.requiredText(2)) else { return nil }
            return Caller(tokenID: try row.requiredInt64(0), name: row.string(1), role: role)
        }
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

extension TokenStore.Failure: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .nameTaken: Problem("name_taken", .conflict, message: description, field: "name")
        case .notFound: Problem("not_found", .notFound, message: description, field: "id")
        }
    }
}
