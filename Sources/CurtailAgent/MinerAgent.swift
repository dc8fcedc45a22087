import AsyncAlgorithms
public import CurtailController
public import CurtailCore
import CurtailMQTT
public import CurtailMiners
public import CurtailPolicyFiles
import CurtailWire
public import Logging
public import Metrics
public import ServiceLifecycle
import Synchronization

/// `curtail agent` as a service: follows each group's command on MQTT and drives the inventory's
/// miners through their drivers (``AgentCore`` decides; this performs). Publishes each group's
/// telemetry (`site/{site}/groups/{group}/telemetry`), each miner's status
/// (`site/{site}/groups/{group}/miners/{address}/status`, retained) and its own
/// `site/{site}/agent/status` (`online`; the will says `offline`).
///
/// Driver calls run as child tasks of the service (never more than the site's `max_connections`,
/// never two on one miner); their results come back into the one loop that owns the core.
public struct MinerAgent<C: SiteClock>: Service {
    public let site: Site
    public let inventory: MinerInventory
    public let settings: SiteConfiguration.AgentSettings
    public let drivers: [any MinerDriver]
    public let transport: any ControllerTransport
    public let topics: ControllerTopics
    /// Site time: wall time live, the simulation's in the demo.
    public let clock: C
    public let logger: Logger
    /// The core's state after each step, for the demo's summary and tests.
    public let snapshot = AgentSnapshot()
    /// Where the agent's metrics go (``MetricsSystem/factory`` unless set): miners per group and
    /// state, driver calls by outcome.
    public var metricsFactory: any MetricsFactory = MetricsSystem.factory

    public init(
        site: Site,
        inventory: MinerInventory,
        settings: SiteConfiguration.AgentSettings,
        drivers: [any MinerDriver],
        transport: any ControllerTransport,
        topics: ControllerTopics,
        clock: C,
        logger: Logger
    ) {
        self.site = site
        self.inventory = inventory
        self.settings = settings
        self.drivers = drivers
        self.transport = transport
        self.topics = topics
        self.clock = clock
        self.logger = logger
    }

    /// `site/{site}/agent/status`.
    public var statusTopic: String { topics.agentStatus }

    enum Input: Sendable {
        case message(topic: String, payload: [UInt8])
        case connected
        case completion(miner: Int, operation: MinerOperation, result: AgentCore.Outcome)
        case tick
    }

