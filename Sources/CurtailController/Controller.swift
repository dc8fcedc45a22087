import AsyncAlgorithms
import CurtailCore
public import CurtailMQTT
import CurtailPolicy
import CurtailWire
public import Logging
public import Metrics
public import ServiceLifecycle

/// The live controller: a swift-service-lifecycle ``Service`` that connects to the broker,
/// feeds every input to a ``ControllerCore`` and publishes what it answers.
///
/// - Subscribes (QoS 1, persistent session under a client id unique to this instance) to price,
///   events, alerts, frequency, hash price, group telemetry, the site meter and the site's
///   lease record (`controller/leader`).
/// - Holds the site through a ``LeaderLease``: at start-up it reads the retained lease record
///   and the site's retained commands and state for `restoreWindow` (wall time); if another
///   controller holds a live lease it stands by, else it claims the lease with a higher term.
///   In standby it follows the site (the active controller's commands, state and event reports,
///   and every input) and publishes nothing; when the active one's lease lapses it takes over
///   where it left off. While active it stops following its own topics.
/// - While active: decides on every relevant input and every `decisionInterval` (clock time);
///   stamps its term on every command; publishes retained `online` when it takes charge and on
///   every connection (the will of every instance is a retained `offline`); on graceful shutdown
///   releases the lease, publishes `offline` and disconnects, leaving the last commands
///   retained: a standby takes over at once; without one the miner controllers keep them until
///   they expire, then fall back to their safe state.
/// - With a ``journal``, every input, decision and command is recorded as it is published: the
///   step's messages go to the MQTT client first, then its record is appended; notices are
///   flushed to the database's writer thread at once, routine steps batched for up to 50 ms;
///   graceful shutdown waits until everything is committed. Start-up resumes from it.
/// - Refused inputs are published on `rejected`, counted (`curtail_rejected_inputs_total`,
///   label `reason`) and logged once per kind per minute.
public struct Controller<C: SiteClock, W: Clock<Duration>>: Service {
    /// Site, policy, topics and timing.
    public let configuration: ControllerConfiguration
    /// The broker connection: ``MQTTClient`` live, an in-memory transport in tests.
    public let transport: any ControllerTransport
    /// Wall time live; simulated time in the demo and the tests.
    public let clock: C
    /// The wall clock behind the timer, the start-up window and the journal's batching
    /// (`ContinuousClock` live; a manual clock in tests).
    public let wallClock: W
    /// Where decisions, notices and refusals are logged.
    public let logger: Logger
    /// How long to read back the retained lease record, commands and state after the first
    /// connection before claiming or standing by (wall time).
    public var restoreWindow: Duration
    /// This instance's name in the lease record: its MQTT client id, unique per instance.
    public let identity: String
    /// The audit journal: every input, decision and command is appended as it is published
    /// (after the messages are handed to the MQTT client), and start-up resumes from it.
    /// `nil`: no journal (the demo, tests).
    public var journal: (any ControllerJournal)?
    /// Updated as the controller runs, for `/healthz`. `nil`: not tracked.
    public var health: ControllerHealth?
    /// Where the controller's metrics go (the global `MetricsSystem` unless given).
    public var metricsFactory: any MetricsFactory

    /// Creates the controller over `transport`; nothing connects until ``run()``.
    ///
    /// - Throws: ``ControllerError`` when the policy does not fit the site.
    public init(
        configuration: ControllerConfiguration,
        transport: any ControllerTransport,
        identity: String,
        clock: C,
        wallClock: W,
        logger: Logger
    ) throws(ControllerError) {
        guard !identity.isEmpty else { throw ControllerError("the controller needs a non-empty instance name (its MQTT client id)") }
        do {
            _ = try ControllerCore(configuration: configuration)
        } catch {
            throw ControllerError("policy '\(configuration.policy.name)' does not fit site '\(configuration.site.id)': \(error)")
        }
        self.configuration = configuration
        self.transport = transport
        self.identity = identity
        self.clock = clock
        self.wallClock = wallClock
        self.logger = logger
        self.restoreWindow = .milliseconds(1000)
        self.journal = nil
        self.health = nil
        self.metricsFactory = MetricsSystem.factory
    }

