import Foundation
import GRDB
import PartnerStore

/// How a recorded run writes its ledger rows: the write seam between the
/// ledger's owners (``Ledger``, ``TaskLedger``, ``Outbox``,
/// ``IncentiveLedger``) and the engine.
///
/// - `prepared`: SQLite. Each statement is prepared once and bound value by
///   value through SQLite's C API (``StatementBinder``), one execution per
///   row: for rows this small, anything more costs more than the insert.
/// - `batched`: any engine, through ``SQLSession`` in portable SQL. Plain
///   inserts are buffered and sent `rows` rows per multi-row `INSERT`
///   (``RunStatement/rowsPerBatch`` but in tests) (one round trip instead of one per row, what a
///   server engine needs); statements whose result the run uses (an id, a
///   changed row) run at once. PostgreSQL writes this way; SQLite's tests run
///   a program both ways and compare every ledger row.
enum LedgerWrites: Sendable, Equatable {
    case prepared
    case batched(rows: Int)

    /// The way for `session`'s engine.
    static func `default`(for session: any SQLSession) -> LedgerWrites {
        session.engine == .sqlite ? .prepared : .batched(rows: RunStatement.rowsPerBatch)
    }
}

/// One statement of a recorded run, executed row after row with positional
/// (1-based) bindings, as ``StatementBinder`` binds them; the writes go the
/// way ``LedgerWrites`` says. Bindings are kept until replaced: bind every
/// parameter before each execution.
///
/// A batched insert's rows reach the database at ``flush()`` (or when a batch
/// is full): the run reads nothing it wrote through one before it finishes
/// (each batch's reads are about partners not yet recorded).
final class RunStatement {
    /// Rows per multi-row insert of a batched statement (PostgreSQL allows 65,535 parameters a statement).
    static let rowsPerBatch = 256

    private enum Target {
        case prepared(StatementBinder, Database)
        /// `sql`: the statement for one row; `batch`: the multi-row insert's head and each row's placeholders (nil: not batched).
        case batched(any SQLSession, sql: String, batch: (head: String, row: String, tail: String)?, rows: Int)
    }
    private let target: Target
    private let width: Int
    /// A batched statement's bound values, and its buffered rows' back to back.
    private var values: [SQLValue]
    private var pending: [SQLValue] = []
    private var pendingRows = 0

    /// `INSERT INTO table (columns) VALUES (?, …) tail` — batched when it returns nothing (`tail` holds no `RETURNING`).
    static func insert(_ session: any SQLSession, _ writes: LedgerWrites, into table: String, columns: [String],
                       tail: String = "") throws -> RunStatement {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        let batches = !tail.contains("RETURNING")
        return try RunStatement(session, writes, sql: head + row + (tail.isEmpty ? "" : " " + tail), width: columns.count,
                                batch: batches ? (head, row, tail.isEmpty ? "" : " " + tail) : nil)
    }

    /// Any other statement (an update, an insert whose id the run needs), run at once on either way.
    static func single(_ session: any SQLSession, _ writes: LedgerWrites, _ sql: String, parameters: Int) throws -> RunStatement {
        try RunStatement(session, writes, sql: sql, width: parameters, batch: nil)
    }

    private init(_ session: any SQLSession, _ writes: LedgerWrites, sql: String, width: Int,
                 batch: (head: String, row: String, tail: String)?) throws {
        self.width = width
        switch writes {
        case .prepared:
            guard let grdb = session as? GRDBSession else {
                preconditionFailure("prepared ledger writes are SQLite's; this session is \(session.engine)")
            }
            target = .prepared(StatementBinder(try grdb.db.makeStatement(sql: sql)), grdb.db)
            values = []
        case .batched(let rows):
            target = .batched(session, sql: sql, batch: batch, rows: max(1, rows))
            values = Array(repeating: .null, count: width)
        }
    }

    // MARK: Binding (as StatementBinder)

    @inline(__always) func null(_ i: Int32) {
        switch target {
        case .prepared(let s, _): s.null(i)
        case .batched: values[Int(i) - 1] = .null
        }
    }

    @inline(__always) func int64(_ i: Int32, _ value: Int64) {
        switch target {
        case .prepared(let s, _): s.int64(i, value)
        case .batched: values[Int(i) - 1] = .integer(value)
        }
    }

    @inline(__always) func int32(_ i: Int32, _ value: Int32?) {
        switch target {
        case .prepared(let s, _): s.int32(i, value)
        case .batched: values[Int(i) - 1] = value.map { .integer(Int64($0)) } ?? .null
        }
    }

    @inline(__always) func int(_ i: Int32, _ value: Int) { int64(i, Int64(value)) }

    @inline(__always) func double(_ i: Int32, _ value: Double) {
        switch target {
        case .prepared(let s, _): s.double(i, value)
        case .batched: values[Int(i) - 1] = .real(value)
        }
    }

    func text(_ i: Int32, _ value: String?) {
        switch target {
        case .prepared(let s, _): s.text(i, value)
        case .batched: values[Int(i) - 1] = value.map(SQLValue.text) ?? .null
        }
    }

    /// UTF-8 bytes bound as text; the caller vouches for the encoding.
    func text(_ i: Int32, _ utf8: UnsafeRawBufferPointer) {
        switch target {
        case .prepared(let s, _): s.text(i, utf8)
        case .batched: values[Int(i) - 1] = .text(String(decoding: utf8, as: UTF8.self))
        }
    }

    // MARK: Executing

    /// Run the statement with what is bound (a batched insert: buffer the row); `what` names the row for the error.
    func execute(_ what: @autoclosure () -> String) throws {
        switch target {
        case .prepared(let s, _):
            try s.execute(what())
        case .batched(let session, let sql, let batch, let rows):
            guard batch != nil else {
                try session.execute(sql, values)
                return
            }
            pending.append(contentsOf: values)
            pendingRows += 1
            if pendingRows == rows { try flush() }
        }
    }

    /// Run it, and say whether it changed a row and the id it inserted (`RETURNING id` on a batched statement).
    func executeReturningID(_ what: @autoclosure () -> String) throws -> Int64? {
        switch target {
        case .prepared(let s, let db):
            try s.execute(what())
            return db.changesCount > 0 ? db.lastInsertedRowID : nil
        case .batched(let session, let sql, _, _):
            return try session.row(sql + " RETURNING id", values)?.int64(0)
        }
    }

    /// Send the buffered rows of a batched insert (the run calls it before it finishes).
    func flush() throws {
        guard case .batched(let session, _, let batch?, _) = target, pendingRows > 0 else { return }
        let sql = batch.head + Array(repeating: batch.row, count: pendingRows).joined(separator: ", ") + batch.tail
        try session.execute(sql, pending)
        pending.removeAll(keepingCapacity: true)
        pendingRows = 0
    }
}
