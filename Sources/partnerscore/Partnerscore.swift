import ArgumentParser

@main
struct Partnerscore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partnerscore",
        abstract: "Partner program scoring with per-industry Lua policies.",
        discussion: """
            Partnerscore holds partner data and the partner lifecycle; policy scripts in \
            Lua define tiers, health scores, compliance gates and interventions.
            """,
        version: PartnerscoreVersion.current,
        subcommands: [
            LuaCommand.self,
            InitCommand.self,
            ImportCommand.self,
            GenerateCommand.self,
            ExportCommand.self,
            EvaluateCommand.self,
            ExplainCommand.self,
            MetricsCommand.self,
            ReportCommand.self,
            DemoCommand.self,
            TestCommand.self,
            CheckCommand.self,
            DiffCommand.self,
            PolicyCommand.self,
            ServeCommand.self,
            TokenCommand.self,
            TasksCommand.self,
            WebhooksCommand.self,
        ]
    )
}

enum PartnerscoreVersion {
    static let current = "0.1.0"
}
