import Foundation
import GRDB

/// The one seam between a table's owner and the engine holding it.
///
/// A table's owner (``PartnerStore`` for partners and events, the ledger in
/// ProgramEvaluation for runs, states, decisions and alerts) writes its
/// queries once, in the SQL both engines accept, against these protocols;
/// SQLite (GRDB) and PostgreSQL (``PostgresDatabase``, postgres-nio) each implement
/// them. Only bulk paths — import, a run's snapshot reads and ledger writes —
/// have one implementation per engine, behind the owner's API.
///
/// Portable SQL here means: `?` placeholders (PostgreSQL's adapter numbers
/// them), unquoted identifiers (PostgreSQL folds them to lower case, so a
/// column is read by position or by a case-insensitive name),
/// `COALESCE`/`CASE`, `INSERT … ON CONFLICT … DO NOTHING/UPDATE` and
/// `RETURNING` (SQLite ≥ 3.35); no `json_*`, `IFNULL`, `GROUP_CONCAT` or `rowid`.
public protocol SQLSession {
    /// Which engine runs the statements (for the few places the dialects differ).
    var engine: SQLEngine { get }
    /// Run a statement; the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int
    /// Run a query, calling `body` for each row as it arrives.
    func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws
}

/// A database of either engine: reads in a snapshot, writes in one transaction.
public protocol SQLDatabase: Sendable {
    var engine: SQLEngine { get }
    /// `body` in a read-only transaction (one consistent view).
    func read<T>(_ body: (any SQLSession) throws -> T) throws -> T
    /// `body` in a write transaction: committed when it returns, rolled back when it throws.
    func write<T>(_ body: (any SQLSession) throws -> T) throws -> T
}

public enum SQLEngine: String, Sendable {
    case sqlite
    case postgresql
}

/// A value bound to a statement or read from a row, the same on both engines.
/// Money is a `real` on both: PostgreSQL's `numeric` columns are read as the
/// nearest double, which is what SQLite stores for an amount of at most four decimals.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue: ExpressibleByNilLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral {
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }

    public init(_ value: Int) { self = .integer(Int64(value)) }
    public init(_ value: Int64) { self = .integer(value) }
    public init(_ value: Int32) { self = .integer(Int64(value)) }
    public init(_ value: Double) { self = .real(value) }
    public init(_ value: String) { self = .text(value) }
    public init(_ value: Bool) { self = .integer(value ? 1 : 0) }
    public init<T>(_ value: T?, _ wrap: (T) -> SQLValue) { self = value.map(wrap) ?? .null }
}

/// One row of a result, read by position (or by a case-insensitive column name).
public struct SQLRow: Sendable {
    public let values: [SQLValue]
    public let columns: [String]

    public init(values: [SQLValue], columns: [String]) {
        self.values = values
        self.columns = columns
    }

    public subscript(_ index: Int) -> SQLValue { values[index] }

    public subscript(_ name: String) -> SQLValue {
        guard let index = columns.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else {
            preconditionFailure("no column \(name) in \(columns)")
        }
        return values[index]
    }

    public func isNull(_ index: Int) -> Bool { values[index] == .null }

    public func int64(_ index: Int) -> Int64? {
        switch values[index] {
        case .integer(let v): v
        case .real(let v): Int64(exactly: v)
        case .text(let v): Int64(v)
        default: nil
        }
    }

    public func int(_ index: Int) -> Int? { int64(index).map(Int.init) }

    public func double(_ index: Int) -> Double? {
        switch values[index] {
        case .integer(let v): Double(v)
        case .real(let v): v
        case .text(let v): Double(v)
        default: nil
        }
    }

    public func string(_ index: Int) -> String? {
        switch values[index] {
        case .text(let v): v
        case .integer(let v): String(v)
        case .real(let v): String(v)
        case .blob(let v): String(decoding: v, as: UTF8.self)
        case .null: nil
        }
    }

    public func bytes(_ index: Int) -> [UInt8]? {
        switch values[index] {
        case .blob(let v): v
        case .text(let v): Array(v.utf8)
        default: nil
        }
    }

    public func bool(_ index: Int) -> Bool? { int64(index).map { $0 != 0 } }
}

extension SQLSession {
    /// Every row of a query.
    public func rows(_ sql: String, _ arguments: [SQLValue] = []) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try forEachRow(sql, arguments) { rows.append($0) }
        return rows
    }

    /// The first row of a query, if any.
    public func row(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLRow? {
        var first: SQLRow?
        try forEachRow(sql, arguments) { if first == nil { first = $0 } }
        return first
    }

    /// `?, ?, …` for `count` values (an `IN` list).
    public static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

// MARK: - SQLite (GRDB)

/// A GRDB connection as a ``SQLSession``.
public struct GRDBSession: SQLSession {
    public let db: Database
    public init(_ db: Database) { self.db = db }
    public var engine: SQLEngine { .sqlite }

    @discardableResult
    public func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try db.execute(sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue)))
        return db.changesCount
    }

    public func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        let statement = try db.makeStatement(sql: sql)
        let columns = statement.columnNames
        let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(arguments.map(\.databaseValue)))
        while let row = try cursor.next() {
            try body(SQLRow(values: row.databaseValues.map(SQLValue.init), columns: columns))
        }
    }
}

/// A GRDB writer (pool or queue) as a ``SQLDatabase``.
public struct GRDBDatabase: SQLDatabase {
    public let writer: any DatabaseWriter
    public init(_ writer: any DatabaseWriter) { self.writer = writer }
    public var engine: SQLEngine { .sqlite }

    public func read<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try writer.read { try body(GRDBSession($0)) }
    }

    public func write<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try writer.write { try body(GRDBSession($0)) }
    }
}

extension SQLValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let v): self = .integer(v)
        case .double(let v): self = .real(v)
        case .string(let v): self = .text(v)
        case .blob(let v): self = .blob([UInt8](v))
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let v): v.databaseValue
        case .real(let v): v.databaseValue
        case .text(let v): v.databaseValue
        case .blob(let v): Data(v).databaseValue
        }
    }
}
