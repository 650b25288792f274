import GRDB

/// The engine's tables, added to the partner store's database by named
/// migrations (see ``PartnerStore/migrator(extendedBy:)``).
///
/// - `evaluation_run`: one row per evaluation run written (dry runs write
///   nothing): the policy set, as-of day, content hash and the run's counts.
/// - `partner_state`: what the engine remembers per policy set and partner
///   (tier, standing, open review, last tier evaluation, achievements, gate
///   statuses) — the input of the next run.
/// - `tier_history`: every tier change, with the run that made it.
/// - `decision`: one row per partner per run — the decision log: policy
///   name, version and content hash, previous and new tier and standing, the
///   health score and band, the chosen intervention, the input snapshot's
///   hash and the full evaluation (every criterion's observed value,
///   threshold and outcome) as JSON.
/// - `alert`: open and resolved alerts, remembering when each was first raised.
/// - `task` (`tasks-v1`): interventions as tracked work (``TaskLedger``).
/// - `outbox`, `webhook_subscription`, `webhook_dead_letter` (`webhooks-v1`):
///   events for webhooks and their delivery (``Outbox``, ``WebhookSubscriptions``).
/// - `decision_text` (since `ledger-v2`): the texts a run's decisions take
///   from their policy (criterion labels and requirements, health component
///   targets, intervention texts, the policy's identity), once per run and
///   policy content hash. Decisions written since refer to them instead of
///   repeating them (see `DecisionTexts`); earlier ones hold them in full.
public enum LedgerSchema {
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("ledger-v1") { db in
            try db.execute(sql: """
                CREATE TABLE evaluation_run (
                    id INTEGER PRIMARY KEY,
                    policySet TEXT NOT NULL,
                    asOf INTEGER NOT NULL,
                    contentHash TEXT NOT NULL,
                    partners INTEGER NOT NULL,
                    summary TEXT NOT NULL
                );
                CREATE INDEX evaluation_run_on_set ON evaluation_run(policySet, asOf);

                CREATE TABLE partner_state (
                    policySet TEXT NOT NULL,
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    tier TEXT,
                    tierSince INTEGER,
                    standing TEXT NOT NULL,
                    lastEvaluated INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    PRIMARY KEY (policySet, partnerNumber)
                ) WITHOUT ROWID;

                CREATE TABLE tier_history (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL REFERENCES evaluation_run(id) ON DELETE CASCADE,
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    policySet TEXT NOT NULL,
                    asOf INTEGER NOT NULL,
                    fromTier TEXT,
                    toTier TEXT,
                    event TEXT NOT NULL
                );
                CREATE INDEX tier_history_on_partner ON tier_history(partnerNumber, asOf);

                CREATE TABLE decision (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL REFERENCES evaluation_run(id) ON DELETE CASCADE,
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    policySet TEXT NOT NULL,
                    asOf INTEGER NOT NULL,
                    policyName TEXT NOT NULL,
                    policyVersion TEXT NOT NULL,
                    contentHash TEXT NOT NULL,
                    previousTier TEXT,
                    tier TEXT,
                    previousStanding TEXT NOT NULL,
                    standing TEXT NOT NULL,
                    tierEvent TEXT NOT NULL,
                    healthScore REAL NOT NULL,
                    healthBand TEXT NOT NULL,
                    intervention TEXT,
                    snapshotHash TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE INDEX decision_on_partner ON decision(partnerNumber, asOf);
                CREATE INDEX decision_on_run ON decision(runId);

                CREATE TABLE alert (
                    id INTEGER PRIMARY KEY,
                    partnerNumber INTEGER NOT NULL REFERENCES partner(number) ON DELETE CASCADE,
                    policySet TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    firstRaised INTEGER NOT NULL,
                    lastSeen INTEGER NOT NULL,
                    resolved INTEGER,
                    step INTEGER NOT NULL,
                    intervention TEXT
                );
                CREATE INDEX alert_open ON alert(policySet, partnerNumber) WHERE resolved IS NULL;
                CREATE INDEX alert_on_kind ON alert(kind, resolved);
                """)
        }
        // Only adds a table: checking foreign keys as it goes (.immediate)
        // spares upgraded databases GRDB's check of every row afterwards
        // (seconds over millions of events).
        migrator.registerMigration("ledger-v2", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: """
                CREATE TABLE decision_text (
                    runId INTEGER NOT NULL REFERENCES evaluation_run(id) ON DELETE CASCADE,
                    contentHash TEXT NOT NULL,
                    texts TEXT NOT NULL,
                    PRIMARY KEY (runId, contentHash)
                ) WITHOUT ROWID;
                """)
        }
        // Interventions as tracked work, and the events webhooks deliver: tables with owners of their own.
        TaskLedger.register(in: &migrator)
        Outbox.register(in: &migrator)
        // What incentive rules pay (IncentiveLedger).
        IncentiveLedger.register(in: &migrator)
    }
}
