import Crypto
import Foundation
import LuaHost
import PartnerModel
import PartnerStore
import PolicyEngine

/// Where a policy set lives: its folder and how messages name it.
public struct PolicySetLocation: Sendable, Hashable {
    public var directory: URL
    public var displayPath: String

    public init(directory: URL, displayPath: String) {
        self.directory = directory.standardizedFileURL
        self.displayPath = displayPath
    }

    public var name: String { directory.lastPathComponent }
}

/// One version of a policy set that serves requests: what it is (name,
/// policies, content hash) and a pool of its loaded copies.
final class LoadedPolicySet: Sendable {
    struct PolicyInfo: Sendable, Codable, Equatable {
        var name: String
        var version: String
        var file: String
        var programs: [String]
        var effective: Day
        var cadence: String
        var tiers: [String]
    }

    let location: PolicySetLocation
    let name: String
    let contentHash: String
    let policies: [PolicyInfo]
    let programs: [String]
    /// The set's declared measures (every copy has the same): live evaluations compute snapshots with them.
    let measures: MeasurePlan
    let loadedAt: Date
    let pool: PolicySetPool

    /// One more copy, outside the pool, for checking the next version
    /// against (``PolicySetCheck``); only a reload, one at a time, uses it.
    let spare: SpareCopy

    final class SpareCopy: @unchecked Sendable {
        let set: PolicySet
        init(_ set: PolicySet) { self.set = set }
    }

    init(location: PolicySetLocation, copies: [PolicySet], spare: PolicySet, loadedAt: Date) {
        let first = copies[0]
        self.spare = SpareCopy(spare)
        self.location = location
        name = first.name
        contentHash = first.contentHash
        programs = first.programs
        measures = first.measures
        policies = first.policies.map {
            PolicyInfo(name: $0.name, version: $0.version, file: $0.file, programs: $0.programs, effective: $0.effective,
                       cadence: $0.cadence.rawValue, tiers: $0.tiers.map(\.name))
        }
        self.loadedAt = loadedAt
        pool = PolicySetPool(copies)
    }
}

/// Why a policy set (or the policy folders) could not be (re)loaded. The
/// version loaded before keeps serving.
public struct ReloadFailure: Sendable, Equatable, Error, CustomStringConvertible {
    /// The set's name (its folder name), or nil when the folders themselves could not be read.
    public var set: String?
    public var path: String
    /// `file:line: message`, as `partnerscore check` prints it.
    public var message: String
    public var file: String?
    public var line: Int?
    public var field: String?
    public var at: Date

    public var description: String { message }
}

extension ReloadFailure: ProblemConvertible {
    /// `policy_invalid` with the policy's file, line and field; the answer to a reload the API asked for.
    public var problem: Problem {
        Problem("policy_invalid", .unprocessable, message: "\(message) — the previous version of '\(set ?? path)' keeps serving",
                file: file, line: line, field: field, label: "policy")
    }
}

/// What one reload did.
struct ReloadReport: Sendable {
    var swapped: [String] = []
    var unchanged: [String] = []
    var failures: [ReloadFailure] = []
    /// Sets that serve although sampled partners fail (at start-up, with no earlier version).
    var warnings: [ReloadFailure] = []
}

/// The policy sets the service serves, and their hot reload.
///
/// A reload loads and validates the new version of a set BEFORE it
/// replaces the serving one: the first copy is loaded and validated, then
/// checked (``PolicySetCheck``: its fixtures and a sample of stored
/// partners) — a failure stops here, leaving the old version serving, and is
/// kept as the set's reload error; then one copy per worker is loaded and
/// the new version swapped in at once. Requests already running finish on
/// the copy they checked out. Start-up loads and checks every set the same way.
public final class PolicyRegistry: @unchecked Sendable {
    /// Finds the set folders (from `serve --policies`); called at each reload,
    /// so a new set folder under a folder of sets is picked up.
    public typealias Discovery = @Sendable () throws -> [PolicySetLocation]

