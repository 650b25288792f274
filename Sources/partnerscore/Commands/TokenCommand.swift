import ArgumentParser
import Foundation
import ScoringService

extension Partnerscore {
    /// Manage the service's bearer tokens.
    struct TokenCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token",
            abstract: "Create, list and revoke bearer tokens for the HTTP API.",
            discussion: """
                Roles: viewer (reads), operator (also ingests activity and runs evaluations), \
                designer (also reloads policies). The store keeps only each token's SHA-256: \
                a token is printed once, when created.
                """,
            subcommands: [Create.self, List.self, Revoke.self]
        )

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a token and print it (once).")

            @OptionGroup var store: StoreOptions

            @Option(help: "viewer, operator or designer.")
            var role: String

            @Option(help: "A unique label, to recognise and revoke the token by.")
            var name: String?

            func validate() throws {
                guard Role(rawValue: role) != nil else {
                    throw ValidationError("unknown role '\(role)' — use viewer, operator or designer")
                }
                if let name, name.isEmpty || Int64(name) != nil {
                    throw ValidationError("--name must be a label that is not a number (numbers are token ids)")
                }
            }

            func run() throws {
                try reportingFailures {
                    let issued = try TokenStore(try store.openExisting().database).create(role: Role(rawValue: role)!, name: name)
                    print(issued.token)
                    printError("token \(issued.record.id)\(name.map { " (\($0))" } ?? "") created with role \(role); "
                               + "it is shown only now — store it safely\n")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the tokens (never their secrets).")

            @OptionGroup var store: StoreOptions

            func run() throws {
                try reportingFailures {
                    let tokens = try TokenStore(try store.openExisting().database).list()
                    print(["ID", "NAME", "ROLE", "CREATED", "REVOKED"].map(pad).joined())
                    for token in tokens {
                        print([String(token.id), token.name ?? "-", token.role.rawValue, token.created, token.revoked ?? "-"].map(pad).joined())
                    }
                }
            }

            private func pad(_ text: String) -> String { text.padding(toLength: max(22, text.count + 2), withPad: " ", startingAt: 0) }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token by id or name; it stops working at once.")

            @OptionGroup var store: StoreOptions

            @Argument(help: "The token's id or name (see token list).")
            var token: String

            func run() throws {
                try reportingFailures {
                    let revoked = try TokenStore(try store.openExisting().database).revoke(token)
                    print("token \(revoked.id)\(revoked.name.map { " (\($0))" } ?? "") revoked")
                }
            }
        }
    }
}
