import Foundation
import PostgresNIO

/// A PostgreSQL database as a ``SQLDatabase``: synchronous, for the store's
/// callers (import, runs, the command line), which run on their own threads.
///
/// ```swift
/// let database = try PostgresDatabase(url: "postgresql://app@127.0.0.1:5432/partnerscore")
/// let count = try database.read { try $0.row("SELECT COUNT(*) FROM partner")?.int(0) }
/// try database.write { session in
///     try session.execute("UPDATE partner SET tier = ? WHERE id = ?", ["Gold", "P1"])
///     try session.copyFrom(table: "event", columns: ["partnerNumber", "day", "kind"], rows: rows)
/// }
/// ```
///
/// - Reads run in `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`: one
///   consistent view, as SQLite's read transactions give.
/// - Writes run in one transaction, committed when the body returns and
///   rolled back when it throws.
/// - Connections: a small pool. A call takes an idle connection or opens a
///   new one, and gives it back afterwards; up to ``idleLimit`` stay open.
///   Calls on several threads therefore run on several connections at once.
/// - The connections run on NIO's shared event loop group; a call waits on
///   its thread for the server's answer (never call it on an event loop).
public final class PostgresDatabase: SQLDatabase, @unchecked Sendable {
    public let location: PostgresLocation
    public var engine: SQLEngine { .postgresql }
    /// Idle connections kept open for the next call.
    public static let idleLimit = 4

    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let logger: Logger
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var nextID = 0

    /// Connect to the database at `url` (one connection is opened now, so a
    /// wrong address or a server that is down is an error here).
    public convenience init(url: String) throws {
        try self.init(location: PostgresLocation(url: url))
    }

    public init(location: PostgresLocation) throws {
        self.location = location
        var logger = Logger(label: "partnerscore.postgres")
        // The server's errors come back as thrown errors; the driver's own log is for debugging it.
        logger.logLevel = .critical
        self.logger = logger
        let connection = try connect()
        checkIn(connection)
    }

    deinit {
        // Closed before they go (the driver insists); waited for unless on an event loop.
        for connection in idle {
            let closing: EventLoopFuture<Void> = connection.close()
            if MultiThreadedEventLoopGroup.currentEventLoop == nil { try? closing.wait() } else { closing.whenComplete { _ in _ = connection } }
        }
    }

    public func read<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try withConnection { session in
            try session.transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { try body(session) }
        }
    }

    public func write<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try withConnection { session in
            try session.transaction(begin: "BEGIN") { try body(session) }
        }
    }

    /// `body` in a read-only transaction that sees exactly what the
    /// transaction that exported `snapshot` saw when it did
    /// (``PostgresSession/exportSnapshot()``; not its uncommitted writes).
    /// A run reads its snapshots this way on a second connection while its
    /// own writes, as a SQLite run does. The exporting transaction must stay
    /// open until this has begun.
    public func read<T>(inSnapshot snapshot: String, _ body: (any SQLSession) throws -> T) throws -> T {
        // SET TRANSACTION takes no parameters: the id is checked instead.
        guard !snapshot.isEmpty, snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw PartnerStoreError("'\(snapshot)' is not a PostgreSQL snapshot id")
        }
        return try withConnection { reader in
            try reader.transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
                try reader.execute("SET TRANSACTION SNAPSHOT '\(snapshot)'", [])
                return try body(reader)
            }
        }
    }

    /// `body` in a write transaction, with the PostgreSQL session itself
    /// (for ``PostgresSession/copyFrom(table:columns:rows:)`` and the like).
    public func writeSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try withConnection { session in
            try session.transaction(begin: "BEGIN") { try body(session) }
        }
    }

    /// `body` with one connection held for its whole length and no
    /// transaction opened: for a caller that runs its own (a run's one
    /// transaction, `BEGIN` … `COMMIT`, with advisory locks). The connection
    /// goes back to the pool afterwards; if `body` leaves a transaction open
    /// it is rolled back first.
    public func withConnection<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let session = PostgresSession(connection: try checkOut(), logger: logger, location: location)
        do {
            let result = try body(session)
            release(session)
            return result
        } catch {
            release(session)
            throw error
        }
    }

    /// Give a session's connection back, or close it when it is broken or
    /// was left inside a transaction that cannot be rolled back.
    private func release(_ session: PostgresSession) {
        if session.inTransaction { try? session.execute("ROLLBACK", []) }
        if session.connection.isClosed || session.inTransaction {
            closeSoon(session.connection)
        } else {
            checkIn(session.connection)
        }
    }

    private func checkOut() throws -> PostgresConnection {
        lock.lock()
        while let connection = idle.popLast() {
            lock.unlock()
            if !connection.isClosed { return connection }
            lock.lock()
        }
        lock.unlock()
        return try connect()
    }

    private func checkIn(_ connection: PostgresConnection) {
        lock.lock()
        if idle.count < Self.idleLimit {
            idle.append(connection)
            lock.unlock()
        } else {
            lock.unlock()
            closeSoon(connection)
        }
    }

    private func connect() throws -> PostgresConnection {
        lock.lock()
        nextID += 1
        let id = nextID
        lock.unlock()
        do {
            let connection = try PostgresConnection.connect(on: group.next(), configuration: location.configuration, id: id,
                                                            logger: logger).wait()
            // Money in text form keeps every digit; days are integers: nothing else to set.
            return connection
        } catch {
            throw PostgresSession.storeError(error, location: location, connecting: true)
        }
    }
}

