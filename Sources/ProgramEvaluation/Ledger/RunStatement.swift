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
    /// Batched statements whose rows these refer to: sent before this one's (a task's alert before the task).
    var after: [RunStatement] = []

    /// `INSERT INTO table (columns) VALUES (?, …) tail` — batched when it returns nothing (`tail` holds no `RETURNING`).
    static func insert(_ session: any SQLSession, _ writes: LedgerWrites, into table: String, columns: [String],
                       tail: String = "") throws -> RunStatement {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        let batches = !tail.contains("RETURNING")
        return try RunStatement(session, writes, sql: head + row + (tail.isEmpty ? "" : " " + tail), width: columns.count,
                                batch: batches ? (head, row, tail.isEmpty ? "" : " " + tail) : nil)
    }

    /// `UPDATE table SET set… WHERE key = ?`, bound as `set` then `key` — batched as one
    /// `WITH v(…) AS (VALUES …) UPDATE … FROM v` per batch. `set` pairs each column with its
    /// SQL type: a batch's values are cast to it, since PostgreSQL infers a VALUES column's
    /// type from its rows (all NULL: text). A batch must not update one row twice (the run
    /// records each partner, and so each of its alerts, once).
    static func update(_ session: any SQLSession, _ writes: LedgerWrites, _ table: String, set: [(column: String, type: String)],
                       key: String) throws -> RunStatement {
        let single = "UPDATE \(table) SET \(set.map { "\($0.column) = ?" }.joined(separator: ", ")) WHERE \(key) = ?"
        let names = (set.map(\.column) + [key]).joined(separator: ", ")
        let row = "(" + Array(repeating: "?", count: set.count + 1).joined(separator: ", ") + ")"
        let tail = ") UPDATE \(table) SET \(set.map { "\($0.column) = CAST(v.\($0.column) AS \($0.type))" }.joined(separator: ", "))"
            + " FROM v WHERE \(table).\(key) = v.\(key)"
        return try RunStatement(session, writes, sql: single, width: set.count + 1,
                                batch: ("WITH v(\(names)) AS (VALUES ", row, tail))
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
        for statement in after { try statement.flush() }
        let sql = batch.head + Array(repeating: batch.row, count: pendingRows).joined(separator: ", ") + batch.tail
        try session.execute(sql, pending)
        pending.removeAll(keepingCapacity: true)
        pendingRows = 0
    }
}

/// Ids of a table's new rows, known before the rows are written, so a batched
/// run (``LedgerWrites/batched(rows:)``) can insert rows whose ids it uses (an
/// alert's, for its task and events) in batches instead of one
/// `INSERT … RETURNING id` per row.
///
/// PostgreSQL: taken from the table's identity sequence, exactly as many as a
/// batch of partners will insert (``reserve(_:)``, one round trip), so a run
/// numbers its rows as SQLite does and leaves no gaps. SQLite (batched only in
/// tests): counted on from `MAX(id)`, what SQLite itself gives the next row
/// inside the run's write transaction. Every row of a batched run's table
/// takes its id here (an insert that did nothing gives it back, ``giveBack(_:)``),
/// so the ids follow the order the run records its partners in, as SQLite's
/// prepared run numbers them; only ids given back at the run's very end are
/// left unused on PostgreSQL (a gap, as a rolled-back insert leaves).
final class ReservedIDs {
    private let session: any SQLSession
    private let table: String
    private var ids: [Int64] = []
    private var used = 0
    /// SQLite: the last id handed out (nil: read MAX(id) first).
    private var last: Int64?
    /// PostgreSQL: the table's id sequence (nil: not looked up yet).
    private var sequence: String?

    init(_ session: any SQLSession, table: String) {
        self.session = session
        self.table = table
    }

    /// Have `count` ids ready, taking from the sequence what those left over
    /// (given back, see ``giveBack(_:)``) do not cover (PostgreSQL; SQLite needs none).
    func reserve(_ count: Int) throws {
        guard session.engine != .sqlite else { return }
        ids.removeFirst(used)
        used = 0
        guard count > ids.count else { return }
        let needed = count - ids.count
        // The sequence's name once: looked up per row, it cost most of the reservation.
        if sequence == nil { sequence = try session.row("SELECT pg_get_serial_sequence(?, 'id')", [.text(table)])?.string(0) }
        guard let sequence else { throw DatabaseError(message: "table \(table) has no id sequence") }
        let taken = try session.rows("SELECT nextval(?::regclass) FROM generate_series(1, ?)",
                                     [.text(sequence), .integer(Int64(needed))]).compactMap { $0.int64(0) }
        guard taken.count == needed else { throw DatabaseError(message: "\(needed) ids of table \(table) were not reserved") }
        ids += taken
    }

    /// The id just taken was not used (an insert that did nothing): the next row takes it.
    func giveBack(_ id: Int64) {
        if session.engine == .sqlite {
            last = id - 1
        } else if used > 0, ids[used - 1] == id {
            used -= 1
        }
    }

    func next() throws -> Int64 {
        if session.engine == .sqlite {
            let id = try (last ?? session.row("SELECT COALESCE(MAX(id), 0) FROM \(table)")?.int64(0) ?? 0) + 1
            last = id
            return id
        }
        // The batch's count was short (it never should be): one more.
        if used == ids.count { try reserve(1) }
        used += 1
        return ids[used - 1]
    }

}
