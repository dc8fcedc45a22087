import AsyncAlgorithms
import CurtailCore
public import CurtailMQTT
import CurtailPolicy
public import Logging
import Metrics
public import ServiceLifecycle

/// The live controller: a swift-service-lifecycle ``Service`` that connects to the broker,
/// feeds every input to a ``ControllerCore`` and publishes what it answers.
///
/// - Subscribes (QoS 1, persistent session under a stable client id) to price, events, alerts,
///   frequency, hash price, group telemetry and the site meter.
/// - At start-up also reads back its own retained commands and state for `restoreWindow`
///   (wall time), so a restarted controller resumes the same targets, `seq` and obligations
///   instead of starting from scratch; then unsubscribes from them.
/// - Decides on every relevant input and every `decisionInterval` (clock time).
/// - Publishes retained `online` on every connection, with retained `offline` as the will;
///   on graceful shutdown publishes `offline` and disconnects, leaving the last commands
///   retained: miner controllers keep them until they expire, then fall back to their safe state.
/// - Refused inputs are published on `rejected`, counted (`curtail_rejected_inputs_total`,
///   label `reason`) and logged once per kind per minute.
public struct Controller<C: SiteClock>: Service {
    /// Site, policy, topics and timing.
    public let configuration: ControllerConfiguration
    /// The broker connection (persistent session, will set by ``init(configuration:mqtt:clock:logger:)``).
    public let mqtt: MQTTConfiguration
    /// Wall time live; simulated time in the demo and the tests.
    public let clock: C
    /// Where decisions, notices and refusals are logged.
    public let logger: Logger
    /// How long to read back retained commands and state after the first connection (wall time).
    public var restoreWindow: Duration

    /// Creates the controller; nothing connects until ``run()``.
    ///
    /// The MQTT configuration's will is set to retained `offline` on the status topic, and its
    /// session made persistent (a stable client id is required).
    ///
    /// - Throws: ``ControllerError`` when the policy does not fit the site or the client id is empty.
    public init(configuration: ControllerConfiguration, mqtt: MQTTConfiguration, clock: C, logger: Logger) throws(ControllerError) {
        do {
            _ = try ControllerCore(configuration: configuration)
        } catch {
            throw ControllerError("policy '\(configuration.policy.name)' does not fit site '\(configuration.site.id)': \(error)")
        }
        guard !mqtt.clientID.isEmpty else { throw ControllerError("the controller needs a stable, non-empty MQTT client id") }
        var mqtt = mqtt
        mqtt.cleanSession = false
        mqtt.will = .init(topic: configuration.topics.status, payload: Array("offline".utf8), qos: .atLeastOnce, retain: true)
        self.configuration = configuration
        self.mqtt = mqtt
        self.clock = clock
        self.logger = logger
        self.restoreWindow = .milliseconds(1000)
    }

    private enum Input: Sendable {
        case message(MQTTMessage)
        case connection(MQTTConnectionEvent)
        case tick
    }

    /// Runs until graceful shutdown or cancellation.
    ///
    /// - Throws: ``MQTTError`` when the broker refuses the connection for good (credentials, ACL).
    public func run() async throws {
        let client = try MQTTClient(configuration: mqtt, logger: logger)
        var configuration = self.configuration
        configuration.transitAllowance = .milliseconds(Int64(250 * clock.rate))
        var core = try ControllerCore(configuration: configuration)
        let topics = configuration.topics
        let inputs = [topics.price, topics.events, topics.alerts, topics.frequency, topics.hashPrice, topics.telemetryFilter, topics.meter]
        let own = [topics.state, topics.commandFilter]
        var metrics = ControllerMetrics()
        var rejectionLog = RejectionLog()
        logger.info(
            "controller starting",
            metadata: [
                "site.id": "\(configuration.site.id)", "policy": "\(configuration.policy.name)",
                "mqtt.broker": "\(mqtt.host):\(mqtt.port)", "clock.rate": "\(clock.rate)",
            ]
        )

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.runUntilCancelled() }
            for filter in own + inputs { try await client.subscribe(to: filter) }

            let wallTick = min(clock.wallDuration(of: configuration.decisionInterval), .milliseconds(200))
            let merged = merge(
                client.messages.map { Input.message($0) },
                client.events.map { Input.connection($0) },
                AsyncTimerSequence(interval: wallTick, clock: ContinuousClock()).map { _ in Input.tick }
            )
            var nextDecision = clock.now
            var restoreDeadline: ContinuousClock.Instant?
            let wall = ContinuousClock()

