import ArgumentParser
import CurtailCommandLine

@main
struct Curtail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curtail",
        abstract: "Demand-response controller for Bitcoin mining sites.",
        discussion: """
            Curtail listens to grid price and curtailment signals over MQTT, decides how much \
            mining load each site should run, and commands the miners. See README.md.

            Exit codes: 0 success, 1 invalid input or failure (message on stderr), 2 usage error.
            """,
        subcommands: [
            ValidateCommand.self, BreakevenCommand.self, ReplayCommand.self, TuneCommand.self, RunCommand.self, AgentCommand.self, FeedCommand.self,
            OpenADRCommand.self,
            LogCommand.self,
            DoctorCommand.self,
            DemoCommand.self,
        ]
    )

    static func main() async {
        await CommandLineMain.run(Self.self)
    }
}
