import Foundation
import TestSupport
import Testing

/// Every command the README and the guides show is run, so a documented
/// command that breaks (or a new one that never worked) fails here.
///
/// The ```sh blocks of each document run in order, in one workspace (a copy
/// of the repository's Policies, the built binary as `partnerscore` and as
/// `.build/debug/partnerscore`), each block as one bash script that stops at
/// the first failing line and names it. The files a guide asks the reader to
/// create ("Create `PATH`:" and a code block) are written first. A few lines
/// cannot run as written in a test; `Rule` says what is done with each, and a
/// line no rule knows fails the test. Inline synopses (`` `partnerscore verb
/// --option ...` ``) are checked against the verb's --help.
@Suite("Every command in the README and the guides runs")
struct DocumentedCommandsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// In the order a reader meets them: the guide's explain and diff use the README's program.sqlite.
    static let documents = ["README.md", "docs/policies.md", "docs/policy-guide.md"]

    struct Block {
        var document: String
        var line: Int
        var commands: [(line: Int, text: String)]
    }

    /// The ```sh blocks of a markdown text, with the line each command is on.
    static func shellBlocks(of text: String, document: String) -> [Block] {
        var blocks: [Block] = []
        var current: Block?
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current == nil, trimmed == "```sh" {
                current = Block(document: document, line: index + 1, commands: [])
            } else if current != nil, trimmed == "```" {
                blocks.append(current!)
                current = nil
            } else if current != nil, !trimmed.isEmpty {
                current!.commands.append((index + 1, line))
            }
        }
        return blocks
    }

    /// Files a guide asks the reader to create: "Create `PATH`:" followed by a code block.
    static func createdFiles(in text: String) -> [(path: String, contents: String)] {
        let pattern = try! NSRegularExpression(pattern: "Create `([^`]+)`:\\s*\\n\\s*```[a-z]*\\n(.*?)\\n```", options: [.dotMatchesLineSeparators])
        let ns = text as NSString
        return pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
            (ns.substring(with: $0.range(at: 1)), ns.substring(with: $0.range(at: 2)) + "\n")
        }
    }

    /// What the test does with a documented line that cannot run as written.
    enum Rule {
        /// Lines that set a machine up or run this very suite.
        static let skipped = ["swift build", "Scripts/demo.sh", "Scripts/test.sh"]
        /// The first word of every line the test runs as written (after the rewrites below).
        static let commands = ["partnerscore", "$B", "B=", "cp", "curl", "echo", "TOKEN=$(partnerscore", "$EDITOR"]

        static func rewrite(_ line: String) -> String? {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if skipped.contains(where: { trimmed.hasPrefix($0) }) { return ":" }
            guard commands.contains(where: { trimmed.hasPrefix($0) }) else { return nil }
            // The reader's /tmp is the workspace's; the server gets a free port and runs in the background.
            var text = trimmed.replacingOccurrences(of: "/tmp/", with: "$WORK/tmp/")
                .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:$PORT")
            if text.hasPrefix("curl ") { text = "curl -fsS " + text.dropFirst(5) }
            if text.hasPrefix("partnerscore serve ") {
                let command = text.components(separatedBy: " #").first!
                text = command + " --port $PORT > serve.log 2>&1 & SERVER=$!; wait_for_server"
            }
            return text
        }
    }

    func script(_ block: Block) throws -> String {
        var out = """
            set -eEuo pipefail
            trap 'echo "FAILED: $WHERE" >&2' ERR
            trap 'if [ -n "${SERVER:-}" ]; then kill $SERVER; fi' EXIT
            wait_for_server() {
              for _ in $(seq 1 300); do
                if curl -fsS "http://127.0.0.1:$PORT/health" > /dev/null 2>&1; then return 0; fi
                sleep 0.1
              done
              echo "the server did not start: $(cat serve.log)" >&2; return 1
            }

            """
        for command in block.commands {
            let rewritten = try #require(Rule.rewrite(command.text),
                                         "\(block.document):\(command.line): no rule runs `\(command.text)`: add one to DocumentedCommandsTests.Rule")
            let whereText = "\(block.document):\(command.line): \(command.text)".replacingOccurrences(of: "'", with: "'\\''")
            out += "WHERE='\(whereText)'\n\(rewritten)\n"
        }
        return out
    }

    func workspace() throws -> TemporaryFolder {
        let w = try TemporaryFolder()
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("Policies"), to: w.url.appendingPathComponent("Policies"))
        for folder in ["bin", ".build/debug", "tmp"] {
            try FileManager.default.createDirectory(at: w.url.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let binary = partnerscoreExecutable().path
        try FileManager.default.createSymbolicLink(atPath: w.path("bin/partnerscore"), withDestinationPath: binary)
        try FileManager.default.createSymbolicLink(atPath: w.path(".build/debug/partnerscore"), withDestinationPath: binary)
        // The guide's edit: "Premier at 8,000 a month".
        try w.write("bin/edit", "#!/bin/sh\nsed -i 's/ps.at_least(\"revenue_1m\", 5000)/ps.at_least(\"revenue_1m\", 8000)/' \"$1\"\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: w.path("bin/edit"))
        return w
    }

    func bash(_ script: String, in w: TemporaryFolder) throws -> (status: Int32, output: String) {
        try w.write("block.sh", script)
        let r = try run(URL(fileURLWithPath: "/bin/bash"), [w.path("block.sh")], in: w, environment: [
            "PATH": w.path("bin") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "WORK": w.url.path, "EDITOR": w.path("bin/edit"), "PORT": String(Int.random(in: 20_000..<60_000)),
        ])
        return (r.status, r.stdout + r.stderr)
    }

    @Test("the ```sh blocks of the README and the guides run, in order, on a generated program")
    func shellBlocksRun() throws {
        let w = try workspace()
        var ran = 0
        for document in Self.documents {
            let text = try String(contentsOf: Self.root.appendingPathComponent(document), encoding: .utf8)
            for file in Self.createdFiles(in: text) { try w.write(file.path, file.contents) }
            for block in Self.shellBlocks(of: text, document: document) {
                let (status, output) = try bash(try script(block), in: w)
                #expect(status == 0, "\(document):\(block.line): a documented command failed\n\(output.suffix(3000))")
                if status != 0 { return }
                ran += block.commands.count
            }
        }
        #expect(ran > 25, "the documents' commands were found (\(ran))")
    }

    @Test("every inline `partnerscore VERB --option` names a verb and options that exist")
    func synopses() throws {
        let w = try TemporaryFolder()
        let pattern = try NSRegularExpression(pattern: "`partnerscore ([a-z-]+)([^`]*)`")
        var help: [String: String] = [:]
        var checked = 0
        for document in Self.documents {
            let text = try String(contentsOf: Self.root.appendingPathComponent(document), encoding: .utf8)
            let ns = text as NSString
            for match in pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                var verb = [ns.substring(with: match.range(at: 1))]
                let rest = ns.substring(with: match.range(at: 2))
                if ["token", "policy"].contains(verb[0]), let sub = rest.split(separator: " ").first, !sub.hasPrefix("-") {
                    verb.append(String(sub))
                }
                let key = verb.joined(separator: " ")
                if help[key] == nil {
                    let r = try partnerscore(verb + ["--help"], in: w)
                    #expect(r.status == 0, "\(document): `partnerscore \(key)` is not a command")
                    help[key] = r.stdout
                }
                let options = try NSRegularExpression(pattern: "--[a-z][a-z-]*").matches(in: rest, range: NSRange(location: 0, length: (rest as NSString).length))
                for option in options.map({ (rest as NSString).substring(with: $0.range) }) {
                    #expect(help[key]!.contains(option), "\(document): `partnerscore \(key)` has no option \(option)")
                    checked += 1
                }
            }
        }
        #expect(checked > 30)
    }
}