    /// The MQTT configuration the controller needs: a persistent session (a stable, non-empty
    /// client id, unique to this instance, is required) and a retained `offline` on the status
    /// topic as the will.
    ///
    /// - Throws: ``ControllerError`` when the client id is empty.
    public static func mqtt(_ mqtt: MQTTConfiguration, topics: ControllerTopics) throws(ControllerError) -> MQTTConfiguration {
        guard !mqtt.clientID.isEmpty else { throw ControllerError("the controller needs a stable, non-empty MQTT client id") }
        var mqtt = mqtt
        mqtt.cleanSession = false
        mqtt.will = .init(topic: topics.status, payload: ControllerStatus.offline.encode(), qos: .atLeastOnce, retain: true)
        return mqtt
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
        let transport = self.transport
        var configuration = self.configuration
        configuration.transitAllowance = .milliseconds(Int64(250 * clock.rate))
        let lease = LeaderLease(
            identity: identity,
            settings: .init(lease: configuration.lease, rate: clock.rate, observeWindow: restoreWindow)
        )
        var loop = ControllerLoop(core: try ControllerCore(configuration: configuration), lease: lease, journaling: journal != nil)
        let topics = configuration.topics
        let inputs = [
            topics.leader, topics.status, topics.price, topics.priceFeed, topics.events, topics.alerts, topics.awards, topics.frequency,
            topics.hashPrice,
            topics.telemetryFilter, topics.meter,
        ]
        let own = [topics.state, topics.commandFilter, topics.eventReportFilter]
        var metrics = ControllerMetrics(groups: configuration.site.groups.map(\.name), factory: metricsFactory)
        var rejectionLog = OncePerMinuteLog()
        var problems = OncePerMinuteLog()
        let site: Logger.Metadata = ["site.id": "\(configuration.site.id)"]
        if let journal {
            do {
                for note in loop.resume(from: try journal.recover(at: clock.now), at: clock.now) { logger.notice("\(note)", metadata: site) }
            } catch {
                logger.error("the audit journal could not be read; starting from what the broker retained: \(error)")
            }
        }
        logger.info(
            "controller starting",
            metadata: [
                "site.id": "\(configuration.site.id)", "policy": "\(configuration.policy.name)", "clock.rate": "\(clock.rate)",
                "instance": "\(identity)", "lease": "\(configuration.lease)",
            ]
        )
        let origin = wallClock.now
        defer {
            // Whatever ends the loop (graceful shutdown, cancellation, an error), the journal's
            // last records are committed before the process goes.
            if let journal {
                do { try journal.sync() } catch { logger.error("the audit journal could not be written at shutdown: \(error)") }
            }
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await transport.runUntilCancelled() }
            for filter in own + inputs { try await transport.subscribe(filter) }

            let wallTick = min(clock.wallDuration(of: configuration.decisionInterval), .milliseconds(200))
            let merged = merge(
                transport.messages.map { Input.message($0) },
                transport.events.map { Input.connection($0) },
                AsyncTimerSequence(interval: wallTick, clock: wallClock).map { _ in Input.tick }
            )
            for await input in merged.cancelOnGracefulShutdown() {
                let now = clock.now
                let started = wallClock.now
                health?.beat()
                let loopInput: ControllerLoop.Input
                switch input {
                case .message(let message): loopInput = .message(topic: message.topic, payload: message.payload)
                case .connection(.connected): loopInput = .connected
                case .connection(.disconnected(let reason)): loopInput = .disconnected(reason: reason)
                case .connection(let other):
                    logger.warning("MQTT: \(other)")
                    continue
                case .tick: loopInput = .tick
                }
                let effects = loop.handle(loopInput, now: now, wall: origin.duration(to: started))
                if effects.decided { metrics.decisionTook(started.duration(to: wallClock.now)) }
                do {
                    if effects.unsubscribeOwnTopics {
                        // Before publishing: the state this step publishes must not come back as an input.
                        for filter in own { try await transport.unsubscribe(from: filter) }
                    }
                    if effects.subscribeOwnTopics {
                        for filter in own { try await transport.subscribe(filter) }
                    }
                } catch {
                    logger.warning("could not change the subscriptions to the site's commands, state and reports: \(error)", metadata: site)
                }
                perform(effects, on: transport, metrics: &metrics, rejectionLog: &rejectionLog, problems: &problems, loop: loop, now: now)
            }

            // Graceful shutdown: the active controller releases its lease and says so, then
            // disconnects cleanly. The retained commands stay (and the journal is synced on the
            // way out, below).
            let farewell = loop.shutdown(now: clock.now)
            if transport.isConnected {
                for message in farewell { try? await transport.publishAndWait(message) }
            }
            if farewell.isEmpty {
                logger.info("controller stopped (standby)", metadata: site)
            } else {
                logger.info("controller stopped; lease released, last commands left in place until they expire", metadata: site)
            }
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    /// Performs one step's effects: publish (one burst), journal, log, count, health.
    private func perform(
        _ effects: ControllerLoop.Effects,
        on transport: any ControllerTransport,
        metrics: inout ControllerMetrics,
        rejectionLog: inout OncePerMinuteLog,
        problems: inout OncePerMinuteLog,
        loop: ControllerLoop,
        now: Timestamp
    ) {
        let core = loop.core
        if let role = effects.role {
            health?.update(role: role, term: loop.lease.term, leader: loop.lease.current?.holder)
            metrics.lease(role: role, term: loop.lease.term)
        }
        if let connected = effects.connection {
            health?.update(connected: connected)
            if connected {
                logger.info("connected to the broker", metadata: ["site.id": "\(configuration.site.id)"])
            } else {
                logger.warning("broker connection lost; reconnecting")
            }
        }
        if effects.publish.count > 1 {
            transport.burst { for message in effects.publish { enqueue(message, on: transport) } }
        } else {
            for message in effects.publish { enqueue(message, on: transport) }
        }
        let wallNow = ContinuousClock.now
        if let journal, let entry = effects.journal {
            do {
                try journal.append(entry)
                if effects.flushJournal { try journal.flush() }
            } catch {
                metrics.journalFailed()
                problems.log(key: "audit", level: .error, "the audit journal could not be written: \(error)", at: wallNow, logger: logger)
            }
        }
        for (topic, rejection) in effects.rejections {
            metrics.rejected(rejection.kind)
            rejectionLog.log(rejection, topic: topic, at: wallNow, logger: logger)
        }
        for note in effects.notes { logger.notice("\(note)", metadata: ["site.id": "\(configuration.site.id)"]) }
        if effects.decided {
            metrics.decided(commands: effects.commandsIssued, core: core, at: now)
            let failsafes = core.decision.constraints.intersection([.stalePrice, .brokerLost])
            health?.update(decidedAt: wallNow, failsafe: .some(failsafes.isEmpty ? nil : "\(failsafes)"))
        }
    }

    /// Hands a message to the transport, converting its expiry from clock time to the broker's
    /// wall-clock seconds; logs instead of throwing.
    private func enqueue(_ message: OutgoingMessage, on transport: any ControllerTransport) {
        let expiry = message.expiry.map { clock.wallDuration(of: $0) }.map { max($0, .seconds(1)) }
        do {
            try transport.enqueue(message, expiry: expiry)
        } catch {
            logger.error("could not publish to \(message.topic): \(error)")
        }
    }
}

extension Controller where W == ContinuousClock {
    /// A controller on a real broker connection: an ``MQTTClient`` made from `mqtt` (made a
    /// persistent session with `offline` as its will), named in the lease by its client id, and
    /// the continuous wall clock.
    ///
    /// - Throws: ``ControllerError`` when the policy does not fit the site or the client id is
    ///   empty, ``MQTTError`` when the MQTT configuration is invalid.
    public init(configuration: ControllerConfiguration, mqtt: MQTTConfiguration, clock: C, logger: Logger) throws {
        let client = try MQTTClient(configuration: try Controller.mqtt(mqtt, topics: configuration.topics), logger: logger)
        try self.init(
            configuration: configuration,
            transport: client,
            identity: mqtt.clientID,
            clock: clock,
            wallClock: ContinuousClock(),
            logger: logger
        )
    }
}