            for await input in merged.cancelOnGracefulShutdown() {
                let now = clock.now
                var step = ControllerStep()
                switch input {
                case .message(let message):
                    step = core.receive(topic: message.topic, payload: message.payload, at: now)
                case .connection(.connected):
                    client.enqueueQuietly(core.onlineStatus, clock: clock, logger: logger)
                    step = core.connectionRestored(at: now)
                    if core.restoring, restoreDeadline == nil { restoreDeadline = wall.now.advanced(by: restoreWindow) }
                    logger.info("connected to the broker", metadata: ["site.id": "\(configuration.site.id)"])
                case .connection(.disconnected(let reason)):
                    core.connectionLost(at: now)
                    logger.warning("broker connection lost; reconnecting", metadata: ["mqtt.reason": "\(reason)"])
                case .connection(let other):
                    logger.warning("MQTT: \(other)")
                case .tick:
                    if core.restoring, let deadline = restoreDeadline, wall.now >= deadline {
                        step = core.finishRestore(at: now)
                        nextDecision = now.advanced(by: configuration.decisionInterval)
                        for filter in own { try? await client.unsubscribe(from: filter) }
                    } else if !core.restoring, now >= nextDecision {
                        step = core.tick(at: now)
                        nextDecision = now.advanced(by: configuration.decisionInterval)
                    }
                }
                for message in step.messages { client.enqueueQuietly(message, clock: clock, logger: logger) }
                for (topic, rejection) in step.rejections {
                    metrics.rejected(rejection.kind)
                    rejectionLog.log(rejection, topic: topic, at: wall.now, logger: logger)
                }
                for note in step.notes { logger.notice("\(note)", metadata: ["site.id": "\(configuration.site.id)"]) }
                if step.decided { metrics.decided(commands: step.messages.count { $0.topic.hasSuffix("/command") }) }
            }

            // Graceful shutdown: say so, then disconnect cleanly. The retained commands stay.
            if client.isConnected {
                try? await client.publish(core.offlineStatus.payload, to: topics.status, qos: .atLeastOnce, retain: true)
            }
            logger.info("controller stopped; last commands left in place until they expire", metadata: ["site.id": "\(configuration.site.id)"])
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}

extension MQTTClient {
    /// Hands a controller message to the outgoing queue (QoS 1), converting its expiry from
    /// clock time to the broker's wall-clock seconds; logs instead of throwing.
    func enqueueQuietly(_ message: OutgoingMessage, clock: some SiteClock, logger: Logger) {
        let expiry = message.expiry.map { clock.wallDuration(of: $0) }.map { max($0, .seconds(1)) }
        do {
            try enqueue(message.payload, to: message.topic, qos: .atLeastOnce, retain: message.retain, messageExpiry: expiry)
        } catch {
            logger.error("could not publish to \(message.topic): \(error)")
        }
    }
}

/// Counters for the metrics backend (a no-op until one is bootstrapped).
struct ControllerMetrics {
    private var rejections: [Rejection.Kind: Counter] = [:]
    private let decisions = Counter(label: "curtail_decisions_total")
    private let commands = Counter(label: "curtail_commands_total")

    mutating func rejected(_ kind: Rejection.Kind) {
        if let counter = rejections[kind] {
            counter.increment()
        } else {
            let counter = Counter(label: "curtail_rejected_inputs_total", dimensions: [("reason", kind.rawValue)])
            rejections[kind] = counter
            counter.increment()
        }
    }

    func decided(commands count: Int) {
        decisions.increment()
        if count > 0 { commands.increment(by: count) }
    }
}

/// Logs refused inputs at most once per kind per minute, with how many were not logged.
struct RejectionLog {
    private var last: [Rejection.Kind: (at: ContinuousClock.Instant, suppressed: Int)] = [:]

    mutating func log(_ rejection: Rejection, topic: String, at now: ContinuousClock.Instant, logger: Logger) {
        if let entry = last[rejection.kind], entry.at.duration(to: now) < .seconds(60) {
            last[rejection.kind] = (entry.at, entry.suppressed + 1)
            return
        }
        let suppressed = last[rejection.kind]?.suppressed ?? 0
        last[rejection.kind] = (now, 0)
        logger.warning(
            "input refused: \(rejection.reason)",
            metadata: ["mqtt.topic": "\(topic)", "reason": "\(rejection.kind.rawValue)", "suppressed_since_last": "\(suppressed)"]
        )
    }
}
