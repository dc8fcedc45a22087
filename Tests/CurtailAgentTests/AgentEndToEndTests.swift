import AsyncHTTPClient
import CurtailAgent
import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailMiners
import CurtailObservability
import CurtailPolicyFiles
import CurtailTestSupport
import CurtailWire
import FakeMiners
import Foundation
import LocalBroker
import Logging
import Subprocess
import Synchronization
import SystemPackage
import Testing

/// The whole chain through a real mosquitto: commands on the wire, `curtail agent`'s service,
/// the fake miners over TCP and HTTP, telemetry and miner status back.
@Suite("Agent end to end through mosquitto", .timeLimit(.minutes(3)), .enabled(if: brokerAvailable, "needs the mosquitto broker"), .wallClockLoop)
struct AgentEndToEndTests {
    static let quiet: Logger = {
        var logger = Logger(label: "agent-test")
        logger.logLevel = .error
        return logger
    }()

    /// Everything published under `site/{site}/`, with the site time it arrived.
    final class Wire: Sendable {
        let records = Mutex<[(at: Timestamp, topic: String, payload: [UInt8])]>([])

        func latestStatus(_ address: String) -> MinerStatusPayload? {
            records.withLock { list in
                list.last { $0.topic.hasSuffix("/miners/\(address)/status") }.flatMap { try? MinerStatusPayload(decoding: $0.payload) }
            }
        }

        func telemetry(_ group: String) -> [TelemetryPayload] {
            records.withLock { list in
                list.filter { $0.topic.hasSuffix("/groups/\(group)/telemetry") }.compactMap { try? TelemetryPayload(decoding: $0.payload) }
            }
        }

        func commands(_ group: String) -> [CommandPayload] {
            records.withLock { list in
                list.filter { $0.topic.hasSuffix("/groups/\(group)/command") }.compactMap { try? CommandPayload(decoding: $0.payload) }
            }
        }
    }

