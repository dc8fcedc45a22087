import CurtailMQTT
import CurtailTestSupport
import Foundation
import LocalBroker
import Synchronization
import Testing

/// The broker configuration and ACL in `docs/broker/` started exactly as shipped: only the
/// absolute prefixes `/etc/mosquitto/` and `/var/lib/mosquitto/` are moved to a scratch
/// directory. Mosquitto refusing any line fails the test.
@Suite(
    "Shipped broker config",
    .serialized,
    .timeLimit(.minutes(2)),
    .enabled(if: brokerAvailable && TestCertificates.opensslAvailable, "needs mosquitto and openssl")
)
struct ShippedConfigTests {
    static let passwords = ["curtail-controller": "c0ntroller", "grid-feed": "gr1d"]

    @Test("docs/broker/mosquitto.conf with the ACL starts verbatim on 8883: TLS, credentials and the ACL work as documented")
    func shippedConfigStarts() async throws {
        let mosquitto = try #require(MosquittoBroker.executablePath)
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let files = FileManager.default
        let root = files.temporaryDirectory.appending(path: "curtail-shipped-\(UUID().uuidString)")
        defer { try? files.removeItem(at: root) }
        let etc = root.appending(path: "etc/mosquitto")
        let varLib = root.appending(path: "var/lib/mosquitto")
        try files.createDirectory(at: etc.appending(path: "certs"), withIntermediateDirectories: true)
        try files.createDirectory(at: varLib, withIntermediateDirectories: true)
        for (from, to) in [
            (certificates.serverCertificate, "certs/broker.pem"), (certificates.serverKey, "certs/broker.key"),
            (certificates.caCertificate, "certs/ca.pem"),
            (TestRepository.path("docs/broker/acl-west-texas-1"), "curtail.acl"),
        ] {
            try files.copyItem(atPath: from, toPath: etc.appending(path: to).path)
        }
        // As the configuration's comment says: mosquitto_passwd -c, then without -c.
        let passwd = URL(fileURLWithPath: mosquitto).deletingLastPathComponent().appending(path: "mosquitto_passwd").path
        let tool = files.isExecutableFile(atPath: passwd) ? passwd : "/usr/bin/mosquitto_passwd"
        for (index, user) in Self.passwords.keys.sorted().enumerated() {
            let arguments = ["-b"] + (index == 0 ? ["-c"] : []) + [etc.appending(path: "curtail.passwd").path, user, Self.passwords[user]!]
            let status = try CurtailProcess.run(executable: tool, arguments).status
            try #require(status == 0, "mosquitto_passwd failed for \(user)")
        }
        // Started as root, mosquitto drops to its own user: it must read these and write the store.
        if geteuid() == 0 {
            _ = try CurtailProcess.run(executable: "/bin/chmod", ["-R", "a+rwX", root.path])
        }
        let shipped = try String(contentsOfFile: TestRepository.path("docs/broker/mosquitto.conf"), encoding: .utf8)
        let configuration =
            shipped
            .replacingOccurrences(of: "/etc/mosquitto/", with: etc.path + "/")
            .replacingOccurrences(of: "/var/lib/mosquitto/", with: varLib.path + "/")
        let configurationFile = root.appending(path: "mosquitto.conf")
        try configuration.write(to: configurationFile, atomically: true, encoding: .utf8)
        try #require(!LoopbackHTTP.accepts(port: 8883), "port 8883 is in use on this machine; the shipped configuration listens there")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: mosquitto)
        process.arguments = ["-c", configurationFile.path]
        let log = root.appending(path: "mosquitto.log")
        _ = files.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        defer {
            // SIGKILL: the test process blocks SIGTERM, and a child spawned by Foundation inherits
            // that mask (mosquitto would never see a SIGTERM).
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !LoopbackHTTP.accepts(port: 8883), process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let started = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try #require(process.isRunning && LoopbackHTTP.accepts(port: 8883), "mosquitto did not start with the shipped configuration:\n\(started)")
        // Nothing refused while loading (later lines are connections, the test's own probe among them).
        let loading = started.components(separatedBy: " running").first ?? started
        #expect(!loading.contains("Error") && !loading.contains("Warning"), "\(started)")

        func client(_ user: String, password: String?) throws -> MQTTClient {
            var mqtt = MQTTConfiguration(host: "127.0.0.1", port: 8883, clientID: "\(user)-\(UUID().uuidString.prefix(6))")
            mqtt.tls = .init(caFile: certificates.caCertificate)
            mqtt.credentials = .init(username: user, password: password)
            mqtt.reconnect = .init(initialDelay: .seconds(1), maximumDelay: .seconds(1))
            mqtt.acknowledgementTimeout = .seconds(5)
            return try MQTTClient(configuration: mqtt, logger: quietLogger)
        }
        let controller = try client("curtail-controller", password: Self.passwords["curtail-controller"])
        let feed = try client("grid-feed", password: Self.passwords["grid-feed"])
        let impostor = try client("curtail-controller", password: "wrong")
        let seen = Seen()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in [controller, feed, impostor] { group.addTask { try await c.run() } }
            try await controller.waitUntilConnected(timeout: .seconds(10))
            try await feed.waitUntilConnected(timeout: .seconds(10))
            try await controller.subscribe(to: "site/west-texas-1/#")
            group.addTask {
                for await message in controller.messages { seen.topics.withLock { $0.append(message.topic) } }
            }
            // A wrong password is refused.
            await #expect(throws: MQTTError.self) { try await impostor.waitUntilConnected(timeout: .seconds(3)) }
            // The feed may not write a command; the controller may.
            let refused = await #expect(throws: MQTTError.self) {
                try await feed.publish(Array("forged".utf8), to: "site/west-texas-1/groups/s21/command")
            }
            #expect(refused.map { "\($0)" }?.contains("Not authorized") == true, "\(String(describing: refused))")
            try await controller.publish(Array("{}".utf8), to: "site/west-texas-1/state")
            let until = ContinuousClock.now + .seconds(5)
            while !seen.topics.withLock({ $0.contains("site/west-texas-1/state") }), ContinuousClock.now < until {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(seen.topics.withLock { $0 } == ["site/west-texas-1/state"], "only the controller's own publish arrives")
            group.cancelAll()
        }
    }

    /// Topics the controller's subscription received.
    final class Seen: Sendable {
        let topics = Mutex<[String]>([])
    }
}
