import ArgumentParser
import AsyncHTTPClient
import CurtailCommandLine
import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailWire
import Foundation
import LocalBroker
import Logging
import NIOCore
import NIOHTTP1
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// `curtail-bench agent`: `curtail agent` against `gridsim miners` on loopback, both as their own
/// processes, through a local mosquitto: a status sweep of the whole fleet, a sleep command for a
/// 1,000-miner group confirmed by read-back, a staggered wake of that group, and the agent's RSS.
struct BenchAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Benchmark curtail agent against the fake fleet: sweep, sleep confirmation, wake stagger, RSS."
    )

    @Option(help: "Miners in the fleet (the sweep); the first 1,000 (or fewer) form the group that is slept and woken.")
    var miners = 10_000

    @Option(help: "The site's wake stagger, miners per second.")
    var wakeRate = 100.0

    @Option(help: "Connections the agent may open at once.")
    var connections = 256

    func validate() throws {
        guard (10...20_000).contains(miners) else { throw ValidationError("--miners must be 10...20000") }
        guard wakeRate > 0 else { throw ValidationError("--wake-rate must be positive") }
    }

    func run() async throws {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let curtail = me.appending(path: "curtail").path
        let gridsim = me.appending(path: "gridsim").path
        for path in [curtail, gridsim] where !FileManager.default.isExecutableFile(atPath: path) {
            throw ValidationError("\(path) is not built; run 'swift build -c release' (or 'make bench')")
        }
        let small = min(1000, miners)
        let workspace = FileManager.default.temporaryDirectory.appending(path: "curtail-bench-agent-\(getpid())")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }
        let site = workspace.appending(path: "site.yaml").path
        let inventory = workspace.appending(path: "miners.yaml").path
        let policy = FileManager.default.currentDirectoryPath + "/Policies/breakeven.yaml"
        try """
        site: bench
        market: ercot
        node: HB_WEST
        max_import_mw: 100
        policy: \(policy)
        groups:
          - {name: g1k, model: antminer-s19-xp, count: \(small), firmware: profiles, profiles_w: [1806, 2408, 3010]}
          - {name: rest, model: antminer-s19-xp, count: \(max(1, miners - small)), firmware: profiles, profiles_w: [1806, 2408, 3010]}
        agent:
          wake_miners_per_second: \(wakeRate)
          max_connections: \(connections)
          poll_interval: 60s
        """.write(toFile: site, atomically: true, encoding: .utf8)
        var lines = ["miners:"]
        for n in 0..<miners {
            lines.append("  - {address: \"127.1.\(n / 250).\(n % 250 + 1):14028\", group: \(n < small ? "g1k" : "rest"), firmware: luxos}")
        }
        try lines.joined(separator: "\n").write(toFile: inventory, atomically: true, encoding: .utf8)

        var logger = Logger(label: "curtail.bench")
        logger.logLevel = .error
        let control = 19_471
        print(
            "curtail agent against \(miners) fake LuxOS miners on 127.1.0.0/16 (gridsim miners), \(connections) connections, wake stagger \(wakeRate)/s"
        )
        try await MosquittoBroker.withBroker { broker in
            let observer = try MQTTClient(
                configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "bench-agent-obs"),
                logger: logger
            )
            let tally = Tally()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await observer.run() }
                try await observer.waitUntilConnected(timeout: .seconds(10))
                try await observer.subscribe(to: "site/bench/groups/+/miners/+/status")
                group.addTask {
                    for await message in observer.messages {
                        guard let status = try? MinerStatusPayload(decoding: message.payload) else { continue }
                        let now = ContinuousClock.now
                        tally.statuses.withLock { all in
                            let first = all[status.address]?.first ?? now
                            all[status.address] = (first, now, status)
                        }
                        if status.state == .ok, status.mode == "sleeping" {
                            tally.confirmed.withLock { if $0[status.address] == nil { $0[status.address] = now } }
                        }
                    }
                }
                let fleetArguments = ["miners", "--config", site, "--inventory", inventory, "--control", "127.0.0.1:\(control)"]
                _ = try await Subprocess.run(
                    .path(FilePath(gridsim)),
                    arguments: Arguments(fleetArguments),
                    input: .none,
                    output: .discarded,
                    error: .discarded
                ) {
                    fleet in
                    try await Self.waitForPort(control)
                    let agentArguments = ["agent", "--config", site, "--miners", inventory, "--broker", broker.url, "--log-level", "error"]
                    _ = try await Subprocess.run(
                        .path(FilePath(curtail)),
                        arguments: Arguments(agentArguments),
                        input: .none,
                        output: .discarded,
                        error: .discarded
                    ) {
                        agent in
                        // 1. The sweep: from the agent's start to a status for every miner.
                        let started = ContinuousClock.now
                        while tally.statuses.withLock({ $0.count }) < miners, ContinuousClock.now - started < .seconds(120) {
                            try await Task.sleep(for: .milliseconds(20))
                        }
                        let sweep = tally.statuses.withLock { all in all.values.map(\.first).max() }.map { started.duration(to: $0) }
                        let swept = tally.statuses.withLock { $0.count }
                        // 2. Sleep the 1,000-miner group: publish to confirmation, per miner.
                        let publisher = observer
                        let now = WallClock().now
                        let sleep = CommandPayload(
                            seq: 1,
                            term: 1,
                            issuedAt: now,
                            expiresAt: now.adding(seconds: 3600),
                            minersRunning: 0,
                            powerTargetW: 3010,
                            targetKW: 0,
                            reason: "bench"
                        )
                        let sent = ContinuousClock.now
                        try await publisher.publish(try sleep.encode(), to: "site/bench/groups/g1k/command", qos: .atLeastOnce, retain: true)
                        while tally.confirmed.withLock({ $0.count }) < small, ContinuousClock.now - sent < .seconds(120) {
                            try await Task.sleep(for: .milliseconds(20))
                        }
                        let times = tally.confirmed.withLock { $0.values.map { sent.duration(to: $0).inSeconds } }.sorted()
                        let sleeps = try await Self.times("last_sleep_at", control: control).sorted()
                        // 3. Wake it again through the stagger; the fakes record when each wake arrived.
                        let wakeCommand = CommandPayload(
                            seq: 2,
                            term: 1,
                            issuedAt: WallClock().now,
                            expiresAt: WallClock().now.adding(seconds: 3600),
                            minersRunning: small,
                            powerTargetW: 3010,
                            targetKW: Double(small) * 3.01,
                            reason: "bench"
                        )
                        try await publisher.publish(try wakeCommand.encode(), to: "site/bench/groups/g1k/command", qos: .atLeastOnce, retain: true)
                        var wakes: [Double] = []
                        let wakeStarted = ContinuousClock.now
                        while wakes.count < small, ContinuousClock.now - wakeStarted < .seconds(Double(small) / wakeRate * 3 + 30) {
                            try await Task.sleep(for: .milliseconds(500))
                            wakes = try await Self.wakeTimes(control: control)
                        }
                        // 4. The agent's memory.
                        let pid = agent.processIdentifier.value
                        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
                        func megabytes(_ key: String) -> Double {
                            let line = status.split(separator: "\n").first { $0.hasPrefix(key) } ?? ""
                            return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan) / 1024
                        }
                        try? agent.send(signal: .terminate)

                        print("")
                        if let sweep {
                            let goal = sweep <= .seconds(10) ? "met" : "NOT met"
                            print(
                                "status sweep of \(swept) miners: \(Format.fixed(sweep.inSeconds, 2)) s from the agent's start to the last first status (goal ≤ 10 s: \(goal))"
                            )
                        } else {
                            print("status sweep: only \(swept) of \(miners) miners reported")
                        }
                        if times.count == small {
                            let p50 = times[times.count / 2]
                            let p99 = times[min(times.count - 1, Int(Double(times.count) * 0.99))]
                            print(
                                "sleep \(small) miners, command → read-back confirmed: p50 \(Format.fixed(p50, 2)) s, p99 \(Format.fixed(p99, 2)) s, max \(Format.fixed(times.last!, 2)) s (goal p99 ≤ 5 s: \(p99 <= 5 ? "met" : "NOT met"); the fakes take 4 s to reach 25 W, as LuxOS does)"
                            )
                            if let first = sleeps.first, let last = sleeps.last {
                                print(
                                    "  of which: the \(sleeps.count) sleep commands reached the miners within \(Format.fixed(last - first, 2)) s of each other"
                                )
                            }
                        } else {
                            print("sleep: only \(times.count) of \(small) confirmed")
                        }
                        if wakes.count == small {
                            let sorted = wakes.sorted()
                            let span = sorted.last! - sorted.first!
                            let rate = Double(small - 1) / max(span, 1e-9)
                            var busiest = 0
                            var lo = 0
                            for hi in sorted.indices {
                                while sorted[hi] - sorted[lo] >= 1 { lo += 1 }
                                busiest = max(busiest, hi - lo + 1)
                            }
                            let within = abs(rate - wakeRate) / wakeRate <= 0.05
                            print(
                                "staggered wake of \(small) miners: \(Format.fixed(span, 2)) s, \(Format.fixed(rate, 1)) wakes/s against a setting of \(Format.fixed(wakeRate, 0))/s, at most \(busiest) in any second (goal within 5 %: \(within ? "met" : "NOT met"))"
                            )
                        } else {
                            print("wake: only \(wakes.count) of \(small) woken")
                        }
                        print(
                            "curtail agent RSS at \(miners) miners: \(Format.fixed(megabytes("VmRSS:"), 1)) MB, peak \(Format.fixed(megabytes("VmHWM:"), 1)) MB (goal ≤ 128 MB: \(megabytes("VmHWM:") <= 128 ? "met" : "NOT met"))"
                        )
                    }
                    try? fleet.send(signal: .terminate)
                }
                group.cancelAll()
            }
        }
    }

    /// What the observer saw: each miner's first status, and when each was confirmed asleep.
    final class Tally: Sendable {
        let statuses = Mutex<[String: (first: ContinuousClock.Instant, last: ContinuousClock.Instant, payload: MinerStatusPayload)]>([:])
        let confirmed = Mutex<[String: ContinuousClock.Instant]>([:])
    }

    static func waitForPort(_ port: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if (try? await stateJSON(port)) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("gridsim miners did not start (control port \(port))")
    }

    /// The fakes' state from `gridsim miners --control`.
    static func stateJSON(_ port: Int) async throws -> JSONValue {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/miners"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok, let json = JSONValue.parse(Array(body.readableBytesView)) else {
            throw ValidationError("gridsim miners' control port answered \(response.status)")
        }
        return json
    }

    /// When each woken miner's wake arrived (fleet seconds).
    static func wakeTimes(control port: Int) async throws -> [Double] {
        try await times("last_wake_at", control: port)
    }

    /// A per-miner time field of the fakes' state (fleet seconds), where set.
    static func times(_ field: String, control port: Int) async throws -> [Double] {
        guard case .array(let miners)? = try await stateJSON(port)["miners"] else { return [] }
        return miners.compactMap { miner in
            if case .number(let at)? = miner[field] { at } else { nil }
        }
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { object[key] } else { nil }
    }
}
