import Foundation
import GRDB
import GRDBSQLite

/// Binds one row's values to a prepared statement through SQLite's C API
/// and executes it: for hot loops that write one row per partner, where
/// GRDB's `StatementArguments` (an existential per value, then a
/// `DatabaseValue`) costs more than the insert.
///
/// ```swift
/// var row = StatementBinder(statement)
/// row.int64(1, number); row.text(2, name); row.null(3)
/// try row.execute("the decision of partner P1")
/// ```
///
/// Bindings are positional (1-based) and kept until replaced: bind every
/// parameter before each execution.
public struct StatementBinder {
    public let statement: Statement
    @usableFromInline let s: OpaquePointer

    public init(_ statement: Statement) {
        self.statement = statement
        s = statement.sqliteStatement
    }

    @inlinable public func null(_ i: Int32) { sqlite3_bind_null(s, i) }
    @inlinable public func int64(_ i: Int32, _ value: Int64) { sqlite3_bind_int64(s, i, value) }
    @inlinable public func int32(_ i: Int32, _ value: Int32) { sqlite3_bind_int(s, i, value) }
    @inlinable public func int32(_ i: Int32, _ value: Int32?) { if let value { int32(i, value) } else { null(i) } }
    @inlinable public func int(_ i: Int32, _ value: Int) { sqlite3_bind_int64(s, i, Int64(value)) }
    @inlinable public func double(_ i: Int32, _ value: Double) { sqlite3_bind_double(s, i, value) }

    /// Text, copied by SQLite at once (`nil` binds NULL).
    public func text(_ i: Int32, _ value: String?) {
        guard var value else { return null(i) }
        value.withUTF8 { text(i, UnsafeRawBufferPointer($0)) }
    }

    /// UTF-8 bytes bound as text, copied by SQLite at once; the caller
    /// vouches for the encoding (nothing validates it on the way).
    public func text(_ i: Int32, _ utf8: UnsafeRawBufferPointer) {
        let empty: StaticString = ""
        let pointer = utf8.baseAddress ?? UnsafeRawPointer(empty.utf8Start)
        sqlite3_bind_text(s, i, pointer.assumingMemoryBound(to: CChar.self), Int32(utf8.count), SQLITE_TRANSIENT)
    }

    /// Run the statement once with what is bound; `what` names the row for the error.
    public func execute(_ what: @autoclosure () -> String) throws {
        try step(s, what())
    }
}
