import ArgumentParser
import CurtailCommandLine
import CurtailMQTT
import Foundation
import LocalBroker
import Subprocess
import SystemPackage

/// `curtail-bench mqtt`: round trip through a local mosquitto via a relay, Swift vs bare C.
///
/// A C pinger (`mqtt-baseline ping`) publishes one message at a time (QoS 1) and waits for the
/// relay's answer(s) before sending the next. The relay is either the bare C libmosquitto relay
/// (`mqtt-baseline relay`) or Curtail's Swift client (`curtail-bench mqtt-relay`), each its own
/// process, taking turns in the same run against the same broker, so their ratio is fair on a
/// noisy machine.
struct BenchMQTTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "Round-trip latency of an MQTT relay: Curtail's Swift client vs a bare C libmosquitto relay."
    )

    @Option(help: "Measured round trips per relay and round.")
    var count = 10_000

    @Option(help: "Unmeasured round trips before each measurement.")
    var warmup = 500

    @Option(help: "Rounds; the relays alternate within each round.")
    var rounds = 3

    @Option(help: "Messages the relay publishes per received message (the pinger waits for all).")
    var fanout = 1

    @Flag(help: "Run the broker with Nagle's algorithm on (mosquitto's default) to see what set_tcp_nodelay saves.")
    var brokerNagle = false

    func validate() throws {
        guard count > 0, warmup >= 0, rounds > 0, fanout > 0 else {
            throw ValidationError("--count, --rounds and --fanout must be positive, --warmup not negative")
        }
    }

    func run() async throws {
        let binaries = try Binaries.locate()
        let rounds = self.rounds
        try await MosquittoBroker.withBroker(.init(tcpNoDelay: !brokerNagle)) { broker in
            var samples: [Relay: [Int64]] = [:]
            StandardStreams.err(
                "bench mqtt: \(rounds) round(s) × \(count) round trips per relay, fan-out \(fanout), broker \(broker.url)"
            )
            for round in 1...rounds {
                for relay in Relay.allCases {
                    let measured = try await measure(relay, round: round, broker: broker, binaries: binaries)
                    samples[relay, default: []] += measured
                    if let summary = LatencySummary(measured) {
                        StandardStreams.err(
                            "  round \(round) \(relay.label): p50 \(Self.micros(summary.p50)) µs, p99 \(Self.micros(summary.p99)) µs"
                        )
                    }
                }
            }
            StandardStreams.out(report(samples, broker: broker))
        }
    }

    enum Relay: CaseIterable, Hashable {
        case c
        case swift

        var label: String {
            switch self {
            case .c: "C libmosquitto relay"
            case .swift: "Swift CurtailMQTT relay"
            }
        }
    }

    /// One relay process, one pinger run; returns the pinger's round-trip samples.
    private func measure(_ relay: Relay, round: Int, broker: MosquittoBroker, binaries: Binaries) async throws -> [Int64] {
        let prefix = "bench/\(round)/\(relay)"
        let ping = "\(prefix)/ping"
        let pong = "\(prefix)/pong"
        let (executable, arguments): (String, [String]) =
            switch relay {
            case .c:
                (binaries.baseline, ["relay", broker.host, "\(broker.port)", ping, pong, "\(fanout)"])
            case .swift:
                (binaries.bench, ["mqtt-relay", "--broker", broker.url, "--in", ping, "--out", pong, "--fanout", "\(fanout)"])
            }
        let pinger = [
            "ping", broker.host, "\(broker.port)", ping, pong, "\(count)", "\(warmup)", "\(fanout)",
        ]
        let baseline = binaries.baseline
        let outcome = try await Subprocess.run(
            .path(FilePath(executable)),
            arguments: Arguments(arguments),
            input: .none,
            output: .sequence,
            error: .discarded
        ) { execution in
            var ready = false
            for try await line in execution.standardOutput.strings() where line == "ready" {
                ready = true
                break
            }
            // Without a relay the pinger would wait for its first answer forever.
            guard ready else { throw ValidationError("the \(relay.label) exited before it was ready (could it reach \(broker.url)?)") }
            let result = try await Subprocess.run(
                .path(FilePath(baseline)),
                arguments: Arguments(pinger),
                output: .string(limit: 64 << 20),
                error: .string(limit: 1 << 16)
            )
            try? execution.send(signal: .terminate)
            guard result.terminationStatus.isSuccess else {
                throw ValidationError("the pinger failed (\(result.terminationStatus)): \(result.standardError)")
            }
            return result.standardOutput.split(separator: "\n").compactMap { Int64($0) }
        }
        return outcome.closureResult
    }

    private func report(_ samples: [Relay: [Int64]], broker: MosquittoBroker) -> String {
        #if DEBUG
            let build = "debug build (use -c release for figures)"
        #else
            let build = "release build"
        #endif
        var lines = [
            "MQTT relay round trip, QoS 1, through mosquitto on loopback "
                + (brokerNagle ? "(TCP_NODELAY on the clients, Nagle on at the broker)" : "(TCP_NODELAY on client and broker)"),
            "libmosquitto \(Mosquitto.libraryVersion), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(build)",
            "\(rounds) round(s) × \(count) round trips per relay, fan-out \(fanout)",
            "",
            "relay                          p50 µs    p90 µs    p99 µs    max µs",
        ]
        var summaries: [Relay: LatencySummary] = [:]
        for relay in Relay.allCases {
            guard let summary = LatencySummary(samples[relay] ?? []) else { continue }
            summaries[relay] = summary
            lines.append(
                relay.label.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + [summary.p50, summary.p90, summary.p99, summary.max].map { Self.micros($0).leftPadded(10) }.joined()
            )
        }
        if let c = summaries[.c], let swift = summaries[.swift] {
            func ratio(_ a: Int64, _ b: Int64) -> String { String(format: "%.2fx", Double(a) / Double(b)).leftPadded(10) }
            lines.append(
                "Swift / C".padding(toLength: 28, withPad: " ", startingAt: 0)
                    + ratio(swift.p50, c.p50) + ratio(swift.p90, c.p90) + ratio(swift.p99, c.p99) + ratio(swift.max, c.max)
            )
            let met = Double(swift.p99) <= 2 * Double(c.p99)
            lines.append("")
            lines.append("goal: Swift p99 within 2x of C p99: \(met ? "met" : "NOT met")")
        }
        return lines.joined(separator: "\n")
    }

    static func micros(_ nanoseconds: Int64) -> String {
        String(format: "%.1f", Double(nanoseconds) / 1000)
    }
}

/// The executables the benchmark starts: this `curtail` and `mqtt-baseline` built next to it.
struct Binaries {
    /// This tool (its `mqtt-relay` is the Swift side of the MQTT benchmark).
    var bench: String
    /// The product, for `curtail run` as the controller under test.
    var curtail: String
    /// The bare C libmosquitto relay and pinger.
    var baseline: String

    static func locate() throws -> Binaries {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let directory = me.deletingLastPathComponent()
        let baseline = directory.appending(path: "mqtt-baseline").path
        let curtail = directory.appending(path: "curtail").path
        for path in [baseline, curtail] where !FileManager.default.isExecutableFile(atPath: path) {
            throw ValidationError("\(path) is not built next to \(me.path); run 'swift build -c release' (or 'make bench')")
        }
        return Binaries(bench: me.path, curtail: curtail, baseline: baseline)
    }
}