    /// A broker, the fake fleet, an observer and a publisher; `body` runs agents as it likes.
    static func withRig(
        net: Int,
        spec: [(firmware: MinerFirmware, group: String, count: Int)],
        faults: [Int: FakeMinerFaults] = [:],
        speed: Double,
        _ body: @Sendable (MosquittoBroker, MinerInventory, FakeMinerFleet, ScaledClock, MQTTClient, Wire) async throws -> Void
    ) async throws {
        let inventory = FleetHarness.inventory(net: net, spec)
        let fleet = FakeMinerFleet(
            inventory: inventory,
            faults: Dictionary(uniqueKeysWithValues: faults.map { (inventory.miners[$0.key].address, $0.value) }),
            speed: speed,
            logger: FleetHarness.quiet
        )
        let clock = ScaledClock(start: Timestamp(iso8601: "2026-07-01T12:00:00Z")!, rate: speed)
        try await MosquittoBroker.withBroker { broker in
            let publisher = try MQTTClient(
                configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "agent-test-pub"),
                logger: quiet
            )
            let observer = try MQTTClient(
                configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "agent-test-obs"),
                logger: quiet
            )
            let wire = Wire()
            try await FleetHarness.serving(fleet) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await publisher.run() }
                    group.addTask { try await observer.run() }
                    group.addTask {
                        try await observer.waitUntilConnected(timeout: .seconds(10))
                        try await observer.subscribe(to: "site/harness/#")
                        for await message in observer.messages {
                            wire.records.withLock { $0.append((clock.now, message.topic, message.payload)) }
                        }
                    }
                    try await publisher.waitUntilConnected(timeout: .seconds(10))
                    try await observer.waitUntilConnected(timeout: .seconds(10))
                    try await body(broker, inventory, fleet, clock, publisher, wire)
                    group.cancelAll()
                }
            }
        }
    }

    /// Runs an agent for the harness site until `body` returns.
    static func withAgent(
        broker: MosquittoBroker,
        inventory: MinerInventory,
        clock: ScaledClock,
        settings: SiteConfiguration.AgentSettings = .init(),
        _ body: @Sendable (MinerAgent<ScaledClock>) async throws -> Void
    ) async throws {
        var mqtt = MQTTConfiguration(host: broker.host, port: broker.port, clientID: "agent-under-test")
        mqtt.will = .init(topic: "site/harness/agent/status", payload: Array("offline".utf8))
        let client = try MQTTClient(configuration: mqtt, logger: quiet)
        let drivers = try MinerDrivers.make(
            for: inventory,
            http: .shared,
            environment: [:],
            rpcTimeout: .seconds(2),
            webTimeout: .seconds(3),
            cgiTimeout: .seconds(5)
        )
        let agent = MinerAgent(
            site: FleetHarness.site,
            inventory: inventory,
            settings: settings,
            drivers: drivers,
            transport: client,
            topics: ControllerTopics(market: "ercot", node: "HB_WEST", site: "harness"),
            clock: clock,
            logger: quiet
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await agent.run() }
            try await body(agent)
            group.cancelAll()
        }
    }

    static func command(_ clock: ScaledClock, seq: Int64, running: Int, power: Double, ttl: Double = 3600) -> [UInt8] {
        try! CommandPayload(
            seq: seq,
            term: 1,
            issuedAt: clock.now,
            expiresAt: clock.now.adding(seconds: ttl),
            minersRunning: running,
            powerTargetW: power,
            targetKW: Double(running) * power / 1000,
            reason: "test"
        ).encode()
    }

    static func eventually(_ what: String, within: Duration = .seconds(30), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + within
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out: \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test("a miner that says OK and does not sleep is found out ('mismatch' on its status topic) and another of its group sleeps instead")
    func liarReplaced() async throws {
        try await Self.withRig(net: 51, spec: [(.luxos, "s19xp", 4)], faults: [3: FakeMinerFaults(notApplied: 1)], speed: 5) {
            broker,
            inventory,
            fleet,
            clock,
            publisher,
            wire in
            // The live page's watcher beside the agent: it must list the liar for a person.
            let feed = LiveFeed()
            let topics = ControllerTopics(market: "ercot", node: "HB_WEST", site: "harness")
            let watcher = SiteWatcher(
                feed: feed,
                mqtt: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "agent-test-page"),
                filters: [topics.minerStatusFilter, topics.agentStatus],
                logger: Self.quiet
            )
            let page = Task { try await watcher.run() }
            defer { page.cancel() }
            let pageEvents = feed.subscribe()
            try await Self.withAgent(broker: broker, inventory: inventory, clock: clock) { _ in
                try await publisher.publish(
                    Self.command(clock, seq: 1, running: 3, power: 3010),
                    to: "site/harness/groups/s19xp/command",
                    retain: true
                )
                let liar = inventory.miners[3]
                try await Self.eventually("the liar is marked mismatch", within: .seconds(60)) { wire.latestStatus(liar.address)?.state == .mismatch }
                try await Self.eventually("three running, by telemetry") { wire.telemetry("s19xp").last?.minersRunning == 3 }
                let asleep = fleet.miners.filter(\.isAsleep).map(\.host)
                #expect(asleep.count == 1 && !asleep.contains(liar.host), "one honest miner sleeps in its place: \(asleep)")
                #expect(wire.latestStatus(liar.address)?.lastError?.contains("did not apply") == true)
                #expect(wire.telemetry("s19xp").last?.appliedSeq == 1)
                // The page's summary (sent within a second of a change) names the liar.
                var summary = ""
                for await event in pageEvents where event.hasPrefix("event: miners") {
                    summary = event
                    if event.contains("\"address\":\"\(liar.address)\"") && event.contains("\"state\":\"mismatch\"") { break }
                }
                #expect(summary.contains("\"agent\":\"online\""), "\(summary)")
                #expect(summary.contains("\"attention_total\":1"), "\(summary)")
            }
        }
    }

    @Test("the agent killed and restarted resumes from the retained command without waking or sleeping anything again")
    func restartResumes() async throws {
        try await Self.withRig(net: 52, spec: [(.braiins, "s21", 2), (.antminer, "s19jpro", 2)], speed: 5) {
            broker,
            inventory,
            fleet,
            clock,
            publisher,
            wire in
            try await publisher.publish(Self.command(clock, seq: 5, running: 1, power: 3000), to: "site/harness/groups/s21/command", retain: true)
            try await publisher.publish(Self.command(clock, seq: 6, running: 1, power: 3500), to: "site/harness/groups/s19jpro/command", retain: true)
            try await Self.withAgent(broker: broker, inventory: inventory, clock: clock) { agent in
                try await Self.eventually("settled: one of each group asleep, confirmed", within: .seconds(60)) {
                    let core = agent.snapshot.core
                    return fleet.miners.filter(\.isAsleep).count == 2 && fleet.miners.filter { $0.mode == .mining }.count == 2
                        && core?.miners.allSatisfy { $0.verifying == nil && $0.inFlight == nil && $0.state == .ok } == true
                }
            }
            let writes = fleet.miners.map(\.writes)
            // A new agent process: reads every miner, takes the retained commands, changes nothing.
            try await Self.withAgent(broker: broker, inventory: inventory, clock: clock) { agent in
                try await Self.eventually("the new agent has read every miner and published telemetry") {
                    agent.snapshot.core?.miners.allSatisfy { $0.readAt != nil } == true && wire.telemetry("s19jpro").last?.appliedSeq == 6
                }
                try await Task.sleep(for: .seconds(2))
                #expect(fleet.miners.map(\.writes) == writes, "no write after the restart")
                #expect(wire.telemetry("s21").last?.minersRunning == 1)
            }
        }
    }

    @Test("a command past its expiry with nothing fresh sends the group to the safe state (asleep)")
    func expiryToSafeState() async throws {
        try await Self.withRig(net: 53, spec: [(.luxos, "s19xp", 3)], speed: 5) { broker, inventory, fleet, clock, publisher, wire in
            try await Self.withAgent(broker: broker, inventory: inventory, clock: clock) { _ in
                try await publisher.publish(
                    Self.command(clock, seq: 1, running: 3, power: 3010, ttl: 60),
                    to: "site/harness/groups/s19xp/command",
                    retain: true
                )
                try await Self.eventually("taken") { wire.telemetry("s19xp").last?.appliedSeq == 1 }
                #expect(fleet.miners.allSatisfy { $0.mode == .mining })
                try await Self.eventually("all asleep after expiry", within: .seconds(30)) { fleet.miners.allSatisfy { $0.mode == .sleeping } }
                try await Self.eventually("telemetry says so") { wire.telemetry("s19xp").last?.minersRunning == 0 }
            }
        }
    }
}