    public func run() async throws {
        var core = AgentCore(inventory: inventory, site: site, settings: settings)
        let metrics = AgentMetrics(groups: site.groups.map(\.name), factory: metricsFactory)
        let (completions, sink) = AsyncStream<Input>.makeStream()
        let transport = self.transport
        let drivers = self.drivers
        logger.info("agent starting: \(inventory.miners.count) miners in \(site.groups.count) groups", metadata: ["site.id": "\(site.id)"])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await transport.runUntilCancelled() }
            try await transport.subscribe(topics.commandFilter)
            // Often enough that a slot freed by a finished call is reused at once and a wake
            // stagger of hundreds a second stays smooth; one pass over the fleet per tick.
            let tickEvery = Duration.milliseconds(20)
            let inputs = merge(
                merge(
                    transport.messages.map { Input.message(topic: $0.topic, payload: $0.payload) },
                    transport.events.compactMap { event -> Input? in if case .connected(_) = event { return Input.connected } else { return nil } }
                ),
                completions,
                AsyncTimerSequence(interval: tickEvery, clock: ContinuousClock()).map { _ in Input.tick }
            )
            var lastSnapshot = ContinuousClock.now - .seconds(1)
            for await input in inputs.cancelOnGracefulShutdown() {
                let now = clock.now
                var actions: [AgentCore.Action]
                switch input {
                case .message(let topic, let payload):
                    guard let name = topics.group(in: topic, leaf: "command") else { continue }
                    switch Result(catching: { () throws(Rejection) in try CommandPayload(decoding: payload) }) {
                    case .success(let command):
                        actions = core.receive(command: command, group: String(name), at: now)
                    case .failure(let rejection):
                        logger.warning("group \(name): unreadable command ignored: \(rejection.reason)")
                        continue
                    }
                case .connected:
                    try? transport.enqueue(OutgoingMessage(topic: statusTopic, payload: Array("online".utf8), retain: true), expiry: nil)
                    continue
                case .completion(let miner, let operation, let result):
                    if case .failure(let error) = result {
                        logger.debug("\(drivers[miner].address): \(operation) failed: \(error)")
                    }
                    if case .failure = result {
                        metrics.completed(operation, succeeded: false)
                    } else {
                        metrics.completed(operation, succeeded: true)
                    }
                    let before = core.miners[miner].state
                    core.completed(miner: miner, operation: operation, result: result, at: now)
                    // The log says when a miner goes wrong or comes back; every failure is at debug
                    // level, and the status topic always has the last error.
                    let after = core.miners[miner].state
                    if after != before, [.unreachable, .refused, .mismatch].contains(after) {
                        logger.warning("\(drivers[miner].address): \(after.rawValue): \(core.miners[miner].lastError ?? "")")
                    } else if after == .ok, [.unreachable, .refused, .mismatch].contains(before) {
                        logger.notice("\(drivers[miner].address): back to ok")
                    }
                    continue  // the next tick (within 20 ms) starts what follows
                case .tick:
                    actions = core.tick(at: now)
                }
                for action in actions {
                    switch action {
                    case .perform(let miner, let operation):
                        let driver = drivers[miner]
                        group.addTask {
                            let result = await Self.perform(operation, on: driver)
                            sink.yield(.completion(miner: miner, operation: operation, result: result))
                        }
                    case .publishTelemetry(let name, let payload):
                        publish(topics.telemetry(group: name), payload, retain: false)
                    case .publishStatus(let name, let address, let payload):
                        publish(topics.minerStatus(group: name, address: address), payload, retain: true)
                    case .note(let text):
                        logger.notice("\(text)", metadata: ["site.id": "\(site.id)"])
                    }
                }
                // Shared at most every 100 ms: a copy held elsewhere makes the next change copy the fleet.
                if ContinuousClock.now - lastSnapshot >= .milliseconds(100) {
                    snapshot.store(core)
                    metrics.record(core)
                    lastSnapshot = .now
                }
            }
            sink.finish()
            if transport.isConnected {
                try? await transport.publishAndWait(OutgoingMessage(topic: statusTopic, payload: Array("offline".utf8), retain: true))
            }
            logger.info("agent stopped; miners stay as they are (their commands' expiry is the controller's business)")
            group.cancelAll()
        }
    }

    func publish(_ topic: String, _ payload: some WirePayload, retain: Bool) {
        do {
            try transport.enqueue(OutgoingMessage(topic: topic, payload: try payload.encode(), retain: retain), expiry: nil)
        } catch {
            logger.warning("could not publish on \(topic): \(error)")
        }
    }

    static func perform(_ operation: MinerOperation, on driver: any MinerDriver) async -> AgentCore.Outcome {
        do {
            switch operation {
            case .read: return .success(try await driver.read())
            case .sleep: try await driver.sleep()
            case .wake: try await driver.wake()
            case .setPower(let watts): try await driver.setPowerTarget(watts: watts)
            }
            return .success(nil)
        } catch {
            return .failure(error)
        }
    }
}

/// The agent core's latest state, shared with whoever watches the agent (the demo, tests).
public final class AgentSnapshot: Sendable {
    private let state = Mutex<AgentCore?>(nil)

    public init() {}

    /// The core after the last step (`nil` before the first).
    public var core: AgentCore? { state.withLock { $0 } }

    func store(_ core: AgentCore) { state.withLock { $0 = core } }
}
