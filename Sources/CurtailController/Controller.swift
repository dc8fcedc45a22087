import AsyncAlgorithms
import CurtailCore
public import CurtailMQTT
import CurtailPolicy
import CurtailWire
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
/// - With a ``journal``, every input, decision and command is recorded as it is published: the
///   step's messages go to the MQTT client first, then its record is appended; notices are
///   flushed to the database's writer thread at once, routine steps batched for up to 50 ms;
///   graceful shutdown waits until everything is committed. Start-up resumes from it.
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
    /// The audit journal: every input, decision and command is appended as it is published
    /// (after the messages are handed to the MQTT client), and start-up resumes from it. `nil`: no journal (the demo, tests).
    public var journal: (any ControllerJournal)?
    /// Updated as the controller runs, for `/healthz`. `nil`: not tracked.
    public var health: ControllerHealth?

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
        self.journal = nil
        self.health = nil
    }

    private enum Input: Sendable {
        case message(MQTTMessage)
        case connection(MQTTConnectionEvent)
        case tick

        var isTick: Bool { if case .tick = self { true } else { false } }
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
        var metrics = ControllerMetrics(groups: configuration.site.groups.map(\.name))
        var rejectionLog = OncePerMinuteLog()
        var problems = OncePerMinuteLog()
        let groupIndex = Dictionary(uniqueKeysWithValues: configuration.site.groups.enumerated().map { ($1.name, $0) })
        if let journal {
            do {
                let resumed = core.resume(from: try journal.recover(at: clock.now), at: clock.now)
                for note in resumed.notes { logger.notice("\(note)", metadata: ["site.id": "\(configuration.site.id)"]) }
            } catch {
                logger.error("the audit journal could not be read; starting from what the broker retained: \(error)")
            }
        }
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
            var lastJournalFlush = wall.now

            for await input in merged.cancelOnGracefulShutdown() {
                let now = clock.now
                var step = ControllerStep()
                var received: JournalEntry.Input?
                switch input {
                case .message(let message):
                    let duplicates = core.counters.duplicates
                    let started = wall.now
                    step = core.receive(topic: message.topic, payload: message.payload, at: now)
                    if step.decided { metrics.decisionTook(started.duration(to: wall.now)) }
                    let outcome: JournalEntry.Outcome =
                        if let rejection = step.rejections.first?.rejection {
                            .rejected(rejection)
                        } else if core.counters.duplicates > duplicates {
                            .duplicate
                        } else {
                            .accepted
                        }
                    received = JournalEntry.Input(topic: message.topic, payload: message.payload, outcome: outcome)
                case .connection(.connected):
                    health?.update(connected: true)
                    client.enqueueQuietly(core.onlineStatus, clock: clock, logger: logger)
                    step = core.connectionRestored(at: now)
                    if core.restoring, restoreDeadline == nil { restoreDeadline = wall.now.advanced(by: restoreWindow) }
                    logger.info("connected to the broker", metadata: ["site.id": "\(configuration.site.id)"])
                case .connection(.disconnected(let reason)):
                    health?.update(connected: false)
                    core.connectionLost(at: now)
                    logger.warning("broker connection lost; reconnecting", metadata: ["mqtt.reason": "\(reason)"])
                case .connection(let other):
                    logger.warning("MQTT: \(other)")
                case .tick:
                    if core.restoring, let deadline = restoreDeadline, wall.now >= deadline {
                        step = core.finishRestore(at: now)
                        health?.update(restoring: false)
                        nextDecision = now.advanced(by: configuration.decisionInterval)
                        for filter in own { try? await client.unsubscribe(from: filter) }
                    } else if !core.restoring, now >= nextDecision {
                        let started = wall.now
                        step = core.tick(at: now)
                        if step.decided { metrics.decisionTook(started.duration(to: wall.now)) }
                        nextDecision = now.advanced(by: configuration.decisionInterval)
                    }
                }
                if step.messages.count > 1 {
                    client.corked {
                        for message in step.messages { client.enqueueQuietly(message, clock: clock, logger: logger) }
                    }
                } else {
                    for message in step.messages { client.enqueueQuietly(message, clock: clock, logger: logger) }
                }
                if let journal {
                    // Recorded as it is published: the step's messages go to the MQTT client first (the
                    // latency budget), then the record to the database's writer thread, which commits
                    // it within milliseconds (at most 50 ms later for routine steps, batched). A crash in
                    // between can lose those records, not a command: the broker retains the commands,
                    // and a restart takes the newer of the two.
                    var entry = JournalEntry(time: now, input: received, notes: step.notes)
                    if step.decided {
                        entry.decision = core.decisionRecord(at: now)
                        entry.obligations = Array(core.obligations.values)
                    }
                    entry.closedObligations = step.closedObligations
                    for message in step.messages {
                        guard let name = topics.group(in: message.topic, leaf: "command"), let g = groupIndex[String(name)],
                            let command = core.commands[g]
                        else { continue }
                        entry.commands.append((String(name), command))
                    }
                    do {
                        try journal.append(entry)
                        // Notices (events, failsafes) are written at once; routine steps are batched for
                        // up to 50 ms, so a burst of signals costs one transaction, not one each.
                        if !step.notes.isEmpty || !step.closedObligations.isEmpty || input.isTick
                            || lastJournalFlush.duration(to: wall.now) >= .milliseconds(50)
                        {
                            try journal.flush()
                            lastJournalFlush = wall.now
                        }
                    } catch {
                        metrics.journalFailed()
                        problems.log(key: "audit", level: .error, "the audit journal could not be written: \(error)", at: wall.now, logger: logger)
                    }
                }
                for (topic, rejection) in step.rejections {
                    metrics.rejected(rejection.kind)
                    rejectionLog.log(rejection, topic: topic, at: wall.now, logger: logger)
                }
                for note in step.notes { logger.notice("\(note)", metadata: ["site.id": "\(configuration.site.id)"]) }
                if step.decided {
                    metrics.decided(commands: step.messages.count { $0.topic.hasSuffix("/command") }, core: core, at: now)
                    let failsafes = core.decision.constraints.intersection([.stalePrice, .brokerLost])
                    health?.update(restoring: false, decidedAt: wall.now, failsafe: .some(failsafes.isEmpty ? nil : "\(failsafes)"))
                }
            }

            // Graceful shutdown: say so, then disconnect cleanly. The retained commands stay.
            if let journal {
                do { try journal.sync() } catch { logger.error("the audit journal could not be written at shutdown: \(error)") }
            }
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

/// The controller's metrics (swift-metrics; a no-op until a backend is bootstrapped, such as
/// the Prometheus one `curtail run` serves on `/metrics`).
struct ControllerMetrics {
    private var rejections: [Rejection.Kind: Counter] = [:]
    private let decisions = Counter(label: "curtail_decisions_total")
    private let commands = Counter(label: "curtail_commands_total")
    private let journalFailures = Counter(label: "curtail_audit_write_failures_total")
    private let decisionLatency = Timer(label: "curtail_decision_seconds")
    private let priceAge = Gauge(label: "curtail_price_age_seconds")
    private let siteTarget = Gauge(label: "curtail_site_target_mw")
    private let siteMeasured = Gauge(label: "curtail_site_measured_mw")
    private let groupTarget: [Gauge]
    private let groupMeasured: [Gauge]

    init(groups: [String]) {
        groupTarget = groups.map { Gauge(label: "curtail_group_target_kw", dimensions: [("group", $0)]) }
        groupMeasured = groups.map { Gauge(label: "curtail_group_measured_kw", dimensions: [("group", $0)]) }
    }

    func journalFailed() { journalFailures.increment() }

    mutating func rejected(_ kind: Rejection.Kind) {
        if let counter = rejections[kind] {
            counter.increment()
        } else {
            let counter = Counter(label: "curtail_rejected_inputs_total", dimensions: [("reason", kind.rawValue)])
            rejections[kind] = counter
            counter.increment()
        }
    }

    func decisionTook(_ duration: Duration) {
        decisionLatency.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func decided(commands count: Int, core: ControllerCore, at now: Timestamp) {
        decisions.increment()
        if count > 0 { commands.increment(by: count) }
        if let age = core.priceAgeSeconds(at: now) { priceAge.record(age) }
        siteTarget.record(core.decision.sitePower.value)
        if let measured = core.measuredSiteMW(at: now) { siteMeasured.record(measured) }
        for g in groupTarget.indices {
            if let command = core.commands[g] { groupTarget[g].record(command.targetKW) }
            if let report = core.telemetry(group: g) { groupMeasured[g].record(report.powerKW) }
        }
    }
}

/// Logs refused inputs (or any repeated problem) at most once per kind per minute, with how
/// many were not logged.
struct OncePerMinuteLog {
    private var last: [String: (at: ContinuousClock.Instant, suppressed: Int)] = [:]

    mutating func log(_ rejection: Rejection, topic: String, at now: ContinuousClock.Instant, logger: Logger) {
        log(
            key: rejection.kind.rawValue,
            level: .warning,
            "input refused: \(rejection.reason)",
            metadata: ["mqtt.topic": "\(topic)", "reason": "\(rejection.kind.rawValue)"],
            at: now,
            logger: logger
        )
    }

    mutating func log(
        key: String,
        level: Logger.Level,
        _ message: @autoclosure () -> String,
        metadata: Logger.Metadata = [:],
        at now: ContinuousClock.Instant,
        logger: Logger
    ) {
        if let entry = last[key], entry.at.duration(to: now) < .seconds(60) {
            last[key] = (entry.at, entry.suppressed + 1)
            return
        }
        let suppressed = last[key]?.suppressed ?? 0
        last[key] = (now, 0)
        var metadata = metadata
        metadata["suppressed_since_last"] = "\(suppressed)"
        logger.log(level: level, "\(message())", metadata: metadata)
    }
}
