import Foundation
import LuaHost
import PartnerModel
import TestSupport
import Testing
@testable import PolicyEngine

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The editor files are made from the host, and the checked-in ones are what
/// it makes today (CI also runs `partnerscore policy editor-files --check`).
@Suite("Editor definitions are generated from the host")
struct EditorFilesTests {
    @Test("the checked-in files are exactly what the host generates")
    func upToDate() throws {
        let folders = try FileManager.default.contentsOfDirectory(at: repository.appendingPathComponent("Policies"), includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") && $0.lastPathComponent != "lib" }.sorted { $0.path < $1.path }
        let sets = try folders.map { try PolicySet(directory: $0, displayPath: "Policies/\($0.lastPathComponent)") }
        let measures = EditorFiles.measures(of: sets, folder: "Policies")
        #expect(measures.contains { $0.declaration.name == "months_5k_of_last_4" })
        for file in try EditorFiles.generate(measures: measures) {
            let checkedIn = try String(contentsOf: repository.appendingPathComponent("Policies/" + file.path), encoding: .utf8)
            #expect(checkedIn == file.contents, "Policies/\(file.path) differs: run partnerscore policy editor-files Policies")
        }
    }

    @Test("they describe every metric, every library member, every alert kind and the partner table")
    func complete() throws {
        let definitions = try EditorFiles.definitions()
        for metric in Metric.allCases { #expect(definitions.contains("---@field \(metric.name) number?"), "\(metric.name)") }
        for kind in AlertKind.allCases { #expect(definitions.contains("\"\(kind.rawValue)\""), "\(kind.rawValue)") }
        #expect(definitions.contains("function ps.flag(name) end"))
        #expect(definitions.contains("---@field flags Flag[]?"))
        #expect(definitions.contains("deals_outside_territory_30d"))
        for field in EditorFiles.partnerFields { #expect(definitions.contains("---@field \(field.name) "), "p.\(field.name)") }
    }

    @Test("every field the loader accepts is described")
    func described() throws {
        for declaration in Contract.Declaration.allCases {
            #expect(try Contract.fields(of: declaration).map(\.name) == Contract.fieldNames(of: declaration))
        }
    }

    @Test("generation refuses a host member the files would not describe")
    func drift() {
        #expect(throws: EditorFiles.Failure.self) { try EditorFiles.agree(["at_least", "new_thing"], ["at_least"], what: "the library", fix: "") }
        #expect(throws: EditorFiles.Failure.self) { try EditorFiles.agree(["at_least"], ["at_least", "gone"], what: "the library", fix: "") }
        #expect(throws: Never.self) { try EditorFiles.agree(["a"], ["a"], what: "", fix: "") }
    }

    @Test("luacheck's globals are the sandbox's")
    func luacheck() throws {
        let config = try EditorFiles.luacheckConfig()
        for global in try LuaState().sandboxGlobals() { #expect(config.contains("\"\(global.name)\"") || config.contains("\(global.name) = {")) }
        #expect(!config.contains("\"os\"") && !config.contains("\"load\""))
    }

    @Test("ps.default_milestones are the deadlines a policy without milestones gets")
    func defaultMilestones() throws {
        let values = try EditorFiles.libraryMembers().values
        guard case .table(let milestones) = values["default_milestones"] ?? .nil else { Issue.record("no default_milestones"); return }
        for step in MilestoneRule.Step.allCases {
            #expect(milestones[step.rawValue]?.stringValue == step.defaultDeadline.description, "\(step.rawValue)")
        }
    }

    @Test("docs/policies.md documents every field, every library member and each cadence's calendar")
    func documented() throws {
        let docs = try String(contentsOf: repository.appendingPathComponent("docs/policies.md"), encoding: .utf8)
        for declaration in Contract.Declaration.allCases {
            for field in Contract.fieldNames(of: declaration) { #expect(docs.contains("`\(field)`"), "\(declaration).\(field)") }
        }
        for member in Contract.members { #expect(docs.contains("ps.\(member.name)"), "ps.\(member.name)") }
        for cadence in Cadence.allCases { #expect(docs.contains(cadence.calendar), "\(cadence): \(cadence.calendar)") }
    }
}

/// `partnerscore policy show`: the policy as the host uses it, defaults filled in.
@Suite("A resolved policy fills in every default")
struct ResolvedPolicyTests {
    @Test("defaults filled in, functions located, the same bytes every time")
    func resolved() throws {
        let folder = try PolicyFolder(files: ["testset/agents.lua": """
            local ps = require "partnerscore"
            return ps.policy {
              name = "Agents", version = "1.0", effective = "2025-01-01", programs = { "agents" }, cadence = "quarterly",
              tiers = {
                ps.tier "Authorized" {},
                ps.tier "Premier" { entry = { ps.at_least("revenue_1m", 10000), ps.check("custom", function(p) return true end) } },
              },
              gates = { ps.gate "Agreement" { credential = "agreement", suspends = { products = { "voice" } } } },
              milestones = { first_tier_advancement = false },
            }
            """])
        let set = try folder.load()
        let json = try ResolvedPolicySet(set).json()
        #expect(json == (try ResolvedPolicySet(try folder.load()).json()))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let policy = try #require((document["policies"] as? [[String: Any]])?.first)
        #expect(policy["remediation"] as? String == "0 days")
        #expect((policy["cadence"] as? [String: String])?["tiers_due"] == Cadence.quarterly.calendar)
        let tiers = try #require(policy["tiers"] as? [[String: Any]])
        // Premier gives no maintenance criteria: they are its entry criteria.
        #expect((tiers[1]["maintain"] as? [Any])?.count == 2 && tiers[1]["maintain_is_entry"] as? Bool == true)
        let check = try #require((tiers[1]["entry"] as? [[String: Any]])?.last)
        #expect(check["function"] as? String == "Policies/testset/agents.lua:6")
        let gate = try #require((policy["gates"] as? [[String: Any]])?.first)
        #expect(gate["warn"] as? String == "0 days" && gate["applies_to"] as? String == "every partner")
        let milestones = try #require(policy["milestones"] as? [String: Any])
        #expect(milestones["first_login"] as? String == "3 days" && milestones["first_tier_advancement"] as? Bool == false)
        #expect((policy["interventions"] as? [Any])?.isEmpty == true)
        let health = try #require(policy["health"] as? [String: Any])
        #expect((health["bands"] as? [Any])?.count == 3 && health["alerting_band"] == nil)
    }
}
