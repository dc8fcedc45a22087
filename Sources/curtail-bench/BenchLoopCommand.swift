import ArgumentParser
import CurtailAudit
import CurtailCommandLine
import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailPolicyFiles
import CurtailSite
import CurtailWire
import Foundation
import GridSimulator
import LocalBroker
import Logging
import Subprocess
import SystemPackage

/// `curtail-bench loop`: the controller's latency budget, its telemetry ingest and its memory.
///
/// 1. **Price → commands.** The controller runs in this process on the wall clock for a site of
///    `--groups` groups of 100 miners (the example site's three models, cycled), with its audit
///    database. A publisher sends one real-time price at a time, alternating 5,000 and 30 $/MWh,
///    so every signal changes every group's command; a subscriber waits for all of them. In the
///    same run, alternating round by round, the bare C libmosquitto relay (`mqtt-baseline`)
///    answers the same price message with the same number of QoS 1 publishes, measured by the
///    same publisher and subscriber. Latency: from just before the publish to the last message.
/// 2. **Telemetry ingest**: telemetry messages per second decoded, validated and applied through
///    ``ControllerCore`` on one core, and journalled by the audit database's writer thread, timed
///    until the last is committed (no broker).
/// 3. **Memory**: `curtail run` as its own process for the same site, driven with prices and
///    telemetry through the broker; its resident set size read from `/proc`.
struct BenchLoopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop",
        abstract: "Latency from a price message to all group commands vs a bare C relay; telemetry ingest; controller memory."
    )

    @Option(help: "Miner groups (100 miners each).")
    var groups = 100

    @Option(help: "Measured signals per system (split over the rounds).")
    var signals = 10_000

    @Option(help: "Unmeasured signals per system and round.")
    var warmup = 200

    @Option(help: "Rounds; the controller and the C relay alternate within each.")
    var rounds = 2

    @Option(help: "Telemetry messages in the ingest measurement.")
    var telemetry = 200_000

    @Flag(help: "Skip the memory measurement (it starts `curtail run` as a separate process).")
    var noMemory = false

    @Flag(help: "Run the controller without its audit database (to see what the journal costs).")
    var noAudit = false

    func validate() throws {
        guard groups > 0, signals > 0, warmup >= 0, rounds > 0, telemetry > 0 else {
            throw ValidationError("--groups, --signals, --rounds and --telemetry must be positive, --warmup not negative")
        }
    }

    func run() async throws {
        let binaries = try Binaries.locate()
        var setup = try SiteSetup.loadForCommand(sitePath: "Policies/sites/example-west-texas.yaml")
        setup.settings.site = setup.settings.site.scaled(groups: groups)
        setup.settings.site.rampUpMWPerMinute = nil
        let settings = setup.settings
        var configuration = setup.controllerConfiguration
        configuration.decisionInterval = .seconds(3600)
        configuration.commandLifetime = .seconds(3600)
        configuration.reissueBefore = .seconds(60)
        configuration.statePeriod = .seconds(3600)
        let workspace = FileManager.default.temporaryDirectory.appending(path: "curtail-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }

        StandardStreams.err("bench loop: \(groups) groups (\(groups * 100) miners), \(rounds) round(s), \(signals) signals per system")
        let (controllerSamples, cSamples, rss) = try await MosquittoBroker.withBroker { broker in
            let latency = try await measureLatency(configuration: configuration, broker: broker, binaries: binaries, workspace: workspace)
            let rss = noMemory ? nil : try await measureMemory(settings: settings, broker: broker, binaries: binaries, workspace: workspace)
            return (latency.controller, latency.c, rss)
        }
        let ingest = try measureIngest(configuration: configuration, workspace: workspace)

        guard let ours = LatencySummary(controllerSamples), let c = LatencySummary(cSamples) else { return }
        func ms(_ nanoseconds: Int64) -> String { Format.fixed(Double(nanoseconds) / 1_000_000, 2).leftPadded(9) }
        print("price message → \(groups) QoS 1 messages through mosquitto on loopback, \(ours.count) signals each, same run")
        print("")
        print("system                                   p50 ms   p90 ms   p99 ms   max ms")
        print(
            (noAudit ? "Curtail controller (no journal)" : "Curtail controller (decide + journal)").padding(toLength: 38, withPad: " ", startingAt: 0)
                + ms(ours.p50) + ms(ours.p90) + ms(ours.p99) + ms(ours.max)
        )
        print("bare C libmosquitto relay".padding(toLength: 38, withPad: " ", startingAt: 0) + ms(c.p50) + ms(c.p90) + ms(c.p99) + ms(c.max))
        let ratio = Double(ours.p99) / Double(c.p99)
        print(
            "Curtail / C".padding(toLength: 38, withPad: " ", startingAt: 0)
                + [ours.p50, ours.p90, ours.p99, ours.max].enumerated().map { i, v in
                    Format.fixed(Double(v) / Double([c.p50, c.p90, c.p99, c.max][i]), 2).leftPadded(8) + "x"
                }.joined()
        )
        print("goal: Curtail p99 ≤ 2× the C relay's p99: \(ratio <= 2 ? "met" : "NOT met") (\(Format.fixed(ratio, 2))×)")
        print("")
        print(
            "telemetry ingest: decode + validate + apply on one core, audit journal on its writer thread, until committed: \(Format.fixed(ingest / 1000, 1))k messages/s "
                + "(goal ≥ 50k: \(ingest >= 50_000 ? "met" : "NOT met"))"
        )
        if let rss {
            print(
                "curtail run, \(groups) groups / \(groups * 100) miners, after \(rss.signals) signals and \(rss.telemetry) telemetry messages: "
                    + "RSS \(Format.fixed(rss.current / 1024, 1)) MB, peak \(Format.fixed(rss.peak / 1024, 1)) MB (goal ≤ 64 MB: \(rss.peak <= 64 * 1024 ? "met" : "NOT met"))"
            )
        }
    }

    // MARK: - Latency

    private func measureLatency(
        configuration: ControllerConfiguration,
        broker: MosquittoBroker,
        binaries: Binaries,
        workspace: URL
    ) async throws -> (controller: [Int64], c: [Int64]) {
        var logger = Logger(label: "curtail.bench")
        logger.logLevel = .error
        let topics = configuration.topics
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
        if !noAudit { controller.journal = try AuditLog(path: workspace.appending(path: "audit.sqlite").path) }
        let publisher = try client("bench-publisher")
        let subscriber = try client("bench-subscriber")
        let cIn = "bench/c/price"
        let cOut = "bench/c/commands"
        return try await withThrowingTaskGroup(of: Void.self, returning: (controller: [Int64], c: [Int64]).self) { group in
            group.addTask { [controller] in try await controller.run() }
            group.addTask { try await publisher.run() }
            group.addTask { try await subscriber.run() }
            try await publisher.waitUntilConnected(timeout: .seconds(10))
            try await subscriber.waitUntilConnected(timeout: .seconds(10))
            try await subscriber.subscribe(to: topics.commandFilter)
            try await subscriber.subscribe(to: cOut)
            try await subscriber.subscribe(to: topics.status)
            var messages = subscriber.messages.makeAsyncIterator()
            while let message = await messages.next(), message.payloadString != "online" {}
            try await Task.sleep(for: .milliseconds(300))  // the controller's start-up window
            let now = WallClock().now
            try await publisher.publish(try HashPricePayload(ts: now, usdPerTHDay: 0.06).encode(), to: topics.hashPrice)
            var k = 0
            let first = now.adding(seconds: -7200)
            let wall = ContinuousClock()
            var ours: [Int64] = []
            var theirs: [Int64] = []
            let perRound = (signals + rounds - 1) / rounds

            /// Publishes one price and waits for `groups` answers on `topicPrefix`; returns nanoseconds.
            func signal(to topic: String, answersOn prefix: String) async throws -> Int64 {
                let expensive = k % 2 == 0
                let start = first.adding(seconds: Double(k) * 0.25)
                k += 1
                let payload = try PricePayload(intervalStart: start, intervalMinutes: 1, priceUSDPerMWh: expensive ? 5000 : 30).encode()
                let sent = wall.now
                try publisher.enqueue(payload, to: topic)
                var received = 0
                while received < groups, let message = await messages.next(isolation: #isolation) {
                    if message.topic.hasPrefix(prefix) { received += 1 }
                }
                let elapsed = sent.duration(to: wall.now)
                return elapsed.inNanoseconds
            }

            for round in 1...rounds {
                for _ in 0..<warmup { _ = try await signal(to: topics.price, answersOn: topics.siteBase) }
                for _ in 0..<perRound { ours.append(try await signal(to: topics.price, answersOn: topics.siteBase)) }
                StandardStreams.err(
                    "  round \(round) controller: p99 \(LatencySummary(ours).map { Format.fixed(Double($0.p99) / 1e6, 2) } ?? "-") ms"
                )
                // The C relay in its own process; it answers on cOut until told to stop.
                let (ready, readyContinuation) = AsyncStream.makeStream(of: Bool.self)
                let (stop, stopContinuation) = AsyncStream.makeStream(of: Void.self)
                try await withThrowingTaskGroup(of: Void.self) { relayGroup in
                    relayGroup.addTask {
                        _ = try await Subprocess.run(
                            .path(FilePath(binaries.baseline)),
                            arguments: ["relay", broker.host, "\(broker.port)", cIn, cOut, "\(groups)"],
                            input: .none,
                            output: .sequence,
                            error: .discarded
                        ) { execution in
                            var started = false
                            for try await line in execution.standardOutput.strings() where line == "ready" {
                                started = true
                                break
                            }
                            readyContinuation.yield(started)
                            for await _ in stop { break }
                            try? execution.send(signal: .terminate)
                        }
                    }
                    var iterator = ready.makeAsyncIterator()
                    guard await iterator.next() == true else { throw InvalidInput("bench loop: the C relay did not start") }
                    for _ in 0..<warmup { _ = try await signal(to: cIn, answersOn: cOut) }
                    for _ in 0..<perRound { theirs.append(try await signal(to: cIn, answersOn: cOut)) }
                    stopContinuation.yield()
                    try await relayGroup.waitForAll()
                }
                StandardStreams.err("  round \(round) C relay: p99 \(LatencySummary(theirs).map { Format.fixed(Double($0.p99) / 1e6, 2) } ?? "-") ms")
            }
            group.cancelAll()
            return (ours, theirs)
        }
    }

    // MARK: - Ingest

    /// Telemetry messages per second through the core and the audit journal, on this thread.
    private func measureIngest(configuration: ControllerConfiguration, workspace: URL) throws -> Double {
        var core = try ControllerCore(configuration: configuration)
        let journal = try AuditLog(path: workspace.appending(path: "ingest.sqlite").path)
        let start = WallClock().now
        _ = core.connectionRestored(at: start)
        _ = core.takeCharge(term: 1, at: start)
        let groups = configuration.site.groups
        let topics = groups.map { configuration.topics.telemetry(group: $0.name) }
        // Payloads prepared up front (timestamps advancing, as a real stream's do).
        let batch = 2000
        let payloads: [[UInt8]] = try (0..<batch).map { i in
            let ts = start.adding(seconds: Double(i / groups.count) * 0.01 + 0.001)
            return try TelemetryPayload(ts: ts, powerKW: 306.8, hashrateTH: 10_400, minersRunning: 100, appliedSeq: Int64(i)).encode()
        }
        let wall = ContinuousClock()
        let t0 = wall.now
        var handled = 0
        var refused = 0
        while handled < telemetry {
            for i in 0..<batch where handled < telemetry {
                let topic = topics[i % topics.count]
                let now = start.adding(seconds: Double(i / groups.count) * 0.01 + 0.002)
                let step = core.receive(topic: topic, payload: payloads[i], at: now)
                try journal.append(
                    JournalEntry(
                        time: now,
                        input: .init(
                            topic: topic,
                            payload: payloads[i],
                            outcome: step.rejections.isEmpty ? .accepted : .rejected(step.rejections[0].rejection)
                        )
                    )
                )
                handled += 1
            }
            // The next pass replays the same payloads: a fresh core, or they would be out of order.
            refused += core.counters.rejectedTotal
            core = try ControllerCore(configuration: configuration)
            _ = core.connectionRestored(at: start)
            _ = core.takeCharge(term: 1, at: start)
        }
        try journal.sync()  // timed until committed
        let elapsed = t0.duration(to: wall.now)
        let seconds = elapsed.inSeconds
        guard refused == 0 else { throw InvalidInput("bench loop: \(refused) telemetry messages were refused") }
        return Double(handled) / seconds
    }

    // MARK: - Memory

    /// Starts `curtail run` for the site, drives it, and reads its resident set size (kB).
    private func measureMemory(
        settings: SiteConfiguration,
        broker: MosquittoBroker,
        binaries: Binaries,
        workspace: URL
    ) async throws -> (current: Double, peak: Double, signals: Int, telemetry: Int) {
        let sitePath = workspace.appending(path: "site.yaml").path
        try BenchSiteFile.write(settings.site, policy: FileManager.default.currentDirectoryPath + "/Policies/breakeven.yaml", to: sitePath)
        let arguments = [
            "run", "--config", sitePath, "--broker", broker.url, "--audit-db", workspace.appending(path: "rss.sqlite").path, "--metrics", "off",
            "--log-level", "error",
        ]
        var logger = Logger(label: "curtail.bench")
        logger.logLevel = .error
        let feed = try MQTTClient(configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "bench-rss-feed"), logger: logger)
        let topics = ControllerTopics(
            market: settings.site.market,
            node: settings.site.node,
            site: settings.site.id,
            gridRoot: settings.mqtt.gridRoot,
            siteRoot: settings.mqtt.siteRoot,
            hashPrice: settings.mqtt.hashPriceTopic
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await feed.run() }
            try await feed.waitUntilConnected(timeout: .seconds(10))
            let outcome = try await Subprocess.run(
                .path(FilePath(binaries.curtail)),
                arguments: Arguments(arguments),
                input: .none,
                output: .discarded,
                error: .discarded
            ) {
                execution in
                let pid = execution.processIdentifier.value
                try await Task.sleep(for: .milliseconds(1500))
                let now = WallClock().now
                try await feed.publish(try HashPricePayload(ts: now, usdPerTHDay: 0.06).encode(), to: topics.hashPrice)
                var signals = 0
                var telemetry = 0
                for k in 0..<200 {
                    let start = now.adding(seconds: Double(k) * 0.25 - 3600)
                    try feed.enqueue(
                        try PricePayload(intervalStart: start, intervalMinutes: 1, priceUSDPerMWh: k % 2 == 0 ? 5000 : 30).encode(),
                        to: topics.price
                    )
                    signals += 1
                    let ts = WallClock().now
                    for (g, group) in settings.site.groups.enumerated() {
                        let report = TelemetryPayload(ts: ts, powerKW: 306.8, hashrateTH: 10_400, minersRunning: 100, appliedSeq: Int64(k * 1000 + g))
                        try feed.enqueue(try report.encode(), to: topics.telemetry(group: group.name))
                        telemetry += 1
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await Task.sleep(for: .milliseconds(500))
                let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
                func kilobytes(_ key: String) -> Double {
                    let line = status.split(separator: "\n").first { $0.hasPrefix(key) } ?? ""
                    return Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan
                }
                try? execution.send(signal: .terminate)
                return (kilobytes("VmRSS:"), kilobytes("VmHWM:"), signals, telemetry)
            }
            group.cancelAll()
            return outcome.closureResult
        }
    }
}

/// Writes a site file for a (scaled) site, so `curtail run` can be started on it.
enum BenchSiteFile {
    static func write(_ site: Site, policy: String, to path: String) throws {
        var lines = [
            "site: \(site.id)", "market: \(site.market)", "node: \(site.node)", "max_import_mw: \(site.maxImport.value)", "policy: \(policy)",
            "groups:",
        ]
        for group in site.groups {
            lines.append("  - name: \(group.name)")
            lines.append("    model: \(group.model.id)")
            lines.append("    count: \(group.count)")
            switch group.firmware {
            case .onOff:
                lines.append("    firmware: on_off")
            case .profiles(let levels):
                lines.append("    firmware: profiles")
                lines.append("    profiles_w: [\(levels.map { Format.fixed($0.value, 0) }.joined(separator: ", "))]")
            case .continuous(let low, let high):
                lines.append("    firmware: continuous")
                lines.append("    min_power_w: \(Format.fixed(low.value, 0))")
                lines.append("    max_power_w: \(Format.fixed(high.value, 0))")
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
