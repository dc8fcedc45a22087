import CurtailCore
import CurtailMQTT
import CurtailTestSupport
import CurtailWire
import FakeGridAPIs
import Foundation
import LocalBroker
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `curtail feed ercot` as an operator runs it: credentials from a file or the environment,
/// never in its output, even at trace level.
@Suite("curtail feed commands", .timeLimit(.minutes(2)), .enabled(if: brokerAvailable, "needs the mosquitto broker"))
struct FeedCommandTests {
    /// Runs `curtail ARGS` until `until` holds for its stderr so far (then SIGTERM) or a minute
    /// passes; returns its stderr.
    static func run(_ arguments: [String], environment: [String: String] = [:], until: (String) -> Bool) async throws -> String {
        let logURL = FileManager.default.temporaryDirectory.appending(path: "curtail-feed-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: logURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CurtailProcess.executable())
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: logURL)
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        func log() -> String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
        while process.isRunning, !until(log()), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { process.terminate() }
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        return (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    @Test("a credentials file: prices published; the password, key and token never in the log at trace level")
    func credentialsFile() async throws {
        try await FeedRig.with(start: Timestamp(iso8601: "2023-09-06T17:31:00Z")!, rate: 60, bitcoinDay: "2023-09-06") { rig in
            try await rig.announceClock()
            let file = FileManager.default.temporaryDirectory.appending(path: "ercot-credentials-\(getpid()).yaml")
            try "username: \(rig.ercot.username)\npassword: \(rig.ercot.password)\nsubscription_key: \(rig.ercot.subscriptionKey)\n"
                .write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let stderr = try await Self.run(
                [
                    "feed", "ercot", "--config", TestRepository.exampleSite, "--broker", rig.broker.url, "--api-base", rig.apiBase,
                    "--token-url", rig.apiBase + "/token", "--credentials", file.path, "--log-level", "trace", "--sim-clock",
                ],
                until: { _ in rig.prices.contains { $0.price.status == .final } && rig.prices.contains { $0.price.status == .provisional } }
            )
            #expect(rig.prices.contains { $0.price.status == .provisional }, "stderr:\n\(stderr)")
            for secret in [rig.ercot.password, rig.ercot.subscriptionKey, "id-token-1"] {
                #expect(!stderr.contains(secret), "a secret reached the log")
            }
            #expect(stderr.contains("password and subscription key redacted"))
            // The will: the feed's status is ok while it runs, and offline once it stops.
            try await rig.wait("offline status") {
                rig.messages(on: "grid/ercot/HB_WEST/price/status").last.flatMap { try? PriceFeedStatusPayload(decoding: $0.payload) }?.state
                    == .offline
            }
        }
    }

    @Test("credentials refused by the token endpoint: a clear error, no secret; missing credentials: which variables to set")
    func refusedAndMissing() async throws {
        try await FeedRig.with(start: Timestamp(iso8601: "2023-09-06T17:31:00Z")!, rate: 1, bitcoinDay: "2023-09-06") { rig in
            let stderr = try await Self.run(
                [
                    "feed", "ercot", "--config", TestRepository.exampleSite, "--broker", rig.broker.url, "--api-base", rig.apiBase,
                    "--token-url", rig.apiBase + "/token",
                ],
                environment: ["ERCOT_API_USERNAME": "someone", "ERCOT_API_PASSWORD": "wrong-secret-123", "ERCOT_API_SUBSCRIPTION_KEY": "key-456"],
                until: { $0.contains("refused the credentials") }
            )
            #expect(stderr.contains("refused the credentials of someone"), "\(stderr)")
            #expect(!stderr.contains("wrong-secret-123") && !stderr.contains("key-456"))
        }
        let missing = try CurtailProcess.run(["feed", "ercot", "--config", TestRepository.exampleSite])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("ERCOT_API_USERNAME") && missing.stderr.contains("--credentials"), "\(missing.stderr)")
        let tooFast = try CurtailProcess.run(["feed", "ercot", "--config", TestRepository.exampleSite, "--sced-period", "30"])
        #expect(tooFast.status != 0 && tooFast.stderr.contains("at least 100"))
    }

    @Test("--metrics: /healthz turns 503 once the feed is stale (never back); /metrics counts the refused logins")
    func metricsAndHealth() async throws {
        // 600×: the 30 minutes without a price that make the feed stale pass in 3 s.
        try await FeedRig.with(start: Timestamp(iso8601: "2023-09-06T17:31:00Z")!, rate: 600, bitcoinDay: "2023-09-06") { rig in
            try await rig.announceClock()
            let port = LoopbackHTTP.freePort()
            var health: [Int] = []
            var metrics = ""
            let stderr = try await Self.run(
                [
                    "feed", "ercot", "--config", TestRepository.exampleSite, "--broker", rig.broker.url, "--api-base", rig.apiBase,
                    "--token-url", rig.apiBase + "/token", "--sim-clock", "--metrics", "127.0.0.1:\(port)",
                ],
                environment: ["ERCOT_API_USERNAME": "someone", "ERCOT_API_PASSWORD": "wrong-secret-123", "ERCOT_API_SUBSCRIPTION_KEY": "key-456"],
                until: { _ in
                    guard let answer = LoopbackHTTP.get(port: port, path: "/healthz") else { return false }
                    if health.last != answer.status { health.append(answer.status) }
                    guard answer.status == 503 else { return false }
                    metrics = LoopbackHTTP.get(port: port, path: "/metrics")?.body ?? ""
                    return true
                }
            )
            // 200 at first, unless the machine is so slow that the first answer comes after the 3 s.
            #expect(health == [200, 503] || health == [503], "\(health)\n\(stderr)")
            let refusals = metrics.split(separator: "\n").filter {
                $0.hasPrefix("curtail_feed_requests_total{") && $0.contains(#""credentials_refused""#)
            }
            #expect(!refusals.isEmpty, "\(metrics)")
            #expect(!metrics.contains("wrong-secret-123") && !metrics.contains("key-456"))
        }
    }
}
