import AsyncAlgorithms
public import CurtailController
public import CurtailCore
public import CurtailMQTT
import CurtailWire
public import Logging
public import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The grid and the miner controllers of one site, over MQTT: a swift-service-lifecycle
/// ``Service`` that plays a ``Scenario`` on a ``SiteClock``.
///
/// It publishes the scenario's ``Timeline`` (prices, hash price, events, alerts, frequency),
/// runs one ``MinerControllerModel`` per group that obeys the commands on
/// `site/{site}/groups/{group}/command`, and publishes each group's telemetry and the site
/// meter every `telemetryInterval`. It returns when the scenario's end is reached. It also
/// announces its clock (retained, on `clockTopic`) so a controller in another process can follow
/// simulated time (`curtail run --sim-clock`).
public struct GridSimulator<C: SiteClock>: Service {
    public let scenario: Scenario
    public let site: Site
    public let prices: PriceFeed
    /// Every grid publication of the run, in time order.
    public let timeline: [Publication]
    public let topics: ControllerTopics
    public let mqtt: MQTTConfiguration
    /// The simulated clock (shared with an in-process controller, or announced on ``clockTopic``).
    public let clock: C
    public let logger: Logger
    /// Where the run's ledger is kept (read it during or after the run).
    public let recorder: Recorder
    /// The retained topic the clock is announced on.
    public var clockTopic = "sim/clock"

    /// Shared, locked ledger of a run.
    public final class Recorder: Sendable {
        private let ledger = Mutex(SimulationLedger())

        public init() {}

        /// The ledger so far.
        public var snapshot: SimulationLedger { ledger.withLock { $0 } }

        func update(_ body: (inout SimulationLedger) -> Void) { ledger.withLock { body(&$0) } }
    }

    /// Prepares a run. `hashPrice` gives the hash price in force at a time (the day's value).
    public init(
        scenario: Scenario,
        site: Site,
        prices: PriceFeed,
        hashPrice: (Timestamp) -> Double?,
        topics: ControllerTopics,
        mqtt: MQTTConfiguration,
        clock: C,
        logger: Logger,
        recorder: Recorder = Recorder(),
        externalGroups: Set<String> = []
    ) throws(SimulatorError) {
        self.externalGroups = externalGroups
        self.scenario = scenario
        self.site = site
        self.prices = prices
        do {
            self.timeline = try Timeline.build(scenario: scenario, prices: prices, hashPrice: hashPrice, topics: topics)
        } catch {
            throw SimulatorError("scenario \(scenario.name) cannot be published: \(error)")
        }
        var hashPrices: [Int64: Double] = [:]
        var day = scenario.start
        while day <= scenario.end {
            let key = day.millisecondsSinceEpoch / 86_400_000
            hashPrices[key] = hashPrice(day)
            day = day.adding(seconds: 86_400)
        }
        self.hashPrices = hashPrices
        self.topics = topics
        self.mqtt = mqtt
        self.clock = clock
        self.logger = logger
        self.recorder = recorder
    }

    private let hashPrices: [Int64: Double]
    /// Groups whose miners are driven by something else (`curtail agent` and fake miners): the
    /// simulator neither obeys nor reports them, and counts their telemetry in the site meter.
    public let externalGroups: Set<String>

    private enum Input: Sendable {
        case message(MQTTMessage)
        case connected
        case tick
    }