    let discover: Discovery
    /// What a new version must pass before it serves (nil: loading only).
    let check: PolicySetCheck?
    /// Copies of each set: one per worker.
    let copies: Int
    /// The limits `serve` sets explicitly (they win over each policy's `limits`).
    let limits: LuaLimits.Overrides
    let metrics: ServiceMetrics?

    private let lock = NSLock()
    private var loaded: [String: LoadedPolicySet] = [:]
    /// Current failures by folder path (cleared when a later load of that folder succeeds).
    private var failures: [String: ReloadFailure] = [:]
    /// Folder path → fingerprint of the files at the last load attempt.
    private var fingerprints: [String: String] = [:]
    /// Serializes reloads (the watcher's and the API's).
    private let reloading = NSLock()

    /// Load every set `discover` names; throws the first ``ReloadFailure``
    /// (the service does not start with a broken policy).
    init(copies: Int, limits: LuaLimits.Overrides = .init(), metrics: ServiceMetrics? = nil, check: PolicySetCheck?,
         discover: @escaping Discovery) throws {
        self.discover = discover
        self.check = check
        self.copies = max(1, copies)
        self.limits = limits
        self.metrics = metrics
        let report = reloadNow(force: true)
        if let failure = report.failures.first { throw failure }
        if loaded.isEmpty {
            throw ReloadFailure(set: nil, path: "", message: "no policy sets to serve", at: Date())
        }
    }

    // MARK: - Reading

    /// The serving sets, by name.
    var sets: [LoadedPolicySet] { lock.withLock { loaded.values.sorted { $0.name < $1.name } } }

    func set(named name: String) -> LoadedPolicySet? { lock.withLock { loaded[name] } }

    /// The event kinds ingest accepts: the built-in ones and the custom kinds the serving sets' measures name.
    var eventKinds: EventKinds { EventKinds(custom: sets.flatMap(\.measures.customKinds)) }

    /// The serving set that governs `program` (the first by name when several do).
    func set(governing program: String) -> LoadedPolicySet? {
        sets.first { $0.programs.contains(program) }
    }

    /// Reload errors not yet fixed, oldest first.
    var currentFailures: [ReloadFailure] { lock.withLock { failures.values.sorted { $0.at < $1.at } } }

    /// The most recent reload error that a later successful load has not cleared.
    var lastFailure: ReloadFailure? { currentFailures.last }

    func failure(forSet name: String) -> ReloadFailure? { lock.withLock { failures.values.first { $0.set == name } } }

    // MARK: - Reloading

