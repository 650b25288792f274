/// The first import into an empty `event` table, made cheap for the server:
/// its indexes are dropped before the COPY and built again after it, and
/// the events carry ids reserved in one block instead of an identity
/// default per row. Inserting every row into the two B-trees took about three
/// fifths of the server's time for such an import and `nextval` per row a
/// tenth; building both from the finished table costs about three fifths of
/// inserting into them (docs/performance.md, "PostgreSQL import").
///
/// All of it happens in the import's one transaction, under an
/// `ACCESS EXCLUSIVE` lock on `event` taken before anything is dropped:
/// no other session sees the table without its indexes or writes an event
/// meanwhile (their statements on `event` wait for the commit), and a
/// refusal rolls the drops back with the rest. The indexes are rebuilt from
/// their own definitions (`pg_get_indexdef`, `pg_get_constraintdef`), so
/// whatever indexes the schema gives `event` come back the same.
///
/// An import into a table that already holds events keeps the ordinary
/// path (readers and writers of events go on during it): rebuilding every
/// index over the events already stored would cost more than it saves.
struct PostgresInitialLoad {
    /// The id the first copied event takes; the rest follow in file order,
    /// as SQLite numbers them and as the identity default would.
    let firstID: Int64
    /// Statements that build the dropped indexes again, in a fixed order.
    private let rebuild: [String]
    /// The sequence of event ids (`pg_get_serial_sequence`).
    private let sequence: String

    /// Lock `event`, drop its indexes and read the first id, when the table
    /// holds no events and the session's role owns it; nil (and nothing done) otherwise.
    static func begin(_ session: PostgresSession) throws -> PostgresInitialLoad? {
        // Dropping an index takes the table's owner: a role that may only
        // write events imports them the ordinary way.
        guard try session.row("""
            SELECT NOT EXISTS (SELECT 1 FROM event) AND pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = 'event'::regclass
            """)?.bool(0) == true else { return nil }
        // Waits for sessions that use the table now. Should one of them have
        // committed an event meanwhile, this load still holds: the rebuild is
        // only dearer, and the sequence stays above every stored id.
        try session.execute("LOCK TABLE event IN ACCESS EXCLUSIVE MODE", [])
        // An index that backs a constraint goes with its constraint; one that
        // another table's foreign key relies on stays (it cannot be dropped).
        let indexes = try session.rows("""
            SELECT CASE WHEN con.oid IS NULL THEN format('DROP INDEX %s', i.indexrelid::regclass)
                        ELSE format('ALTER TABLE %s DROP CONSTRAINT %I', i.indrelid::regclass, con.conname) END,
                   CASE WHEN con.oid IS NULL THEN pg_get_indexdef(i.indexrelid)
                        ELSE format('ALTER TABLE %s ADD CONSTRAINT %I %s', i.indrelid::regclass, con.conname,
                                    pg_get_constraintdef(con.oid)) END
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
            WHERE i.indrelid = 'event'::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
            ORDER BY c.relname
            """)
        for index in indexes { try session.execute(index.string(0) ?? "", []) }
        // Nobody else can insert an event now, so nobody else takes from the
        // sequence: the id it would give next and those after it are the
        // load's. Read, not taken (the sequence moves in `finish`, just before
        // the commit): a refused import leaves the ids as they were, as SQLite's does.
        guard let sequence = try session.row("SELECT pg_get_serial_sequence('event', 'id')")?.string(0),
              let firstID = try session.row("SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM \(sequence)")?
                  .int64(0) else {
            throw PartnerStoreError("PostgreSQL: the sequence of event ids cannot be read")
        }
        return PostgresInitialLoad(firstID: firstID, rebuild: indexes.map { $0.string(1) ?? "" }, sequence: sequence)
    }

    /// After the COPY of `events` events: move the sequence past the ids
    /// they took (the next event continues from them) and build the indexes.
    func finish(_ session: PostgresSession, events: Int) throws {
        if events > 0 {
            try session.execute("SELECT setval(?::regclass, ?)", [.text(sequence), .integer(firstID + Int64(events) - 1)])
        }
        for statement in rebuild { try session.execute(statement, []) }
    }
}
