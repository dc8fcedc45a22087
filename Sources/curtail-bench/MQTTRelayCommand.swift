import ArgumentParser
import CurtailCommandLine
import CurtailMQTT
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `curtail-bench mqtt-relay`: answers every message on one topic with a publish on another.
///
/// Hidden: it is the Swift side of `curtail-bench mqtt` and the client whose will the tests
/// check when the process is killed. It runs the MQTT client and the relay as services in one
/// `ServiceGroup`, so SIGTERM/SIGINT shut it down gracefully (clean disconnect, no will).
struct MQTTRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt-relay",
        abstract: "Relay MQTT messages from one topic to another (benchmark and test helper).",
        shouldDisplay: false
    )

    @Option(help: "Broker address, mqtt://HOST:PORT.")
    var broker: String

    @Option(name: .customLong("in"), help: "Topic (or filter) to subscribe to.")
    var input: String

    @Option(name: .customLong("out"), help: "Topic to publish each message to.")
    var output: String

    @Option(help: "Publishes per received message.")
    var fanout = 1

    @Option(help: "Status topic: retained 'online' once ready, and the will ('offline', retained).")
    var statusTopic: String?

    @Option(help: "MQTT client id (default: curtail-relay-PID).")
    var clientID: String?

    func validate() throws {
        guard fanout >= 1 else { throw ValidationError("--fanout must be at least 1") }
    }

    func run() async throws {
        var logger = Logger(label: "curtail.mqtt-relay")
        logger.logLevel = .warning
        var configuration = try MQTTConfiguration(url: broker, clientID: clientID ?? "curtail-relay-\(getpid())")
        if let statusTopic {
            configuration.will = .init(topic: statusTopic, payload: Array("offline".utf8), qos: .atLeastOnce, retain: true)
        }
        let client = try MQTTClient(configuration: configuration, logger: logger)
        let relay = Relay(client: client, input: input, output: output, fanout: fanout, statusTopic: statusTopic)
        let group = ServiceGroup(
            services: [client, relay],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}

/// Subscribes, says "ready" on stdout, then republishes every message until shutdown.
private struct Relay: Service {
    let client: MQTTClient
    let input: String
    let output: String
    let fanout: Int
    let statusTopic: String?

    func run() async throws {
        try await client.waitUntilConnected(timeout: .seconds(30))
        try await client.subscribe(to: input)
        if let statusTopic {
            try await client.publish("online", to: statusTopic, retain: true)
        }
        StandardStreams.out("ready")
        for await message in client.messages.cancelOnGracefulShutdown() {
            for _ in 0..<fanout {
                try client.enqueue(message.payload, to: output, qos: .atLeastOnce)
            }
        }
    }
}
