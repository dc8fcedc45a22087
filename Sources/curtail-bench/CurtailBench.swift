import ArgumentParser
import CurtailCommandLine

/// `curtail-bench`: the benchmarks that print the README's figures, the fuzzer driver, and the
/// MQTT relay the latency benchmark measures against. Development tools, not the product: they
/// live outside `curtail` so its graph reads like the product.
@main
struct CurtailBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curtail-bench",
        abstract: "Measure Curtail's performance on this machine (see README, \"Benchmarks\").",
        discussion: """
            Exit codes: 0 success, 1 invalid input or failure (message on stderr), 2 usage error.
            """,
        subcommands: [
            BenchEngineCommand.self, BenchMQTTCommand.self, BenchReplayCommand.self, BenchTuneCommand.self, BenchLoopCommand.self,
            BenchFuzzCommand.self, BenchFailoverCommand.self, BenchAgentCommand.self, BenchHTTPCommand.self, MQTTRelayCommand.self,
        ]
    )

    static func main() async {
        await CommandLineMain.run(Self.self)
    }
}