/// One connection of a ``PostgresDatabase`` as a ``SQLSession``: `?`
/// placeholders become `$1`, `$2`, … (not inside quoted text), values map
/// to and from ``SQLValue``, and errors become ``PartnerStoreError``s
/// carrying the server's message, SQLSTATE and hint.
public final class PostgresSession: SQLSession {
    let connection: PostgresConnection
    private let logger: Logger
    private let location: PostgresLocation
    /// True between a `BEGIN` this session ran and its `COMMIT`/`ROLLBACK`.
    private(set) var inTransaction = false

    init(connection: PostgresConnection, logger: Logger, location: PostgresLocation) {
        self.connection = connection
        self.logger = logger
        self.location = location
    }

    public var engine: SQLEngine { .postgresql }

    @discardableResult
    public func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        let result = try run(sql, arguments)
        return result.metadata.rows ?? 0
    }

    public func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        // The rows arrive whole (the driver's callback runs on its event
        // loop, not this thread); callers read in pages.
        let result = try run(sql, arguments)
        guard let first = result.rows.first else { return }
        let columns = first.map(\.columnName)
        for row in result.rows {
            var values: [SQLValue] = []
            values.reserveCapacity(columns.count)
            for cell in row { values.append(try SQLValue(cell)) }
            try body(SQLRow(values: values, columns: columns))
        }
    }

    /// Each row of a query as the driver gives it (binary cells), for the
    /// bulk readers that decode their columns themselves.
    func forEachRawRow(_ sql: String, _ arguments: [SQLValue], _ body: (PostgresRow) throws -> Void) throws {
        for row in try run(sql, arguments).rows { try body(row) }
    }

    /// The snapshot of this session's transaction, for another connection's
    /// ``PostgresDatabase/read(inSnapshot:_:)`` (in READ COMMITTED: a
    /// snapshot taken now).
    public func exportSnapshot() throws -> String {
        guard let id = try row("SELECT pg_export_snapshot()")?.string(0) else {
            throw PartnerStoreError("PostgreSQL did not export a snapshot")
        }
        return id
    }

    /// A query sent now whose rows are waited for later (``PendingRows/rows()``):
    /// the server runs it, and the driver collects its rows, while this
    /// thread works on the previous query's rows. Queries on one connection
    /// run in the order they were sent.
    func send(_ sql: String, _ arguments: [SQLValue]) -> PendingRows {
        PendingRows(future: connection.query(query(sql, arguments), logger: logger), location: location)
    }

    struct PendingRows {
        let future: EventLoopFuture<PostgresQueryResult>
        let location: PostgresLocation

        func rows() throws -> PostgresQueryResult {
            do {
                return try future.wait()
            } catch {
                throw PostgresSession.storeError(error, location: location, connecting: false)
            }
        }
    }

    /// `body` between `begin` and `COMMIT`; `ROLLBACK` when it throws.
    func transaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        try execute(begin, [])
        inTransaction = true
        do {
            let result = try body()
            try execute("COMMIT", [])
            inTransaction = false
            return result
        } catch {
            if (try? execute("ROLLBACK", [])) != nil { inTransaction = false }
            throw error
        }
    }

    private func query(_ sql: String, _ arguments: [SQLValue]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments { argument.bind(into: &bindings) }
        return PostgresQuery(unsafeSQL: Self.numberingPlaceholders(sql), binds: bindings)
    }

    private func run(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
        do {
            let result = try connection.query(query(sql, arguments), logger: logger).wait()
            noteTransaction(sql)
            return result
        } catch {
            throw Self.storeError(error, location: location, connecting: false)
        }
    }

    /// Follow BEGIN/COMMIT/ROLLBACK a caller runs itself (``PostgresDatabase/withConnection(_:)``).
    private func noteTransaction(_ sql: String) {
        let head = sql.prefix(9).uppercased()
        if head.hasPrefix("BEGIN") || head.hasPrefix("START") { inTransaction = true }
        if head.hasPrefix("COMMIT") || head.hasPrefix("ROLLBACK") || head.hasPrefix("END") { inTransaction = false }
    }

    // MARK: - COPY

    /// Copy rows into `table` with `COPY … FROM STDIN`, inside the current
    /// transaction (a failure aborts it: nothing of the copy is kept).
    /// Values as for ``execute(_:_:)``; a `real` keeps every digit (its
    /// shortest exact form), so a `numeric` column holds the decimal given.
    public func copyFrom(table: String, columns: [String], rows: [[SQLValue]]) throws {
        try copyFrom(table: table, columns: columns) { send in
            var text = CopyText()
            for row in rows {
                text.append(row)
                if text.bytes.count >= 1 << 20 { try send(text.take()) }
            }
            if !text.bytes.isEmpty { try send(text.take()) }
        }
    }

    /// Copy what `produce` sends — rows in COPY's text format (``CopyText``),
    /// any number of chunks — into `table`, in one `COPY … FROM STDIN`. The
    /// data is streamed: a few chunks wait at most, so memory stays bounded
    /// when the producer is faster than the server. When `produce` throws,
    /// the copy is abandoned (the server refuses the whole statement) and the
    /// error is rethrown.
    public func copyFrom(table: String, columns: [String], _ produce: (_ send: ([UInt8]) throws -> Void) throws -> Void) throws {
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let flow = CopyFlow()
        let connection = self.connection, logger = self.logger
        let columnList = columns
        // The driver's COPY is async only. Its task runs on a queue of its
        // own, not on Swift's cooperative pool: this thread blocks until the
        // copy ends, and when every pool thread is such a caller (tests, a
        // server's handlers), a task waiting for a pool thread would never run.
        Task(executorPreference: CopyExecutor.shared) {
            do {
                try await connection.copyFrom(table: table, columns: columnList, logger: logger) { writer in
                    for try await chunk in stream {
                        var buffer = ByteBuffer()
                        buffer.writeBytes(chunk)
                        try await writer.write(buffer)
                        flow.sent()
                    }
                }
                flow.finish(nil)
            } catch {
                flow.finish(error)
            }
        }
        do {
            try produce { chunk in
                try flow.waitForRoom()
                continuation.yield(chunk)
            }
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
            _ = flow.waitForEnd()
            // The producer's own error as it is; the server's (which stopped the producer) in the store's words.
            throw error is PSQLError ? Self.storeError(error, location: location, connecting: false) : error
        }
        if let error = flow.waitForEnd() {
            throw Self.storeError(error, location: location, connecting: false)
        }
    }

    // MARK: - SQL and errors

    /// `?` → `$1`, `$2`, … and `?NNN` → `$NNN`, outside quoted literals,
    /// quoted identifiers and comments.
    static func numberingPlaceholders(_ sql: String) -> String {
        guard sql.utf8.contains(UInt8(ascii: "?")) else { return sql }
        var out: [UInt8] = []
        out.reserveCapacity(sql.utf8.count + 16)
        let bytes = Array(sql.utf8)
        var i = 0, next = 1
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // To the closing quote; a doubled quote is part of the text.
                out.append(c)
                i += 1
                while i < bytes.count {
                    out.append(bytes[i])
                    if bytes[i] == c {
                        if i + 1 < bytes.count && bytes[i + 1] == c {
                            out.append(c)
                            i += 2
                            continue
                        }
                        break
                    }
                    i += 1
                }
                i += 1
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { out.append(bytes[i]); i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                out.append(contentsOf: bytes[i...(i + 1)])
                i += 2
                while i < bytes.count {
                    if bytes[i] == UInt8(ascii: "*") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/") {
                        out.append(contentsOf: bytes[i...(i + 1)])
                        i += 2
                        break
                    }
                    out.append(bytes[i])
                    i += 1
                }
            case UInt8(ascii: "?"):
                var j = i + 1
                while j < bytes.count && bytes[j] >= UInt8(ascii: "0") && bytes[j] <= UInt8(ascii: "9") { j += 1 }
                out.append(UInt8(ascii: "$"))
                if j > i + 1 {
                    out.append(contentsOf: bytes[(i + 1)..<j])
                } else {
                    out.append(contentsOf: String(next).utf8)
                    next += 1
                }
                i = j
            default:
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A driver or server error as the store's error: the server's message,
    /// SQLSTATE, detail and hint; a refused connection says where and what to do.
    static func storeError(_ error: any Error, location: PostgresLocation, connecting: Bool) -> PartnerStoreError {
        if let error = error as? PartnerStoreError { return error }
        guard let error = error as? PSQLError else {
            return connectionError("\(error)", location)
        }
        if let info = error.serverInfo {
            var message = "PostgreSQL: " + (info[.message] ?? "error")
            if let detail = info[.detail] { message += " (\(detail))" }
            var failure = PartnerStoreError(message, hint: info[.hint])
            failure.sqlState = info[.sqlState]
            if let state = info[.sqlState] { failure.message += " [SQLSTATE \(state)]" }
            if connecting, failure.hint == nil {
                failure.hint = "check the user, password and database name in \(location)"
            }
            return failure
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            return connectionError(error.underlying.map { "\($0)" } ?? "\(error.code)", location)
        default:
            return PartnerStoreError("PostgreSQL: \(error.code)" + (error.underlying.map { ": \($0)" } ?? ""))
        }
    }

    private static func connectionError(_ what: String, _ location: PostgresLocation) -> PartnerStoreError {
        PartnerStoreError("cannot reach PostgreSQL at \(location): \(what)",
                          hint: "is PostgreSQL running at \(location.socketFolder ?? "\(location.host ?? ""):\(location.port)")? "
                              + "start one with Scripts/postgres.sh start")
    }
}

