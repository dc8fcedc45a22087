import ArgumentParser

@main
struct Curtail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curtail",
        abstract: "Demand-response controller for Bitcoin mining sites.",
        subcommands: []
    )
}
