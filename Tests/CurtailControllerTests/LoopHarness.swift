import CurtailAudit
import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailPolicy
import CurtailPolicyFiles
import CurtailSite
import CurtailTestSupport
import CurtailWire
import Foundation
import GridSimulator
import LocalBroker
import Logging
import Synchronization

/// Every message seen on the site's topics during a run, stamped with simulated time, and the
/// questions the tests ask of them. Filled by an ``Observer`` on a real broker, or by
/// ``Loop/runInProcess(journal:)``.
struct Observed: Sendable {
    struct Record: Sendable {
        var at: Timestamp
        var topic: String
        var payload: [UInt8]
        var text: String { String(decoding: payload, as: UTF8.self) }
    }

    var all: [Record]
    let topics: ControllerTopics

    /// Commands seen, per group, in arrival order.
    func commands(_ group: String) -> [(at: Timestamp, command: CommandPayload)] {
        all.filter { $0.topic == topics.command(group: group) }.compactMap { r in (try? CommandPayload(decoding: r.payload)).map { (r.at, $0) } }
    }

    /// The last command for `group` seen at least one telemetry period (10 simulated seconds)
    /// before `time`: what a report at `time` must already have applied.
    func lastCommand(_ group: String, before time: Timestamp) -> CommandPayload? {
        commands(group).last { $0.at <= time.adding(seconds: -10) }?.command
    }

    func telemetry(_ group: String) -> [(at: Timestamp, telemetry: TelemetryPayload)] {
        all.filter { $0.topic == topics.telemetry(group: group) }.compactMap { r in (try? TelemetryPayload(decoding: r.payload)).map { (r.at, $0) } }
    }

    var states: [StatePayload] { all.filter { $0.topic == topics.state }.compactMap { (try? StatePayload(decoding: $0.payload)) } }
    var reports: [EventReportPayload] { all.filter { $0.topic.hasSuffix("/report") }.compactMap { (try? EventReportPayload(decoding: $0.payload)) } }
    var rejections: [RejectedPayload] { all.filter { $0.topic == topics.rejected }.compactMap { (try? RejectedPayload(decoding: $0.payload)) } }
}

/// Subscribes to the site's topics on a real broker and records what it sees.
final class Observer: Sendable {
    let client: MQTTClient
    let clock: ScaledClock
    let topics: ControllerTopics
    private let records = Mutex<[Observed.Record]>([])

    init(broker: MosquittoBroker, clock: ScaledClock, topics: ControllerTopics) throws {
        var configuration = MQTTConfiguration(host: broker.host, port: broker.port, clientID: "observer-\(UUID().uuidString.prefix(6))")
        configuration.reconnect = .init(initialDelay: .seconds(1), maximumDelay: .seconds(1))
        client = try MQTTClient(configuration: configuration, logger: quietLogger)
        self.clock = clock
        self.topics = topics
    }

    var observed: Observed { Observed(all: records.withLock { $0 }, topics: topics) }

    /// The latest record matching `predicate` (searched from the newest; cheap for recent ones).
    func latest(where predicate: (Observed.Record) -> Bool) -> Observed.Record? {
        records.withLock { $0.last(where: predicate) }
    }

    /// Returns once a record matching `predicate` has been seen; throws after `timeout`.
    func waitFor(timeout: Duration, _ predicate: @Sendable (Observed.Record) -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while latest(where: predicate) == nil {
            guard ContinuousClock.now < deadline else { throw LoopTimeout(waitedFor: timeout) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.client.run() }
            try await client.waitUntilConnected(timeout: .seconds(10))
            try await client.subscribe(to: "\(topics.siteBase)/#")
            for await message in client.messages {
                let record = Observed.Record(at: clock.now, topic: message.topic, payload: message.payload)
                records.withLock { $0.append(record) }
            }
            group.cancelAll()
        }
    }
}

/// Nothing matching was seen in time.
struct LoopTimeout: Error, CustomStringConvertible {
    var waitedFor: Duration
    var description: String { "the observer saw nothing matching within \(waitedFor)" }
}

