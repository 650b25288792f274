import Foundation
import GRDB
import PartnerModel
import PartnerStore
import PolicyEngine

// The task, incentive, outbox and webhook tables' operations that other
// targets call, through the engine-neutral seam. Their queries are still
// written against GRDB (TaskLedger.swift, IncentiveLedger.swift, Outbox.swift,
// WebhookSubscriptions.swift, next to the run's writers); until they move to
// `SQLSession` these hand a SQLite session's connection to them, so no caller
// outside the ledger needs GRDB.

extension TaskLedger {
    public static func tasks(_ session: any SQLSession, _ filter: Filter) throws -> [InterventionTask] {
        try tasks(sqliteConnection(session), filter)
    }

    public static func activeTask(_ session: any SQLSession, policySet: String, partnerID: String,
                                  alert: AlertKey) throws -> InterventionTask? {
        try activeTask(sqliteConnection(session), policySet: policySet, partnerID: partnerID, alert: alert)
    }

    public static func task(_ session: any SQLSession, id: Int64) throws -> InterventionTask? {
        try task(sqliteConnection(session), id: id)
    }

    public static func acknowledge(_ session: any SQLSession, id: Int64, on day: Day, note: String?) throws -> InterventionTask {
        try acknowledge(sqliteConnection(session), id: id, on: day, note: note)
    }

    public static func complete(_ session: any SQLSession, id: Int64, outcome: TaskOutcome, on day: Day,
                                note: String?) throws -> InterventionTask {
        try complete(sqliteConnection(session), id: id, outcome: outcome, on: day, note: note)
    }

    public static func dismiss(_ session: any SQLSession, id: Int64, on day: Day, note: String?) throws -> InterventionTask {
        try dismiss(sqliteConnection(session), id: id, on: day, note: note)
    }

    /// The partner's acknowledged steps under the set as of a day (what holds escalation in a run).
    public static func acknowledgedSteps(_ session: any SQLSession, policySet: String, partnerID: String,
                                         asOf: Day) throws -> [AcknowledgedStep] {
        try acknowledgedSteps(sqliteConnection(session), policySet: policySet, partnerID: partnerID, asOf: asOf)
    }

    /// Every task's facts as of a day (for the intervention metrics).
    public static func facts(_ session: any SQLSession, asOf: Day) throws -> [Fact] {
        try facts(sqliteConnection(session), asOf: asOf)
    }
}

extension IncentiveLedger {
    public static func lines(_ session: any SQLSession, _ filter: Filter) throws -> [IncentiveLedgerLine] {
        try lines(sqliteConnection(session), filter)
    }

    /// The incentive costs booked in (since, asOf].
    public static func costs(_ session: any SQLSession, since: Day, asOf: Day) throws -> [Cost] {
        try costs(sqliteConnection(session), since: since, asOf: asOf)
    }
}

extension Outbox {
    public static func isRecording(_ session: any SQLSession) throws -> Bool {
        try isRecording(sqliteConnection(session))
    }

    public static func append(_ session: any SQLSession, _ type: WebhookEventType, day: Day, policySet: String?, partnerID: String?,
                              data: String) throws {
        try append(sqliteConnection(session), type, day: day, policySet: policySet, partnerID: partnerID, data: data)
    }

    public static func events(_ session: any SQLSession, after: Int64, types: [WebhookEventType]?, limit: Int) throws -> [OutboxEvent] {
        try events(sqliteConnection(session), after: after, types: types, limit: limit)
    }

    public static func event(_ session: any SQLSession, id: Int64) throws -> OutboxEvent? {
        try event(sqliteConnection(session), id: id)
    }
}

extension WebhookSubscriptions {
    public static func all(_ session: any SQLSession) throws -> [WebhookSubscription] {
        try all(sqliteConnection(session))
    }

    public static func subscription(_ session: any SQLSession, id: Int64) throws -> WebhookSubscription? {
        try subscription(sqliteConnection(session), id: id)
    }

    public static func pending(_ session: any SQLSession, _ subscription: WebhookSubscription) throws -> Int {
        try pending(sqliteConnection(session), subscription)
    }

    public static func deadLetters(_ session: any SQLSession, subscription: Int64? = nil) throws -> [DeadLetter] {
        try deadLetters(sqliteConnection(session), subscription: subscription)
    }

    public static func add(_ session: any SQLSession, url: String, secret: String, events: [String], now: Date) throws -> WebhookSubscription {
        try add(sqliteConnection(session), url: url, secret: secret, events: events, now: now)
    }

    public static func remove(_ session: any SQLSession, id: Int64) throws {
        try remove(sqliteConnection(session), id: id)
    }

    public static func replay(_ session: any SQLSession, subscription: Int64?, from position: Int64) throws -> [WebhookSubscription] {
        try replay(sqliteConnection(session), subscription: subscription, from: position)
    }

    public static func replayStart(_ session: any SQLSession, since day: Day) throws -> Int64 {
        try replayStart(sqliteConnection(session), since: day)
    }

    public static func claim(_ session: any SQLSession, id: Int64, owner: String, now: Int64, until: Int64) throws -> WebhookSubscription? {
        try claim(sqliteConnection(session), id: id, owner: owner, now: now, until: until)
    }

    public static func release(_ session: any SQLSession, id: Int64, owner: String) throws {
        try release(sqliteConnection(session), id: id, owner: owner)
    }

    public static func advance(_ session: any SQLSession, id: Int64, owner: String, from previous: Int64, to position: Int64,
                               delivered: Int, leaseUntil: Int64) throws -> Bool {
        try advance(sqliteConnection(session), id: id, owner: owner, from: previous, to: position, delivered: delivered,
                    leaseUntil: leaseUntil)
    }

    public static func failed(_ session: any SQLSession, id: Int64, owner: String, position: Int64, attempts: Int, nextAttempt: Int64,
                              error: String, leaseUntil: Int64) throws -> Bool {
        try failed(sqliteConnection(session), id: id, owner: owner, position: position, attempts: attempts, nextAttempt: nextAttempt,
                   error: error, leaseUntil: leaseUntil)
    }

    public static func deadLetter(_ session: any SQLSession, id: Int64, owner: String, position: Int64, event: Int64, attempts: Int,
                                  error: String, at: Date, leaseUntil: Int64) throws -> Bool {
        try deadLetter(sqliteConnection(session), id: id, owner: owner, position: position, event: event, attempts: attempts,
                       error: error, at: at, leaseUntil: leaseUntil)
    }
}

/// The GRDB connection behind a SQLite session; a clear error on another engine.
func sqliteConnection(_ session: any SQLSession) throws -> Database {
    guard let sqlite = session as? GRDBSession else {
        throw PartnerStoreError("the task, incentive and webhook tables are not yet read on \(session.engine.rawValue)",
                                hint: "use a SQLite database until their PostgreSQL queries land")
    }
    return sqlite.db
}
