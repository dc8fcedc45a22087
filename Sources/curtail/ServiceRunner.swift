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
        // One service ending (the controller failing, say) shuts the others down gracefully, as
        // SIGTERM does: open live pages are ended, the controller says goodbye, and nothing is
        // torn down mid-write. Ten seconds, then cancellation.
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = .seconds(10)
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch let error as MQTTError {
            throw InvalidInput("\(error)")
        } catch let error as MetricsServerError {
            throw InvalidInput("\(error)")
        }
    }
}