/// Runs the copy tasks' jobs on a dispatch queue (see ``PostgresSession/copyFrom(table:columns:_:)``).
private final class CopyExecutor: TaskExecutor {
    static let shared = CopyExecutor()
    private let queue = DispatchQueue(label: "partnerscore.postgres.copy", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Back-pressure and the outcome of a copy between the producing thread and the driver's task.
private final class CopyFlow: @unchecked Sendable {
    private let condition = NSCondition()
    private var inFlight = 0
    private var ended = false
    private var error: (any Error)?
    static let window = 4

    /// Wait until fewer than ``window`` chunks are on their way; throws once the copy has failed.
    func waitForRoom() throws {
        condition.lock()
        defer { condition.unlock() }
        while inFlight >= Self.window && !ended { condition.wait() }
        if ended { throw error ?? PartnerStoreError("PostgreSQL: the copy ended early") }
        inFlight += 1
    }

    func sent() {
        condition.lock()
        inFlight -= 1
        condition.signal()
        condition.unlock()
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        ended = true
        self.error = error
        condition.broadcast()
        condition.unlock()
    }

    func waitForEnd() -> (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        while !ended { condition.wait() }
        return error
    }
}

/// Rows in COPY's text format: tab-separated, `\N` for NULL, backslash,
/// tab and line breaks escaped.
public struct CopyText {
    public var bytes: [UInt8] = []
    public init() {}

    public mutating func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    public mutating func append(_ row: [SQLValue]) {
        for (i, value) in row.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: "\t")) }
            append(value)
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    public mutating func append(_ value: SQLValue) {
        switch value {
        case .null: null()
        case .integer(let v): integer(v)
        case .real(let v): real(v)
        case .text(var v): v.withUTF8 { text($0) }
        case .blob(let v):
            bytes.append(contentsOf: "\\\\x".utf8)
            for byte in v {
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 15)])
            }
        }
    }

    @inline(__always) public mutating func null() { bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")]) }
    @inline(__always) public mutating func separator() { bytes.append(UInt8(ascii: "\t")) }
    @inline(__always) public mutating func endRow() { bytes.append(UInt8(ascii: "\n")) }

    @inline(__always) public mutating func integer(_ value: Int64) {
        if value >= 0 && value < 10 { bytes.append(UInt8(ascii: "0") + UInt8(value)); return }
        var value = value
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            if value == .min { bytes.append(contentsOf: "9223372036854775808".utf8); return }
            value = -value
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while value > 0 {
                d[count] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
                count += 1
            }
            for k in stride(from: count - 1, through: 0, by: -1) { bytes.append(d[k]) }
        }
    }

    /// A double in its shortest exact form (what `Double(text)` reads back
    /// as the same double; a `numeric` column keeps exactly these digits).
    public mutating func real(_ value: Double) {
        if value.isNaN { bytes.append(contentsOf: "NaN".utf8); return }
        if value.isInfinite { bytes.append(contentsOf: (value < 0 ? "-Infinity" : "Infinity").utf8); return }
        if value == value.rounded(), abs(value) < 1e15 { return integer(Int64(value)) }
        bytes.append(contentsOf: value.description.utf8)
    }

    public mutating func text(_ utf8: UnsafeBufferPointer<UInt8>) {
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default: bytes.append(byte)
            }
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)
}

