import GRDB
import PartnerModel

extension SnapshotCalculator {
    /// The snapshots of the chosen partners inside a transaction the caller
    /// holds through the engine-neutral seam (analytics reads snapshots and
    /// the ledger in one). Snapshots are a bulk path with one reader per
    /// engine: SQLite's is ``forEachSnapshot(in:asOf:programs:partnerIDs:_:)``.
    public func forEachSnapshot(in session: any SQLSession, asOf: Day, programs: [String]? = nil, partnerIDs: [String]? = nil,
                                _ body: (PartnerSnapshot) throws -> Void) throws {
        guard let sqlite = session as? GRDBSession else {
            throw PartnerStoreError("snapshots are not yet computed on \(session.engine.rawValue)",
                                    hint: "use a SQLite database until the PostgreSQL engine's snapshot reader lands")
        }
        try forEachSnapshot(in: sqlite.db, asOf: asOf, programs: programs, partnerIDs: partnerIDs, body)
    }
}

extension PartnerStore {
    /// ``importEventObjects(_:kinds:batch:in:)`` inside a transaction the
    /// caller holds through the engine-neutral seam (the service's ingest
    /// records its idempotency key and outbox event in the same one).
    @discardableResult
    public static func importEventObjects(_ objects: [JSONValue], kinds: EventKinds = .builtIn, batch: String = "events",
                                          in session: any SQLSession) throws -> ImportSummary {
        guard let sqlite = session as? GRDBSession else {
            throw PartnerStoreError("events are not yet ingested on \(session.engine.rawValue)",
                                    hint: "use a SQLite database until the PostgreSQL engine's event writer lands")
        }
        return try importEventObjects(objects, kinds: kinds, batch: batch, in: sqlite.db)
    }
}
