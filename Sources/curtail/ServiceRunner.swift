import CurtailCommandLine
import CurtailMQTT
import CurtailObservability
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a long-running command's services until SIGTERM/SIGINT, turning the failures an operator
/// can fix (the broker refused us, the metrics port is taken) into an invalid-input exit.
enum ServiceRunner {
    static func run(_ services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch let error as MQTTError {
            throw InvalidInput("\(error)")
        } catch let error as MetricsServerError {
            throw InvalidInput("\(error)")
        }
    }
}