// MARK: - Values

extension SQLValue {
    /// A cell of a result (the driver asks for binary results).
    init(_ cell: PostgresCell) throws {
        guard var buffer = cell.bytes else { self = .null; return }
        if cell.format == .text {
            self = .text(buffer.readString(length: buffer.readableBytes) ?? "")
            return
        }
        switch cell.dataType {
        case .int2: self = .integer(Int64(buffer.readInteger(as: Int16.self) ?? 0))
        case .int4, .oid: self = .integer(Int64(buffer.readInteger(as: Int32.self) ?? 0))
        case .int8: self = .integer(buffer.readInteger(as: Int64.self) ?? 0)
        case .float4: self = .real(Double(Float(bitPattern: buffer.readInteger(as: UInt32.self) ?? 0)))
        case .float8: self = .real(Double(bitPattern: buffer.readInteger(as: UInt64.self) ?? 0))
        case .bool: self = .integer(buffer.readInteger(as: UInt8.self) == 0 ? 0 : 1)
        case .numeric:
            // Via its decimal text: the nearest double, as SQLite holds an amount read from a file.
            guard let text = PostgresData(type: .numeric, formatCode: .binary, value: buffer).numeric?.string,
                  let value = Double(text) else {
                throw PartnerStoreError("PostgreSQL: cannot read the numeric value of column \(cell.columnName)")
            }
            self = .real(value)
        case .text, .varchar, .bpchar, .name, .json, .unknown:
            self = .text(buffer.readString(length: buffer.readableBytes) ?? "")
        case .jsonb:
            _ = buffer.readInteger(as: UInt8.self)   // the format version
            self = .text(buffer.readString(length: buffer.readableBytes) ?? "")
        case .bytea:
            self = .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        default:
            throw PartnerStoreError("PostgreSQL: column \(cell.columnName) has type \(cell.dataType), which the store does not read",
                                    hint: "cast it in the query (::text, ::bigint or ::float8)")
        }
    }

