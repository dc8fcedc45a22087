import ArgumentParser
import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailPolicyFiles
import Foundation
import GridSimulator
import LocalBroker
import Logging

/// `curtail bench loop`: price message → every group's command, through a local mosquitto.
///
/// The controller runs in this process on the wall clock for a site of `--groups` groups of 100
/// miners (the example site's three models, cycled). A publisher sends one real-time price at
/// a time, alternating 5,000 and 30 $/MWh, so every signal flips every group; a subscriber
/// waits until all the group commands have arrived. Latency is from just before the publish to
/// the last command received. Also measures decoding a telemetry message: Curtail's validating
/// decoder against Foundation's `JSONDecoder` on the same bytes.
struct BenchLoopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop",
        abstract: "Latency from a price message to all group commands, through a local broker."
    )

    @Option(help: "Miner groups (100 miners each).")
    var groups = 100

    @Option(help: "Measured signals.")
    var signals = 2000

    @Option(help: "Unmeasured signals first.")
    var warmup = 200

    @Option(help: "Telemetry payloads decoded in the decoding measurement.")
    var decodeCount = 200_000

    func validate() throws {
        guard groups > 0, signals > 0, warmup >= 0, decodeCount > 0 else {
            throw ValidationError("--groups, --signals and --decode-count must be positive, --warmup not negative")
        }
    }

    func run() async throws {
        let loaded = try RunCommand.load(sitePath: "Policies/sites/example-west-texas.yaml", policyPath: nil, parameters: [])
        var settings = loaded.settings
        settings.site = DemoSite.scaled(settings.site, groups: groups)
        settings.site.rampUpMWPerMinute = nil
        var configuration = ControllerConfiguration(settings: settings, policy: loaded.policy)
        configuration.decisionInterval = .seconds(3600)
        configuration.commandLifetime = .seconds(3600)
        configuration.reissueBefore = .seconds(60)
        configuration.statePeriod = .seconds(3600)
        let topics = configuration.topics
        var logger = Logger(label: "curtail.bench")
        logger.logLevel = .error

        let samples: [Int64] = try await MosquittoBroker.withBroker { broker in
            func client(_ id: String) throws -> MQTTClient {
                try MQTTClient(configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: id), logger: logger)
            }
            var controller = try Controller(
                configuration: configuration,
                mqtt: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "curtail-bench"),
                clock: WallClock(),
                logger: logger
            )
            controller.restoreWindow = .milliseconds(100)
            let publisher = try client("bench-publisher")
            let subscriber = try client("bench-subscriber")
            return try await withThrowingTaskGroup(of: Void.self, returning: [Int64].self) { group in
                group.addTask { [controller] in try await controller.run() }
                group.addTask { try await publisher.run() }
                group.addTask { try await subscriber.run() }
                try await publisher.waitUntilConnected(timeout: .seconds(10))
                try await subscriber.waitUntilConnected(timeout: .seconds(10))
                try await subscriber.subscribe(to: topics.commandFilter)
                try await subscriber.subscribe(to: topics.status)
                var messages = subscriber.messages.makeAsyncIterator()
                while let message = await messages.next(), message.payloadString != "online" {}
                try await Task.sleep(for: .milliseconds(300))  // the controller's start-up window
                let now = WallClock().now
                try await publisher.publish("{\"ts\":\"\(now.iso8601)\",\"usd_per_th_day\":0.06}", to: topics.hashPrice)
                let first = now.adding(seconds: -7200)
                var samples: [Int64] = []
                samples.reserveCapacity(signals)
                let wall = ContinuousClock()
                StandardStreams.err("bench loop: \(groups) groups, \(warmup) + \(signals) signals, broker \(broker.url)")
                for k in 0..<(warmup + signals) {
                    let expensive = k % 2 == 0
                    let start = first.adding(seconds: Double(k) * 0.5)
                    let payload = Array(
                        "{\"interval_start\":\"\(start.iso8601)\",\"interval_minutes\":1,\"price_usd_per_mwh\":\(expensive ? 5000 : 30)}".utf8
                    )
                    let sent = wall.now
                    try publisher.enqueue(payload, to: topics.price)
                    var received = 0
                    while received < groups, let message = await messages.next() {
                        guard message.topic.hasSuffix("/command"), let text = message.payloadString else { continue }
                        if text.contains("\"miners_running\":0,") == expensive { received += 1 }
                    }
                    let elapsed = sent.duration(to: wall.now)
                    if k >= warmup { samples.append(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000) }
                }
                group.cancelAll()
                return samples
            }
        }
        guard let summary = LatencySummary(samples) else { return }
        print("price message → \(groups) group commands (QoS 1, retained), \(summary.count) signals:")
        print("  p50 \(Self.ms(summary.p50)) ms   p90 \(Self.ms(summary.p90)) ms   p99 \(Self.ms(summary.p99)) ms   max \(Self.ms(summary.max)) ms")
        print("  per command at p50: \(Format.fixed(Double(summary.p50) / Double(groups) / 1000, 1)) µs")
        try decodeBenchmark(configuration: configuration)
    }

    /// Validating a telemetry message with Curtail's decoder vs Foundation's JSONDecoder alone.
    private func decodeBenchmark(configuration: ControllerConfiguration) throws {
        let decoder = InboundDecoder(configuration: configuration)
        let topic = configuration.topics.telemetry(group: configuration.site.groups[0].name)
        let now = WallClock().now
        let payload = Array(
            "{\"ts\":\"\(now.iso8601)\",\"power_kw\":306.8,\"hashrate_th\":10400,\"miners_running\":100,\"applied_seq\":1234}".utf8
        )
        struct Telemetry: Decodable {
            var ts: String
            var power_kw: Double
            var hashrate_th: Double
            var miners_running: Int
            var applied_seq: Int64
        }
        let wall = ContinuousClock()
        var accepted = 0
        let t0 = wall.now
        for _ in 0..<decodeCount {
            if case .success = decoder.decode(topic: topic, payload: payload, at: now) { accepted += 1 }
        }
        let ours = t0.duration(to: wall.now)
        let json = JSONDecoder()
        let data = Data(payload)
        var decoded = 0
        let t1 = wall.now
        for _ in 0..<decodeCount {
            if (try? json.decode(Telemetry.self, from: data)) != nil { decoded += 1 }
        }
        let foundation = t1.duration(to: wall.now)
        guard accepted == decodeCount, decoded == decodeCount else { throw InvalidInput("decode benchmark: a payload was refused") }
        func perMessage(_ d: Duration) -> Double {
            (Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9) / Double(decodeCount) / 1000
        }
        print("telemetry decode + validate (\(decodeCount) messages, one core):")
        print(
            "  Curtail \(Format.fixed(perMessage(ours), 2)) µs/message (\(Format.fixed(1000 / perMessage(ours), 0))k/s); "
                + "Foundation JSONDecoder alone \(Format.fixed(perMessage(foundation), 2)) µs/message; ratio \(Format.fixed(perMessage(foundation) / perMessage(ours), 1))×"
        )
    }

    static func ms(_ nanoseconds: Int64) -> String { Format.fixed(Double(nanoseconds) / 1_000_000, 2) }
}
