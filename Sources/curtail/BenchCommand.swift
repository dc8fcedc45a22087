import ArgumentParser

/// `curtail bench`: benchmarks that print their figures (see README, "Benchmarks").
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Curtail's performance on this machine.",
        subcommands: [
            BenchEngineCommand.self, BenchMQTTCommand.self, BenchReplayCommand.self, BenchTuneCommand.self, BenchLoopCommand.self,
            BenchFuzzCommand.self,
        ]
    )
}
