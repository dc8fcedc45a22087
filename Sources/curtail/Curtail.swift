import ArgumentParser

@main
struct Curtail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curtail",
        abstract: "Demand-response controller for Bitcoin mining sites.",
        discussion: """
            Curtail listens to grid price and curtailment signals over MQTT, decides how much \
            mining load each site should run, and commands the miners. See README.md.
            """,
        subcommands: [BenchCommand.self, MQTTRelayCommand.self]
    )
}
