import ArgumentParser
import PartnerModel
import PartnerStore

extension Partnerscore {
    /// Create (or migrate) a partner database.
    struct InitCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create a partner database, or bring an existing one to the current schema.",
            discussion: "The database is one SQLite file in WAL mode, or a PostgreSQL database (--db postgresql://…); running init again is harmless."
        )

        @OptionGroup var store: StoreOptions

        func run() throws {
            try reportingFailures {
                let opened = try openStore(at: store.path)
                let counts = try opened.counts()
                print("\(store.display): ready (\(TextFormat.count(counts.partners, "partner")), \(TextFormat.count(counts.events, "event")))")
            }
        }
    }
}
