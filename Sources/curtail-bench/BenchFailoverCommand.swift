import ArgumentParser
import CurtailCommandLine
import CurtailCore
import CurtailMQTT
import CurtailPolicyFiles
import CurtailWire
import Foundation
import LocalBroker
import Logging
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// `curtail-bench failover`: how long a site goes without an active controller when the active
/// one of a pair dies (SIGKILL) or is stopped (SIGTERM).
///
/// Two `curtail run` processes for the example site (with `--lease`) on the wall clock, through a
/// local mosquitto. Each round signals the active one, times from the signal to the standby's
/// `online` on `controller/status` (it has taken charge), then restarts the signalled one as the
/// new standby. The goal is the issue's bound: a takeover within the lease plus 5 s.
struct BenchFailoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Takeover time of an active/standby pair of `curtail run` processes (SIGKILL and SIGTERM)."
    )

    @Option(help: "Site file.")
    var config = "Policies/sites/example-west-texas.yaml"

    @Option(help: "The site's controller.lease for the run, e.g. 15s.")
    var lease = "15s"

    @Option(help: "Failovers, SIGKILL and SIGTERM in turn.")
    var failovers = 6

    func validate() throws {
        guard failovers > 0 else { throw ValidationError("--failovers must be positive") }
    }

    func run() async throws {
        let binaries = try Binaries.locate()
        let workspace = FileManager.default.temporaryDirectory.appending(path: "curtail-bench-failover-\(getpid())")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }
        let settings: SiteConfiguration
        do { settings = try SiteFile.load(path: config) } catch { throw InvalidInput("\(error)") }
        guard let leaseSeconds = Self.seconds(lease), (1...300).contains(leaseSeconds) else {
            throw ValidationError("--lease expects a duration of 1s...5m, e.g. 15s, got '\(lease)'")
        }
        // The site file with the lease, and its policy by absolute path (it is written elsewhere).
        let policy = URL(fileURLWithPath: ConfigurationFiles.resolve(settings.policyReference ?? "../breakeven.yaml", relativeTo: config))
            .absoluteURL.path
        let lines = try String(contentsOfFile: config, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let site =
            lines.map { $0.hasPrefix("policy:") ? "policy: \(policy)" : String($0) }.joined(separator: "\n")
            + "\ncontroller:\n  lease: \(lease)\n"
        let sitePath = workspace.appending(path: "site.yaml").path
        try site.write(toFile: sitePath, atomically: true, encoding: .utf8)
        let topics = (status: "site/\(settings.site.id)/controller/status", leader: "site/\(settings.site.id)/controller/leader")

        StandardStreams.err("failover: \(failovers) takeovers with a \(lease) lease (SIGKILL and SIGTERM in turn)")
        let (killed, stopped) = try await MosquittoBroker.withBroker { broker in
            try await measure(broker: broker, sitePath: sitePath, curtail: binaries.curtail, workspace: workspace, topics: topics)
        }
        let bound = leaseSeconds + 5
        print("takeover: from the signal to the standby's `online`, two `curtail run` processes, \(lease) lease, \(failovers) failovers\n")
        print("signal     count   p50 s   max s   bound s")
        for (name, times) in [("SIGKILL", killed), ("SIGTERM", stopped)] where !times.isEmpty {
            let sorted = times.sorted()
            print(
                name.padding(toLength: 10, withPad: " ", startingAt: 0) + String(times.count).leftPadded(6)
                    + Format.fixed(sorted[sorted.count / 2], 2).leftPadded(8) + Format.fixed(sorted.last!, 2).leftPadded(8)
                    + Format.fixed(bound, 1).leftPadded(10)
            )
        }
        let worst = (killed + stopped).max() ?? 0
        print(
            "\ngoal: every takeover within lease + 5 s (\(Format.fixed(bound, 1)) s): \(worst <= bound ? "met" : "NOT met") (worst \(Format.fixed(worst, 2)) s)"
        )
    }

    /// Runs the pair and the failovers; returns the takeover times (seconds) after SIGKILL and after SIGTERM.
    private func measure(
        broker: MosquittoBroker,
        sitePath: String,
        curtail: String,
        workspace: URL,
        topics: (status: String, leader: String)
    ) async throws -> (killed: [Double], stopped: [Double]) {
        var logger = Logger(label: "curtail.bench")
        logger.logLevel = .error
        let observer = try MQTTClient(
            configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "bench-failover"),
            logger: logger
        )
        let shared = Shared()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            defer { for pid in shared.pids.withLock({ Array($0.values) }) { kill(pid, SIGKILL) } }
            group.addTask { try await observer.run() }
            try await observer.waitUntilConnected(timeout: .seconds(10))
            try await observer.subscribe(to: topics.status)
            try await observer.subscribe(to: topics.leader)
            group.addTask {
                for await message in observer.messages {
                    shared.seen.withLock { $0.append((ContinuousClock.now, message.topic, message.payload)) }
                }
            }
            func launch(_ instance: String) async throws {
                let arguments = [
                    "run", "--config", sitePath, "--broker", broker.url, "--instance", instance, "--metrics", "off",
                    "--audit-db", workspace.appending(path: "\(instance).sqlite").path,
                ]
                let log = try FileDescriptor.open(
                    FilePath(workspace.appending(path: "\(instance).log").path),
                    .writeOnly,
                    options: [.create, .append],
                    permissions: [.ownerReadWrite]
                )
                group.addTask {
                    _ = try await Subprocess.run(
                        .path(FilePath(curtail)),
                        arguments: .init(arguments),
                        input: .none,
                        output: .discarded,
                        error: .fileDescriptor(log, closeAfterSpawningProcess: true)
                    ) { execution in shared.pids.withLock { $0[instance] = execution.processIdentifier.value } }
                    shared.pids.withLock { $0[instance] = nil }
                }
                while shared.pids.withLock({ $0[instance] }) == nil { try await Task.sleep(for: .milliseconds(5)) }
            }
            func online(after time: ContinuousClock.Instant, within timeout: Duration) async throws -> ContinuousClock.Instant {
                let deadline = ContinuousClock.now + timeout
                while ContinuousClock.now < deadline {
                    if let hit = shared.seen.withLock({ $0.first { $0.at > time && $0.topic == topics.status && $0.payload == Array("online".utf8) } }
                    ) {
                        return hit.at
                    }
                    try await Task.sleep(for: .milliseconds(2))
                }
                let logs = ["a", "b"].map { (try? String(contentsOfFile: workspace.appending(path: "\($0).log").path, encoding: .utf8)) ?? "" }
                throw InvalidInput("no controller took charge within \(timeout); the controllers' logs:\n\(logs.joined(separator: "\n"))")
            }
            func holder() -> String? {
                shared.seen.withLock { $0.last { $0.topic == topics.leader } }.flatMap { try? LeaderPayload(decoding: $0.payload) }?.holder
            }

            let started = ContinuousClock.now
            try await launch("a")
            _ = try await online(after: started, within: .seconds(30))
            try await launch("b")
            try await Task.sleep(for: .seconds(2))
            var killed: [Double] = []
            var stopped: [Double] = []
            for k in 0..<failovers {
                guard let active = holder(), let instance = active.split(separator: "-").last.map(String.init),
                    let pid = shared.pids.withLock({ $0[instance] })
                else { throw InvalidInput("no lease holder among the bench's controllers") }
                let signal = k % 2 == 0 ? SIGKILL : SIGTERM
                let sent = ContinuousClock.now
                kill(pid, signal)
                let took = try await online(after: sent, within: .seconds(330))
                let seconds = sent.duration(to: took).inSeconds
                if signal == SIGKILL { killed.append(seconds) } else { stopped.append(seconds) }
                StandardStreams.err("  \(k + 1)/\(failovers) \(signal == SIGKILL ? "SIGKILL" : "SIGTERM"): \(Format.fixed(seconds, 2)) s")
                while shared.pids.withLock({ $0[instance] }) != nil { try await Task.sleep(for: .milliseconds(5)) }
                try await launch(instance)  // back as the standby
                try await Task.sleep(for: .seconds(2))
            }
            for pid in shared.pids.withLock({ Array($0.values) }) { kill(pid, SIGTERM) }
            while !shared.pids.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
            group.cancelAll()
            return (killed, stopped)
        }
    }

    /// `15s`, `500ms`, `2m` → seconds.
    static func seconds(_ text: String) -> Double? {
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0)] where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)) { return value * scale }
        }
        return nil
    }
}

/// What the bench's tasks share: the messages seen and the controllers' process ids.
private final class Shared: Sendable {
    let seen = Mutex<[(at: ContinuousClock.Instant, topic: String, payload: [UInt8])]>([])
    let pids = Mutex<[String: pid_t]>([:])
}
