import ArgumentParser

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
            ValidateCommand.self, BreakevenCommand.self, ReplayCommand.self, TuneCommand.self, RunCommand.self, DemoCommand.self, LogCommand.self,
            BenchCommand.self,
            MQTTRelayCommand.self,
        ]
    )

    /// Runs the command with Curtail's exit codes: usage errors exit 2 (argument-parser's
    /// default is 64), every other failure 1, with the message on stderr.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { StandardStreams.out(message) }
                Glibc.exit(0)
            }
            if !message.isEmpty { StandardStreams.err(message) }
            Glibc.exit(code == .validationFailure ? 2 : (code.rawValue == 0 ? 1 : code.rawValue))
        }
    }
}
