import Foundation
import TestSupport
import Testing
@testable import LuaHost

@Suite("require resolves modules only inside the policy set and Policies/lib")
struct ModuleResolverTests {
    let folder: TemporaryFolder
    let lua: LuaState

    init() throws {
        folder = try TemporaryFolder()
        try folder.write("Policies/telecom/helpers.lua", "return { bonus = function(x) return x + 1 end }")
        try folder.write("Policies/telecom/tiers/common.lua", "return { names = {'Authorized', 'Premier'} }")
        try folder.write("Policies/lib/scoring.lua", "return { weight = 0.5 }")
        try folder.write("Policies/lib/broken.lua", "return {\n  oops = \n}")
        try folder.write("Policies/lib/cycle_a.lua", "return require 'cycle_b'")
        try folder.write("Policies/lib/cycle_b.lua", "return require 'cycle_a'")
        try folder.write("secret.lua", "return 'secret'")
        let set = folder.url.appendingPathComponent("Policies/telecom")
        lua = try LuaState(modules: .forPolicySet(at: set, displayPath: "Policies/telecom"))
    }

    @Test("set modules, dotted sub-modules and shared lib modules load")
    func found() throws {
        #expect(try run("return require('helpers').bonus(1)", in: lua) == 2)
        #expect(try run("return require('tiers.common').names[2]", in: lua) == "Premier")
        #expect(try run("return require('scoring').weight", in: lua) == 0.5)
    }

    @Test("a module is loaded once and shared")
    func cached() throws {
        #expect(try run("return require('helpers') == require('helpers')", in: lua) == true)
    }

    @Test("escaping names are sandbox violations", arguments: [
        "../secret", "/etc/passwd", "..secret", "helpers/../../secret", "socket.core/x", "",
    ])
    func escapes(name: String) throws {
        let error = luaError { try run("return require('\(name)')", in: lua) }
        #expect(error?.kind == .sandboxViolation, "\(name): \(String(describing: error))")
    }

    @Test("a symlink out of the set is refused")
    func symlink() throws {
        try FileManager.default.createSymbolicLink(
            at: folder.url.appendingPathComponent("Policies/telecom/leak.lua"),
            withDestinationURL: folder.url.appendingPathComponent("secret.lua"))
        #expect(luaError { try run("return require('leak')", in: lua) }?.kind == .sandboxViolation)
    }

    @Test("a missing module names where it looked")
    func missing() throws {
        let error = luaError { try run("return require('nothere')", name: "Policies/telecom/p.lua", in: lua) }
        #expect(error?.kind == .runtime)
        #expect(error?.message.contains("Policies/telecom/nothere.lua") == true)
        #expect(error?.message.contains("Policies/lib/nothere.lua") == true)
        // And what is there, so a typo shows beside the right name.
        #expect(error?.message.contains("modules there: ") == true && error?.message.contains("helpers") == true
                && error?.message.contains("tiers.common") == true, "\(String(describing: error))")
    }

    @Test("a syntax error in a module names the module's file and line")
    func brokenModule() throws {
        let error = luaError { try run("return require('broken')", in: lua) }
        #expect(error?.file == "Policies/lib/broken.lua")
        #expect(error?.line == 3)
    }

    @Test("circular requires are reported")
    func circular() throws {
        #expect(luaError { try run("return require('cycle_a')", in: lua) }?.message.contains("circular require") == true)
    }

    @Test("modules cannot write globals either")
    func moduleGlobals() throws {
        try folder.write("Policies/lib/leaky.lua", "shared = 1\nreturn {}")
        #expect(luaError { try run("return require('leaky')", in: lua) }?.kind == .sandboxViolation)
    }
}
