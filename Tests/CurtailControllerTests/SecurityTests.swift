import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailPolicyFiles
import CurtailSite
import CurtailTestSupport
import CurtailWire
import Foundation
import GridSimulator
import LocalBroker
import Testing

/// The shipped broker ACL (`docs/broker/acl-west-texas-1`) on a TLS listener with a user per
/// client, and `require_tls`.
@Suite(
    "Broker security",
    .serialized,
    .timeLimit(.minutes(2)),
    .enabled(if: brokerAvailable && TestCertificates.opensslAvailable, "needs mosquitto and openssl")
)
struct SecurityTests {
    static let passwords = [
        "curtail-controller": "c0ntroller", "grid-feed": "gr1d", "miner-s19jpro": "m1ner-a", "miner-s21": "m1ner-c", "dashboard": "d4sh",
    ]

    static func client(_ broker: MosquittoBroker, _ certificates: TestCertificates, user: String?, password: String? = nil) throws -> MQTTClient {
        var configuration = MQTTConfiguration(host: broker.host, port: broker.port, clientID: "\(user ?? "anonymous")-\(UUID().uuidString.prefix(6))")
        configuration.tls = .init(caFile: certificates.caCertificate)
        if let user { configuration.credentials = .init(username: user, password: password ?? passwords[user]) }
        configuration.reconnect = .init(initialDelay: .seconds(1), maximumDelay: .seconds(1))
        configuration.acknowledgementTimeout = .seconds(5)
        return try MQTTClient(configuration: configuration, logger: quietLogger)
    }

    @Test("only the controller's commands reach a miner: a forged command is refused by the broker, and miners read only their own group")
    func unauthorisedCommand() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var options = MosquittoBroker.Options(users: Self.passwords)
        options.tls = certificates.listener()
        options.extraConfiguration = ["acl_file \(TestRepository.path("docs/broker/acl-west-texas-1"))"]
        try await MosquittoBroker.withBroker(options) { broker in
            let settings = try SiteFile.load(path: TestRepository.exampleSite)
            let policy = try ConfigurationFiles.load(policyPath: TestRepository.path("Policies/breakeven.yaml"), sitePath: TestRepository.exampleSite)
                .policy
            let topics = ControllerTopics(settings: settings)
            var controllerMQTT = MQTTConfiguration(host: broker.host, port: broker.port, clientID: "curtail-west-texas-1")
            controllerMQTT.tls = .init(caFile: certificates.caCertificate)
            controllerMQTT.credentials = .init(username: "curtail-controller", password: Self.passwords["curtail-controller"])
            var controller = try Controller(
                configuration: ControllerConfiguration(settings: settings, policy: policy),
                mqtt: controllerMQTT,
                clock: WallClock(),
                logger: quietLogger
            )
            controller.restoreWindow = .milliseconds(200)
            let feed = try Self.client(broker, certificates, user: "grid-feed")
            let miner = try Self.client(broker, certificates, user: "miner-s19jpro")
            let intruder = try Self.client(broker, certificates, user: "miner-s21")  // a real user of this broker, wrong topic
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [controller] in try await controller.run() }
                for client in [feed, miner, intruder] { group.addTask { try await client.run() } }
                for client in [feed, miner, intruder] { try await client.waitUntilConnected(timeout: .seconds(10)) }
                try await miner.subscribe(to: topics.command(group: "s19jpro"))
                try await miner.subscribe(to: topics.command(group: "s21"))  // not its own: never delivered
                let now = WallClock().now
                let interval = Timestamp(millisecondsSinceEpoch: (now.millisecondsSinceEpoch / 900_000 - 1) * 900_000)
                try await feed.publish(try HashPricePayload(ts: now, usdPerTHDay: 0.06).encode(), to: topics.hashPrice, retain: true)
                try await feed.publish(
                    try PricePayload(intervalStart: interval, intervalMinutes: 15, priceUSDPerMWh: 30).encode(),
                    to: topics.price,
                    retain: true
                )
                // The controller's command arrives.
                var iterator = miner.messages.makeAsyncIterator()
                let first = try #require(await iterator.next())
                #expect(first.topic == topics.command(group: "s19jpro"))
                let real = try #require((try? CommandPayload(decoding: first.payload)))
                #expect(real.minersRunning == 1000)
                // A forged "all off" from another client: the broker refuses it.
                let forged = try CommandPayload(
                    seq: 999_999,
                    issuedAt: now,
                    expiresAt: now.adding(seconds: 600),
                    minersRunning: 0,
                    powerTargetW: 0,
                    targetKW: 25,
                    reason: "forged"
                ).encode()
                await #expect(throws: MQTTError.self) {
                    try await intruder.publish(forged, to: topics.command(group: "s19jpro"), retain: true)
                }
                // A grid feed may not write site topics either.
                await #expect(throws: MQTTError.self) { try await feed.publish(forged, to: topics.command(group: "s19jpro")) }
                // Nor may anyone but the site's controllers take the lease with a higher term.
                let usurper = try LeaderPayload(holder: "intruder", term: 99, expiresAt: now.adding(seconds: 15)).encode()
                for client in [intruder, feed] {
                    await #expect(throws: MQTTError.self) { try await client.publish(usurper, to: topics.leader, retain: true) }
                }
                // The miner sees only the controller's commands: nothing forged, nothing of s21.
                try await feed.publish(
                    try PricePayload(intervalStart: interval.adding(seconds: 900), intervalMinutes: 15, priceUSDPerMWh: 5000).encode(),
                    to: topics.price
                )
                let next = try #require(await iterator.next())
                let command = try #require((try? CommandPayload(decoding: next.payload)))
                #expect(next.topic == topics.command(group: "s19jpro"))
                #expect(command.seq != 999999 && command.minersRunning == 0 && command.reason.contains("above break-even"))
                #expect(command.term == 1, "the controller kept its lease")
                group.cancelAll()
            }
            // No anonymous access, no wrong password.
            for (user, password) in [(nil, nil), ("miner-s21", "wrong")] as [(String?, String?)] {
                let stranger = try Self.client(broker, certificates, user: user, password: password)
                await #expect(throws: MQTTError.self) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await stranger.run() }
                        defer { group.cancelAll() }
                        try await stranger.waitUntilConnected(timeout: .seconds(5))
                    }
                }
            }
        }
    }

    @Test("require_tls: the controller refuses to start without TLS, or without credentials")
    func requireTLS() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let site = directory.appending(path: "site.yaml").path
        let text =
            try String(contentsOfFile: TestRepository.exampleSite, encoding: .utf8)
            .replacingOccurrences(of: "policy: ../breakeven.yaml", with: "policy: \(TestRepository.path("Policies/breakeven.yaml"))")
            + "  require_tls: true\n"
        try text.write(toFile: site, atomically: true, encoding: .utf8)
        let base = ["run", "--config", site, "--no-audit", "--metrics", "off"]
        let plain = try CurtailProcess.run(base + ["--broker", "mqtt://127.0.0.1:1"])
        #expect(plain.status == 1 && plain.stderr.contains("require_tls is true but the broker address mqtt://127.0.0.1:1 is plain mqtt://"))
        let anonymous = try CurtailProcess.run(base + ["--broker", "mqtts://127.0.0.1:1"])
        #expect(anonymous.status == 1 && anonymous.stderr.contains("no credentials are configured"))
    }
}