    /// Reload, off Swift's cooperative threads (loading runs Lua). With
    /// `force`, every set is loaded and compared by content hash; without,
    /// only sets whose files changed since the last attempt.
    ///
    /// With `announce`, sets swapped in are announced to the other instances
    /// sharing the database (``PolicyReloadBroadcast``); a reload made
    /// because of such an announcement does not announce again.
    func reload(force: Bool, announce: Bool = true) async -> ReloadReport {
        let report = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(returning: self.reloadNow(force: force))
            }
        }
        if announce, let broadcast = lock.withLock({ self.broadcast }) { await broadcast.announce(swapped: report.swapped) }
        return report
    }

    /// Where swapped sets are announced (set once, when the service starts on PostgreSQL).
    private var broadcast: PolicyReloadBroadcast?

    func announce(through broadcast: PolicyReloadBroadcast) { lock.withLock { self.broadcast = broadcast } }

    func reloadNow(force: Bool) -> ReloadReport {
        reloading.lock()
        defer { reloading.unlock() }
        var report = ReloadReport()
        let locations: [PolicySetLocation]
        do {
            locations = try discover()
            lock.withLock { _ = failures.removeValue(forKey: "") }
        } catch {
            let failure = ReloadFailure(set: nil, path: "", message: "cannot read the policy folders: \(error)", at: Date())
            record(failure, in: &report)
            return report
        }
        var names: [String: String] = [:]
        for location in locations {
            if let other = names.updateValue(location.displayPath, forKey: location.name) {
                record(ReloadFailure(set: location.name, path: location.displayPath,
                                     message: "\(location.displayPath): a policy set named '\(location.name)' is already served from \(other); rename one folder",
                                     at: Date()), in: &report)
                continue
            }
            reload(location, force: force, report: &report)
        }
        // A serving set whose folder is gone keeps serving; say so.
        let present = Set(locations.map(\.displayPath))
        for set in sets where !present.contains(set.location.displayPath) {
            if lock.withLock({ failures[set.location.displayPath] }) == nil {
                record(ReloadFailure(set: set.name, path: set.location.displayPath,
                                     message: "\(set.location.displayPath): the policy set folder is gone; still serving the version loaded before",
                                     at: Date()), in: &report)
            }
        }
        return report
    }

    private func reload(_ location: PolicySetLocation, force: Bool, report: inout ReloadReport) {
        let path = location.displayPath
        let fingerprint = Self.fingerprint(of: location.directory)
        let current = set(named: location.name)
        if !force, lock.withLock({ fingerprints[path] }) == fingerprint { return }
        lock.withLock { fingerprints[path] = fingerprint }
        do {
            let first = try PolicySet(directory: location.directory, displayPath: path, limits: limits)
            if let current, current.contentHash == first.contentHash, current.location == location {
                lock.withLock { _ = failures.removeValue(forKey: path) }
                report.unchanged.append(location.name)
                metrics?.recordReload(result: "unchanged")
                return
            }
            let warning = try check?.check(first, serving: current?.spare.set, at: location)
            var copies = [first]
            while copies.count < self.copies + 1 {   // one per worker, and the spare
                let copy = try first.loadCopy()
                guard copy.contentHash == first.contentHash else {
                    // Edited while loading: the watcher sees the new fingerprint and tries again.
                    lock.withLock { fingerprints[path] = nil }
                    throw ReloadFailure(set: location.name, path: path,
                                        message: "\(path): the files changed while loading; retrying at the next check", at: Date())
                }
                copies.append(copy)
            }
            let spare = copies.removeLast()
            let version = LoadedPolicySet(location: location, copies: copies, spare: spare, loadedAt: Date())
            lock.withLock {
                loaded[location.name] = version
                failures[path] = warning
            }
            if let warning { report.warnings.append(warning) }
            report.swapped.append(location.name)
            metrics?.recordReload(result: "swapped")
        } catch let error as PolicyError {
            metrics?.recordPolicyError(stage: "loading")
            record(ReloadFailure(set: location.name, path: path, message: error.description, file: error.file,
                                 line: error.line, field: error.field, at: Date()), in: &report)
        } catch let failure as ReloadFailure {
            record(failure, in: &report)
        } catch {
            record(ReloadFailure(set: location.name, path: path, message: "\(path): \(error)", at: Date()), in: &report)
        }
    }

    private func record(_ failure: ReloadFailure, in report: inout ReloadReport) {
        lock.withLock { failures[failure.path] = failure }
        report.failures.append(failure)
        metrics?.recordReload(result: "failed")
    }

    /// A cheap change detector: SHA-256 over the paths and bytes of the
    /// set's `.lua` files and the shared `lib` folder beside it.
    static func fingerprint(of directory: URL) -> String {
        var hasher = SHA256()
        let lib = directory.deletingLastPathComponent().appendingPathComponent("lib")
        for root in [directory, lib] {
            guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            var files: [URL] = []
            for case let url as URL in enumerator where url.pathExtension == "lua" { files.append(url) }
            for url in files.sorted(by: { $0.path < $1.path }) {
                hasher.update(data: Data(url.path.utf8))
                hasher.update(data: (try? Data(contentsOf: url)) ?? Data())
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
