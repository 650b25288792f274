/// PostgreSQL's transaction-level advisory locks, as the store's writers use
/// them: a run's per-set lock (`ProgramRun.runLockKey`), the outbox's order
/// lock (`Outbox`), the migrations' lock (``PostgresMigrator``).
public enum PostgresAdvisoryLock {
    /// The key of the lock called `name`: the 64-bit FNV-1a hash of
    /// "partnerscore " and the name — stable across processes, versions and
    /// machines, which a fleet sharing one database needs (Swift's
    /// `hashValue` is seeded per process).
    public static func key(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "partnerscore \(name)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// Take lock `key` until `session`'s transaction ends, waiting while
    /// another transaction holds it. PostgreSQL releases it after the
    /// commit is visible to others (`pg_advisory_xact_lock`).
    public static func holdUntilCommit(_ session: any SQLSession, key: Int64) throws {
        try session.execute("SELECT pg_advisory_xact_lock(?)", [.integer(key)])
    }
}
