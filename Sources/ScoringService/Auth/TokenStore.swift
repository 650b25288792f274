import Crypto
import Foundation
import GRDB
import PartnerStore

/// Issues, lists, revokes and checks bearer tokens. A token is shown once,
/// when issued; the database keeps only its SHA-256.
///
/// ```swift
/// let tokens = TokenStore(store.writer)
/// let issued = try tokens.create(role: .operator, name: "crm")
/// print(issued.token)   // ps_… — the only time it is seen
/// ```
public struct TokenStore: Sendable {
    public let writer: any DatabaseWriter

    public init(_ writer: any DatabaseWriter) { self.writer = writer }

    /// A stored token (without the secret).
    public struct Token: Sendable, Equatable {
        public var id: Int64
        public var name: String?
        public var role: Role
        public var created: String
        public var revoked: String?
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
        let record = try writer.write { db -> Token in
            if let name, try Bool.fetchOne(db, sql: "SELECT 1 FROM api_token WHERE name = ?", arguments: [name]) == true {
                throw Failure.nameTaken(name)
            }
            try db.execute(sql: "INSERT INTO api_token (name, role, tokenHash, created) VALUES (?, ?, ?, ?)",
                           arguments: [name, role.rawValue, Self.hash(token), created])
            return Token(id: db.lastInsertedRowID, name: name, role: role, created: created, revoked: nil)
        }
        return Issued(token: token, record: record)
    }

    /// Every token, oldest first, revoked ones included.
    public func list() throws -> [Token] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, role, created, revoked FROM api_token ORDER BY id").map { row in
                Token(id: row[0], name: row[1], role: Role(rawValue: row[2]) ?? .viewer, created: row[3], revoked: row[4])
            }
        }
    }

    /// Revoke the token with this id or name; returns it. Revoking twice is harmless.
    @discardableResult
    public func revoke(_ idOrName: String, now: Date = Date()) throws -> Token {
        try writer.write { db in
            let row = try Row.fetchOne(db, sql: "SELECT id FROM api_token WHERE name = ?", arguments: [idOrName])
                ?? Int64(idOrName).flatMap { try? Row.fetchOne(db, sql: "SELECT id FROM api_token WHERE id = ?", arguments: [$0]) }
            guard let row else { throw Failure.notFound(idOrName) }
            let id: Int64 = row[0]
            try db.execute(sql: "UPDATE api_token SET revoked = COALESCE(revoked, ?) WHERE id = ?", arguments: [Self.timestamp(now), id])
            let stored = try Row.fetchOne(db, sql: "SELECT id, name, role, created, revoked FROM api_token WHERE id = ?", arguments: [id])!
            return Token(id: stored[0], name: stored[1], role: Role(rawValue: stored[2]) ?? .viewer, created: stored[3], revoked: stored[4])
        }
    }

    /// The caller a presented token identifies, nil when it is unknown or revoked.
    public func caller(presenting token: String) async throws -> Caller? {
        let hash = Self.hash(token)
        return try await writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, name, role FROM api_token WHERE tokenHash = ? AND revoked IS NULL",
                                             arguments: [hash]),
                  let role = Role(rawValue: row[2]) else { return nil }
            return Caller(tokenID: row[0], name: row[1], role: role)
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