let quietLogger: Logger = {
    var logger = Logger(label: "test.loop")
    logger.logLevel = ProcessInfo.processInfo.environment["CURTAIL_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// The whole loop through a real mosquitto: the simulator as the grid and the miners, the
/// controller in this process (or not, see ``run(_:controllerInProcess:during:)``), and an observer.
struct Loop {
    var scenario: Scenario
    var settings: SiteConfiguration
    var policy: Policy
    var prices: PriceFeed
    var hashPrice = 0.06

    /// The example site and `breakeven.yaml` (or `policyYAML`), prices given per interval
    /// (15 minutes unless said) from the start, each published as its interval ends.
    init(minutes: Double, speed: Double, prices: [Double], intervalMinutes: Int = 15, policyYAML: String? = nil, siteYAML: String? = nil) throws {
        let start = Timestamp(iso8601: "2023-09-06T15:00:00Z")!
        settings = try siteYAML.map { try SiteFile.parse($0, file: "test-site.yaml") } ?? SiteFile.load(path: Repository.exampleSite)
        if let policyYAML {
            policy = try PolicyFile.parse(policyYAML, file: "test-policy.yaml")
        } else {
            policy = try ConfigurationFiles.load(policyPath: Repository.path("Policies/breakeven.yaml"), sitePath: Repository.exampleSite).policy
        }
        scenario = Scenario(name: "test", start: start, durationSeconds: minutes * 60, prices: .synthetic(.init()), hashPrice: .fixed(0.06))
        scenario.speed = speed
        scenario.frequencyInterval = 0
        self.prices = PriceFeed(
            intervals: prices.enumerated().map { k, price in
                PriceFeed.Interval(start: start.adding(seconds: Double((k - 1) * intervalMinutes * 60)), minutes: intervalMinutes, price: price)
            }
        )
    }

    var topics: ControllerTopics { ControllerTopics(settings: settings) }

    /// Runs the scenario to its end. `during` runs alongside (broker restarts, a controller
    /// process); the result is what the observer saw and the simulator's ledger.
    func run(
        controllerInProcess: Bool = true,
        auditPath: String? = nil,
        during: @escaping @Sendable (MosquittoBroker, ScaledClock) async throws -> Void = { _, _ in }
    ) async throws -> (observer: Observed, ledger: SimulationLedger) {
        try await MosquittoBroker.withBroker { broker in
            let clock = ScaledClock(start: scenario.start, rate: scenario.speed, wallOrigin: WallClock().now.adding(seconds: 1))
            let observer = try Observer(broker: broker, clock: clock, topics: topics)
            var controllerMQTT = MQTTConfiguration(host: broker.host, port: broker.port, clientID: "curtail-test-\(UUID().uuidString.prefix(6))")
            controllerMQTT.reconnect = .init(initialDelay: .seconds(1), maximumDelay: .seconds(1))
            var controller = try Controller(
                configuration: ControllerConfiguration(settings: settings, policy: policy),
                mqtt: controllerMQTT,
                clock: clock,
                logger: quietLogger
            )
            controller.restoreWindow = .milliseconds(200)
            if let auditPath { controller.journal = try AuditLog(path: auditPath) }
            var simulatorMQTT = MQTTConfiguration(host: broker.host, port: broker.port, clientID: "gridsim-test")
            simulatorMQTT.reconnect = .init(initialDelay: .seconds(1), maximumDelay: .seconds(1))
            let hashPrice = self.hashPrice
            let simulator = try GridSimulator(
                scenario: scenario,
                site: settings.site,
                prices: prices,
                hashPrice: { _ in hashPrice },
                topics: topics,
                mqtt: simulatorMQTT,
                clock: clock,
                logger: quietLogger
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await observer.run() }
                if controllerInProcess { group.addTask { [controller] in try await controller.run() } }
                group.addTask { try await during(broker, clock) }
                if controllerInProcess {
                    let status = topics.status
                    // The grid's first signals (an award at second 30) must not beat the
                    // controller's subscriptions on a loaded machine: its retained `online`
                    // follows them. A late start only makes the simulator catch up.
                    try await observer.waitFor(timeout: .seconds(30)) {
                        $0.topic == status && $0.payload == ControllerStatus.online.encode()
                    }
                }
                try await simulator.run()
                try await Task.sleep(for: .milliseconds(300))
                group.cancelAll()
                // Surface a failure of `during` (cancellation at the end is expected).
                while let result = await group.nextResult() {
                    if case .failure(let error) = result, !(error is CancellationError) { throw error }
                }
            }
            return (observer.observed, simulator.recorder.snapshot)
        }
    }
}

/// What the in-process miners did with the commands.
struct InProcessLedger: Sendable {
    var commandsApplied = 0
    var commandsIgnored = 0
    var commandsMalformed = 0
    var fallbacks = 0
}

extension Loop {
    /// The same closed loop as ``run(controllerInProcess:auditPath:during:)``, in this process and
    /// on simulated time only: the simulator's timeline and miner-controller models, the
    /// controller's ``ControllerLoop``, no broker and no wall clock. Deterministic: the same
    /// scenario gives the same records, whatever the machine is doing.
    func runInProcess(journal: (any ControllerJournal)? = nil, step: Double = 1) throws -> (observer: Observed, ledger: InProcessLedger) {
        let topics = self.topics
        let site = settings.site
        let hashPrice = self.hashPrice
        let timeline = try Timeline.build(scenario: scenario, prices: prices, hashPrice: { _ in hashPrice }, topics: topics)
        var configuration = ControllerConfiguration(settings: settings, policy: policy)
        configuration.transitAllowance = .milliseconds(250)
        var loop = ControllerLoop(core: try ControllerCore(configuration: configuration), observeWindow: .zero, journaling: journal != nil)
        var miners = SimulatedSite(site: site, scenario: scenario, topics: topics)
        var records: [Observed.Record] = []
        var ledger = InProcessLedger()
        let start = scenario.start

        func perform(_ all: [ControllerLoop.Effects], at now: Timestamp, miners: inout SimulatedSite) throws {
            for effects in all { try perform(effects, at: now, miners: &miners) }
        }

        func perform(_ effects: ControllerLoop.Effects, at now: Timestamp, miners: inout SimulatedSite) throws {
            for message in effects.publish {
                records.append(Observed.Record(at: now, topic: message.topic, payload: message.payload))
                switch miners.receive(topic: message.topic, payload: message.payload, at: now) {
                case .applied: ledger.commandsApplied += 1
                case .ignored: ledger.commandsIgnored += 1
                case .malformed: ledger.commandsMalformed += 1
                case .external, nil: break
                }
            }
            if let journal, let entry = effects.journal {
                try journal.append(entry)
                if effects.flushJournal { try journal.flush() }
            }
        }

        var next = 0
        var nextTelemetry = start
        var now = start
        try perform(loop.handleEchoingLease(.connected, now: now, wall: .zero), at: now, miners: &miners)
        while now <= scenario.end {
            let wall = start.duration(to: now)
            while next < timeline.count, timeline[next].at <= now {
                let publication = timeline[next]
                next += 1
                try perform(
                    loop.handleEchoingLease(.message(topic: publication.topic, payload: Array(publication.payload.utf8)), now: now, wall: wall),
                    at: now,
                    miners: &miners
                )
            }
            if now >= nextTelemetry {
                let readout = miners.readout(at: now)
                ledger.fallbacks += readout.fallbacks
                for (topic, report) in readout.telemetry {
                    let payload = try report.encode()
                    records.append(Observed.Record(at: now, topic: topic, payload: payload))
                    try perform(loop.handleEchoingLease(.message(topic: topic, payload: payload), now: now, wall: wall), at: now, miners: &miners)
                }
                let meter = try readout.meter.payload.encode()
                try perform(
                    loop.handleEchoingLease(.message(topic: readout.meter.topic, payload: meter), now: now, wall: wall),
                    at: now,
                    miners: &miners
                )
                nextTelemetry = nextTelemetry.adding(seconds: scenario.telemetryInterval)
            }
            try perform(loop.handleEchoingLease(.tick, now: now, wall: wall), at: now, miners: &miners)
            now = now.adding(seconds: step)
        }
        try journal?.sync()
        return (Observed(all: records, topics: topics), ledger)
    }
}
