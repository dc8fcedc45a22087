import ArgumentParser
import Logging

/// `--log-level`, and the process's log handler (stderr) at that level: what the long-running
/// commands (`run`, `agent`) share.
struct LogLevelOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    /// Sends every logger to stderr at the chosen level.
    func bootstrap() throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