    /// Plays the scenario until its end, graceful shutdown or cancellation.
    public func run() async throws {
        let client = try MQTTClient(configuration: mqtt, logger: logger)
        var miners = SimulatedSite(site: site, scenario: scenario, topics: topics, external: externalGroups)
        let telemetryInterval = scenario.telemetryInterval
        let wallTick = min(max(clock.wallDuration(of: .milliseconds(Int64(telemetryInterval * 500))), .milliseconds(2)), .milliseconds(250))

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            try await client.waitUntilConnected(timeout: .seconds(30))
            try await client.subscribe(to: topics.commandFilter)
            if !externalGroups.isEmpty { try await client.subscribe(to: topics.telemetryFilter) }
            if let scaled = clock as? ScaledClock {
                try await client.publish(try scaled.announcement.encode(), to: clockTopic, retain: true)
            }
            logger.info("simulator running", metadata: ["scenario": "\(scenario.name)", "site.id": "\(site.id)", "speed": "\(clock.rate)"])

            let merged = merge(
                client.messages.map { Input.message($0) },
                client.events.compactMap { event -> Input? in if case .connected = event { .connected } else { nil } },
                AsyncTimerSequence(interval: wallTick, clock: ContinuousClock()).map { _ in Input.tick }
            )
            var next = 0
            var nextTelemetry = scenario.start
            var lastSample: (at: Timestamp, kw: Double, th: Double)?
            for await input in merged.cancelOnGracefulShutdown() {
                let now = clock.now
                if case .connected = input {
                    // A broker that restarted without persistence lost every retained message:
                    // announce the clock again and republish the latest retained grid values.
                    if let scaled = clock as? ScaledClock {
                        client.enqueueQuietly(scaled.announcement, to: clockTopic, retain: true, logger: logger)
                    }
                    var latest: [String: Publication] = [:]
                    for p in timeline[..<next] where p.retain { latest[p.topic] = p }
                    for p in latest.values { client.enqueueQuietly(Array(p.payload.utf8), to: p.topic, retain: true, logger: logger) }
                    continue
                }
                if case .message(let message) = input {
                    if miners.receiveExternalTelemetry(topic: message.topic, payload: message.payload) { continue }
                    switch miners.receive(topic: message.topic, payload: message.payload, at: max(now, scenario.start)) {
                    case .applied: recorder.update { $0.commandsApplied += 1 }
                    case .ignored: recorder.update { $0.commandsIgnored += 1 }
                    case .malformed, nil: recorder.update { $0.commandsMalformed += 1 }
                    case .external: break
                    }
                    continue
                }
                guard now >= scenario.start else { continue }
                var published = 0
                while next < timeline.count, timeline[next].at <= now {
                    let p = timeline[next]
                    client.enqueueQuietly(Array(p.payload.utf8), to: p.topic, retain: p.retain, logger: logger)
                    next += 1
                    published += 1
                }
                if now >= nextTelemetry {
                    let readout = miners.readout(at: now)
                    for (topic, report) in readout.telemetry { client.enqueueQuietly(report, to: topic, retain: false, logger: logger) }
                    client.enqueueQuietly(readout.meter.payload, to: readout.meter.topic, retain: false, logger: logger)
                    if let last = lastSample { account(from: last, to: now) }
                    lastSample = (now, readout.siteKW, readout.siteTH)
                    recorder.update {
                        $0.fallbacks += readout.fallbacks
                        $0.telemetryMessages += readout.telemetry.count + 1
                    }
                    nextTelemetry = max(nextTelemetry.adding(seconds: telemetryInterval), now.adding(seconds: telemetryInterval / 2))
                }
                if published > 0 { recorder.update { $0.publications += published } }
                if now >= scenario.end { break }
            }
            if let last = lastSample, last.at < scenario.end, clock.now >= scenario.end { account(from: last, to: scenario.end) }
            logger.info("simulator finished", metadata: ["scenario": "\(scenario.name)"])
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    /// Adds the interval from the sample `last` to `now` to the ledger (the sample's load held).
    private func account(from last: (at: Timestamp, kw: Double, th: Double), to now: Timestamp) {
        let seconds = now.seconds(since: last.at)
        guard seconds > 0 else { return }
        let price = prices.price(at: last.at) ?? 0
        let hashPrice = hashPrices[last.at.millisecondsSinceEpoch / 86_400_000] ?? 0
        let nameplateKW = site.nameplatePower.value * 1000
        let nameplateTH = site.groups.reduce(0.0) { $0 + $1.model.nominalHashrate.value * Double($1.count) }
        recorder.update { ledger in
            ledger.simulatedSeconds += seconds
            let mwh = last.kw / 1000 * seconds / 3600
            ledger.energyMWh += mwh
            ledger.energyCostUSD += mwh * price
            ledger.miningRevenueUSD += last.th * hashPrice * seconds / 86_400
            let onMWh = nameplateKW / 1000 * seconds / 3600
            ledger.alwaysOnEnergyMWh += onMWh
            ledger.alwaysOnCostUSD += onMWh * price
            ledger.alwaysOnRevenueUSD += nameplateTH * hashPrice * seconds / 86_400
        }
    }
}

extension MQTTClient {
    /// Hands a simulator message to the outgoing queue (QoS 1); logs instead of throwing.
    func enqueueQuietly(_ payload: [UInt8], to topic: String, retain: Bool, logger: Logger) {
        do {
            try enqueue(payload, to: topic, qos: .atLeastOnce, retain: retain)
        } catch {
            logger.error("could not publish to \(topic): \(error)")
        }
    }

    /// Encodes a contract payload and hands it to the outgoing queue (QoS 1); logs instead of throwing.
    func enqueueQuietly(_ payload: some WirePayload, to topic: String, retain: Bool, logger: Logger) {
        do {
            try enqueue(try payload.encode(), to: topic, qos: .atLeastOnce, retain: retain)
        } catch {
            logger.error("could not publish to \(topic): \(error)")
        }
    }
}
