import ArgumentParser
import Foundation
import LuaHost

extension Partnerscore {
    /// Run a Lua file in the policy sandbox and print its result as JSON.
    struct LuaCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lua",
            abstract: "Run a Lua file in the policy sandbox and print its return value as JSON.",
            discussion: """
                The file runs exactly as a policy would: only the base, string, table, math \
                and utf8 libraries; no global writes; require limited to the file's folder \
                and the shared lib folder beside it. print() writes to stderr.
                """
        )

        @Argument(help: "The Lua file to run.", completion: .file(extensions: ["lua"]))
        var file: String

        @OptionGroup var limits: LimitOptions

        @Flag(help: "Indent the JSON output.")
        var pretty = false

        func run() throws {
            try reportingFailures { try runLua() }
        }

        private func runLua() throws {
            let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
            let display = file.contains("/") ? String(file[..<file.lastIndex(of: "/")!]) : "."
            let lua = try LuaState(modules: .forPolicySet(at: directory, displayPath: display.isEmpty ? "/" : display),
                                   limits: limits.luaLimits)
            lua.output = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
            let result = try lua.run(contentsOf: file)
            print(try result.jsonString(pretty: pretty))
        }
    }
}
