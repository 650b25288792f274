import Dispatch
import Foundation
import LuaHost
import PartnerModel
import PartnerStore
import PolicyEngine
import ProgramGenerator

// partnerscore-bench: micro-benchmarks of the host (run in release:
// Scripts/bench-lua.sh). Prints one line per case: ns per call.
//   partnerscore-bench [ITERATIONS] [POLICIES] [all|lua|record|evaluate|durability] [PARTNERS]
// (`durability`, Scripts/bench-durability.sh: ITERATIONS small write
// transactions and an import of PARTNERS, with synchronous=NORMAL and FULL.)
// (`record` runs only the LuaRecord case, the figure, e.g. to profile it;
// PARTNERS, 20,000 by default, is how many snapshots `evaluate` cycles through:
// fewer make its setup quick enough to run under valgrind.)

func measure(_ name: String, iterations: Int, _ body: () throws -> Void) rethrows {
    if cases == "record" && !name.contains("LuaRecord") { return }
    for _ in 0..<(iterations / 10) { try body() }   // warm-up
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<iterations { try body() }
    let elapsed = clock.now - start
    let (seconds, attoseconds) = elapsed.components
    let ns = (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(iterations)
    print(String(format: "%-58@ %8.1f ns/call", name as NSString, ns))
}

/// A whole number argument at `position`, `fallback` when it is not given; a usage message for anything else.
func count(at position: Int, _ name: String, fallback: Int) -> Int {
    guard let text = CommandLine.arguments.dropFirst(position).first else { return fallback }
    guard let value = Int(text), value > 0 else {
        FileHandle.standardError.write(Data("partnerscore-bench: \(name) must be a positive whole number, not '\(text)'\n".utf8))
        exit(2)
    }
    return value
}
let iterations = count(at: 1, "ITERATIONS", fallback: 1_000_000)
let policiesFolder = CommandLine.arguments.dropFirst(2).first ?? "Policies"
let cases = CommandLine.arguments.dropFirst(3).first ?? "all"
let benchPartners = count(at: 4, "PARTNERS", fallback: 20_000)
guard ["all", "lua", "record", "evaluate", "durability"].contains(cases) else {
    FileHandle.standardError.write(Data("partnerscore-bench: cases must be all, lua, record, evaluate or durability, not '\(cases)'\n".utf8))
    exit(2)
}
print("partnerscore-bench: \(iterations) iterations per case")
if cases == "durability" {
    try durability()
    exit(0)
}
if cases != "evaluate" { try hostCalls() }
if cases == "all" || cases == "evaluate" { try policyEvaluations() }

/// What syncing every commit costs: the store's write connection runs
/// synchronous=FULL (a commit is on disk when it returns); NORMAL, GRDB's
/// default in WAL mode and the store's before, syncs only at checkpoints.
/// Measured on the same file system as the working folder: `iterations`
/// commits of 10 events each (an ingest batch's transaction), then an
/// import of a generated `benchPartners`-partner program.
func durability() throws {
    let folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        .appendingPathComponent(".bench-durability-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let program = try ProgramGenerator(options: .init(partners: benchPartners, seed: 7, industry: Industry.named("telecom")))
        .write(to: folder.appendingPathComponent("program"))
    print("durability: \(program.partners) partners, \(program.events) events; commits of 10 events")
    // Two rounds in turn, so neither setting always runs on a colder cache.
    for (round, mode) in ["NORMAL", "FULL", "NORMAL", "FULL"].enumerated() {
        let path = folder.appendingPathComponent("\(mode)-\(round).sqlite").path
        let store = try PartnerStore(path: path)
        try store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(mode)") }
        let clock = ContinuousClock()
        var start = clock.now
        let summary = try store.importFiles([program.partnersFile.path, program.eventsFile.path])
        let importSeconds = (clock.now - start).seconds
        let batch = (0..<10).map { i in
            JSONValue.object([.init(key: "partner_id", value: .string("P0000001")), .init(key: "date", value: .string("2026-10-31")),
                              .init(key: "kind", value: .string(i % 2 == 0 ? "login" : "training")),
                              .init(key: "name", value: .string("module \(i)"))])
        }
        start = clock.now
        for _ in 0..<iterations {
            try store.database.write { session in _ = try PartnerStore.importEventObjects(batch, in: session) }
        }
        let commitSeconds = (clock.now - start).seconds
        print(String(format: "synchronous=%-6@ import %7.2f s (%d events)   %6.2f ms/commit  %7.0f commits/s",
                     mode as NSString, importSeconds, summary.events, commitSeconds * 1000 / Double(iterations),
                     Double(iterations) / commitSeconds))
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

/// The cost of one call into Lua through the host path.
func hostCalls() throws {
let lua = try LuaState()
let policy = try lua.load(source: """
    return function(p)
      local score = p.revenue_12m / 1000 + p.deals_won * 5 + p.certifications * 10
      if p.logins_30d < 2 then score = score - 20 end
      if p.days_inactive > 60 then score = score - 30 end
      local tier = "Registered"
      if p.revenue_12m >= 250000 and p.certifications >= 2 then tier = "Gold"
      elseif p.revenue_12m >= 50000 then tier = "Silver" end
      return score, tier, p.region
    end
    """, chunkName: "bench/policy.lua")
let function = try lua.call(policy)[0]
guard case .function(let ref) = function else { fatalError("policy did not return a function") }
let empty = try lua.load(source: "return function() end", chunkName: "bench/empty.lua")
guard case .function(let emptyRef) = try lua.call(empty)[0] else { fatalError() }

let names = ["revenue_12m", "revenue_3m", "deals_won", "deals_registered", "certifications",
             "logins_30d", "days_inactive", "region"].map(LuaFieldName.init)
var counter = 0.0

try measure("empty function, no arguments", iterations: iterations) {
    _ = try lua.call(emptyRef, limits: nil, pushArguments: { _ in 0 }, readResult: { _ in 0 })
}
try measure("8-field table built per call (LuaFieldName path)", iterations: iterations) {
    counter += 1
    let score = try lua.call(ref, limits: nil, pushArguments: { stack in
        stack.newTable(fields: 8)
        stack.push(120_000 + counter); stack.setField(names[0])
        stack.push(30_000.0); stack.setField(names[1])
        stack.push(Int64(4)); stack.setField(names[2])
        stack.push(Int64(9)); stack.setField(names[3])
        stack.push(Int64(2)); stack.setField(names[4])
        stack.push(Int64(12)); stack.setField(names[5])
        stack.push(Int64(3)); stack.setField(names[6])
        stack.push("EMEA"); stack.setField(names[7])
        return 1
    }, readResult: { stack in stack.number(at: -1) ?? 0 })
    precondition(score > 0)
}
let luaRecord = LuaRecord(fields: names.map(\.name))
luaRecord.set(1, 30_000.0)
luaRecord.set(2, Int64(4))
luaRecord.set(3, Int64(9))
luaRecord.set(4, Int64(2))
luaRecord.set(5, Int64(12))
luaRecord.set(6, Int64(3))
luaRecord.set(7, "EMEA")
try measure("8-field table built per call (LuaRecord path)", iterations: iterations) {
    counter += 1
    luaRecord.set(0, 120_000 + counter)
    let score = try lua.call(ref, limits: nil, pushArguments: { stack in
        stack.push(luaRecord)
        return 1
    }, readResult: { stack in stack.number(at: -1) ?? 0 })
    precondition(score > 0)
}
let record: LuaValue = ["revenue_12m": 120_000.0, "revenue_3m": 30_000.0, "deals_won": 4, "deals_registered": 9,
                        "certifications": 2, "logins_30d": 12, "days_inactive": 3, "region": "EMEA"]
try measure("8-field table built per call (LuaValue path)", iterations: iterations / 4) {
    _ = try lua.call(ref, [record])
}

// The floor: the same work done entirely inside Lua (one call, many iterations).
let driver = try lua.load(source: """
    local policy, n = ...
    local acc = 0
    for i = 1, n do
      local p = {revenue_12m = 120000 + i, revenue_3m = 30000.0, deals_won = 4, deals_registered = 9,
                 certifications = 2, logins_30d = 12, days_inactive = 3, region = "EMEA"}
      acc = acc + policy(p)
    end
    return acc
    """, chunkName: "bench/driver.lua")
for (label, limits) in cases == "record" ? [] : [("with limits armed", LuaLimits(instructions: 0, memoryBytes: 64 << 20, timeout: .seconds(60))),
                        ("unlimited: hook armed after a watchdog tick", LuaLimits.unlimited)] {
    let n = iterations
    let clock = ContinuousClock()
    let start = clock.now
    _ = try lua.call(driver, [.function(ref), .integer(Int64(n))], limits: limits)
    let elapsed = clock.now - start
    let ns = (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(n)
    print(String(format: "%-58@ %8.1f ns/call", "in-Lua loop, table + call (\(label))" as NSString, ns))
}
}

/// Policy evaluations over snapshots already in memory: the telecom policy on
/// a generated telecom program, one Lua state per worker, every core.
func policyEvaluations() throws {
    let generator = ProgramGenerator(options: .init(partners: benchPartners, seed: 7, industry: Industry.named("telecom")))
    let store = try PartnerStore(inMemoryExtendingMigrations: { _ in })
    var partners: [Partner] = []
    var events: [ActivityEvent] = []
    generator.forEachPartner { generated in
        partners.append(generated.partner)
        events.append(contentsOf: generated.events)
    }
    try store.upsertPartners(partners)
    try store.importEvents(events)
    let telecom = URL(fileURLWithPath: policiesFolder).appendingPathComponent("telecom")
    let measures = try PolicySet(directory: telecom, displayPath: "Policies/telecom").measures
    let snapshots = try SnapshotCalculator(store: store, measures: measures).snapshots(asOf: ProgramGenerator.defaultEnd)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    for jobs in Array(Set([1, cores])).sorted() {
        let evaluators = try (0..<jobs).map { _ in PartnerEvaluator(policySet: try PolicySet(directory: telecom, displayPath: "Policies/telecom")) }
        final class Box: @unchecked Sendable { let evaluators: [PartnerEvaluator]; let snapshots: [PartnerSnapshot]
            init(_ e: [PartnerEvaluator], _ s: [PartnerSnapshot]) { evaluators = e; snapshots = s } }
        let box = Box(evaluators, snapshots)
        let total = max(iterations / 2, 100_000)
        let clock = ContinuousClock()
        let start = clock.now
        DispatchQueue.concurrentPerform(iterations: jobs) { worker in
            // Read the shared arrays once per worker: reading them from the box at every
            // evaluation would retain and release their buffers, one cache line for both cores.
            let evaluator = box.evaluators[worker]
            let snapshots = box.snapshots
            // Each worker cycles through its own contiguous share, as a run's
            // workers take contiguous parts of a batch: neighbouring snapshots
            // share cache lines, and two cores retaining their strings would
            // pass those lines back and forth.
            var share = (snapshots.count * worker / jobs)..<(snapshots.count * (worker + 1) / jobs)
            if share.isEmpty { share = 0..<snapshots.count }   // fewer snapshots than workers
            var index = share.lowerBound
            for _ in stride(from: worker, to: total, by: jobs) {
                _ = try! evaluator.evaluate(snapshots[index], state: PartnerProgramState.initial(for: snapshots[index].partner))
                index += 1
                if index == share.upperBound { index = share.lowerBound }
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "%-58@ %8.0f evaluations/s (%.2f µs each per worker)", "telecom policy, snapshots in memory, \(jobs) worker(s)" as NSString,
                     Double(total) / seconds, seconds * Double(jobs) / Double(total) * 1e6))
    }
}