    /// Bind as a parameter: integers as int8, reals as `numeric` in their
    /// shortest exact form (so a `numeric` column keeps every digit, and a
    /// double column reads back the same double), text with its type left
    /// to the server (like a quoted literal), blobs as bytea.
    func bind(into bindings: inout PostgresBindings) {
        switch self {
        case .null: bindings.appendNull()
        case .integer(let v): bindings.append(v)
        case .real(let v):
            var text = CopyText()
            text.real(v)
            bindings.append(TextParameter(text: String(decoding: text.bytes, as: UTF8.self), type: .numeric))
        case .text(let v): bindings.append(TextParameter(text: v, type: .null))
        case .blob(let v): bindings.append(ByteBuffer(bytes: v))
        }
    }
}

/// A parameter sent as text, of a given type (`.null`: the server infers it from where it is used).
private struct TextParameter: PostgresDynamicTypeEncodable {
    let text: String
    let type: PostgresDataType
    var psqlType: PostgresDataType { type }
    var psqlFormat: PostgresFormat { .text }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}

/// Close a connection without waiting (the driver finishes it on its event loop).
private func closeSoon(_ connection: PostgresConnection) {
    let closing: EventLoopFuture<Void> = connection.close()
    closing.whenComplete { _ in _ = connection }   // held until closed: the driver asserts it is closed when it goes
}