/// The real controller process, the agent and the fake miners: a price between the groups'
/// break-evens sleeps the least efficient group and turns the others down.
@Suite("Controller, agent and miners", .timeLimit(.minutes(3)), .enabled(if: brokerAvailable, "needs the mosquitto broker"), .wallClockLoop)
struct ControllerAgentChainTests {
    @Test("a price spike: curtail run commands, the agent sleeps the S19j Pros (least efficient) and turns the others down; read-backs confirm it")
    func priceSpike() async throws {
        let settings = try SiteFile.load(path: TestRepository.path("Policies/sites/example-west-texas-lab.yaml"))
        let site = settings.site
        var miners: [MinerInventory.Miner] = []
        for (g, firmware) in [("s19jpro", MinerFirmware.antminer), ("s19xp", .luxos), ("s21", .braiins)] {
            let model = site.groups.first { $0.name == g }!.model
            for n in 1...4 {
                let host = "127.0.54.\(miners.count + 1)"
                _ = n
                miners.append(
                    firmware == .braiins
                        ? .init(host: host, port: 18080, group: g, firmware: firmware, model: model)
                        : .init(host: host, port: 14028, webPort: 18080, group: g, firmware: firmware, model: model)
                )
            }
        }
        let inventory = MinerInventory(miners: miners)
        let fleet = FakeMinerFleet(inventory: inventory, speed: 1, logger: FleetHarness.quiet)
        let curtail = try CurtailProcess.executable()
        let topics = ControllerTopics(market: "ercot", node: "HB_WEST", site: site.id)
        try await MosquittoBroker.withBroker { broker in
            let feed = try MQTTClient(
                configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "chain-feed"),
                logger: AgentEndToEndTests.quiet
            )
            let agentClient = try MQTTClient(
                configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "chain-agent"),
                logger: AgentEndToEndTests.quiet
            )
            let agent = MinerAgent(
                site: site,
                inventory: inventory,
                settings: settings.agent,
                drivers: try MinerDrivers.make(for: inventory, http: .shared, environment: [:], cgiTimeout: .seconds(10)),
                transport: agentClient,
                topics: topics,
                clock: WallClock(),
                logger: AgentEndToEndTests.quiet
            )
            try await FleetHarness.serving(fleet) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await feed.run() }
                    group.addTask { try await agent.run() }
                    try await feed.waitUntilConnected(timeout: .seconds(10))
                    func publishPrice(_ price: Double) async throws {
                        let now = WallClock().now
                        let interval = Timestamp(millisecondsSinceEpoch: (now.millisecondsSinceEpoch / 900_000) * 900_000)
                        try await feed.publish(try HashPricePayload(ts: now, usdPerTHDay: 0.06).encode(), to: "mining/hashprice", retain: true)
                        try await feed.publish(
                            try PricePayload(intervalStart: interval, intervalMinutes: 15, priceUSDPerMWh: price).encode(),
                            to: topics.price,
                            retain: true
                        )
                    }
                    try await publishPrice(20)
                    _ = try await Subprocess.run(
                        .path(FilePath(curtail)),
                        arguments: [
                            "run", "--config", TestRepository.path("Policies/sites/example-west-texas-lab.yaml"), "--broker", broker.url,
                            "--no-audit",
                            "--metrics", "off", "--instance", "chain", "--log-level", "error",
                        ],
                        input: .none,
                        output: .discarded,
                        error: .discarded
                    ) { execution in
                        try await AgentEndToEndTests.eventually("all twelve mining at $20/MWh", within: .seconds(30)) {
                            agent.snapshot.core.map { core in
                                core.miners.allSatisfy { $0.reading?.mode == .mining } && core.command(of: "s19jpro") != nil
                            } ?? false
                        }
                        // $100/MWh at $0.06/TH/day: above an S19j Pro's break-even (about $83), below the
                        // S19 XP's and S21's lower power steps.
                        try await publishPrice(100)
                        try await AgentEndToEndTests.eventually("the S19j Pros asleep, confirmed by read-back", within: .seconds(60)) {
                            agent.snapshot.core.map { core in
                                core.miners.filter { $0.entry.group == "s19jpro" }.allSatisfy { $0.reading?.mode == .sleeping && $0.verifying == nil }
                            } ?? false
                        }
                        try await AgentEndToEndTests.eventually("the others mining at a lower power target", within: .seconds(60)) {
                            fleet.miners.filter { $0.model.id != "antminer-s19j-pro" }.allSatisfy {
                                $0.mode == .mining && $0.powerTargetW < $0.model.nominalPower.value
                            }
                        }
                        let targets = fleet.miners.map { "\($0.model.id) \($0.mode) \($0.powerTargetW)" }
                        let commands = ["s19jpro", "s19xp", "s21"].map {
                            "\($0): \(agent.snapshot.core?.command(of: $0).map { "\($0.minersRunning) × \($0.powerTargetW) W" } ?? "none")"
                        }
                        let asleep = fleet.miners.filter(\.isAsleep).map(\.model.id)
                        #expect(
                            fleet.miners.filter { $0.model.id != "antminer-s19j-pro" }.allSatisfy { $0.powerTargetW < $0.model.nominalPower.value },
                            "\(targets) \(commands)"
                        )
                        #expect(asleep == Array(repeating: "antminer-s19j-pro", count: 4), "\(asleep)")
                        try execution.send(signal: .terminate)
                    }
                    group.cancelAll()
                }
            }
        }
    }
}
