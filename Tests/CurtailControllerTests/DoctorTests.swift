import CurtailCore
import CurtailMQTT
import CurtailTestSupport
import CurtailWire
import Foundation
import LocalBroker
import Testing

/// `curtail doctor` as an operator runs it, against a real mosquitto with TLS, a user per client
/// and the shipped ACL: a good set-up passes, and each failure injected is found and says what to do.
@Suite(
    "curtail doctor",
    .serialized,
    .timeLimit(.minutes(3)),
    .enabled(if: brokerAvailable && TestCertificates.opensslAvailable, "needs mosquitto and openssl")
)
struct DoctorTests {
    static let passwords = ["curtail-controller": "c0ntroller", "grid-feed": "gr1d"]

    /// A scratch directory with the site file (the example site on this broker, over TLS with
    /// credentials) and its password file.
    struct Workspace {
        let directory: URL
        var site: String { directory.appending(path: "site.yaml").path }
        var audit: String { directory.appending(path: "audit/audit.sqlite").path }

        init(broker: MosquittoBroker, certificates: TestCertificates, password: String) throws {
            directory = FileManager.default.temporaryDirectory.appending(path: "curtail-doctor-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appending(path: "audit"), withIntermediateDirectories: true)
            try (password + "\n").write(to: directory.appending(path: "password"), atomically: true, encoding: .utf8)
            var text = try String(contentsOfFile: TestRepository.exampleSite, encoding: .utf8)
            text = text.replacingOccurrences(of: "policy: ../breakeven.yaml", with: "policy: \(TestRepository.path("Policies/breakeven.yaml"))")
            text = text.replacingOccurrences(
                of: "mqtt:\n  broker: mqtt://127.0.0.1:1883",
                with: """
                    mqtt:
                      broker: mqtts://127.0.0.1:\(broker.port)
                      username: curtail-controller
                      password_file: \(directory.appending(path: "password").path)
                      ca_file: \(certificates.caCertificate)
                      require_tls: true
                    """
            )
            try text.write(toFile: site, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static func doctor(_ arguments: [String]) throws -> CurtailProcess.Output {
        try CurtailProcess.run(["doctor"] + arguments)
    }

    /// The line of `name`, or "" when absent.
    static func line(_ output: CurtailProcess.Output, _ name: String) -> String {
        output.stdout.split(separator: "\n").first { $0.dropFirst(2).hasPrefix(name + ":") }.map(String.init) ?? ""
    }

    /// A client of the grid feed's user that publishes retained grid values.
    static func publish(_ broker: MosquittoBroker, _ certificates: TestCertificates, user: String, _ messages: [(String, [UInt8])]) async throws {
        var configuration = MQTTConfiguration(host: broker.host, port: broker.port, clientID: "\(user)-\(UUID().uuidString.prefix(6))")
        configuration.tls = .init(caFile: certificates.caCertificate)
        configuration.credentials = .init(username: user, password: passwords[user])
        let client = try MQTTClient(configuration: configuration, logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            try await client.waitUntilConnected(timeout: .seconds(10))
            for (topic, payload) in messages { try await client.publish(payload, to: topic, retain: true) }
            group.cancelAll()
        }
    }

    static func brokerOptions(_ certificates: TestCertificates, acl: Bool) -> MosquittoBroker.Options {
        var options = MosquittoBroker.Options(users: passwords)
        options.tls = certificates.listener()
        if acl { options.extraConfiguration = ["acl_file \(TestRepository.path("docs/broker/acl-west-texas-1"))"] }
        return options
    }

    static func price(endedSecondsAgo seconds: Int64, at now: Timestamp) throws -> [UInt8] {
        let end = now.millisecondsSinceEpoch - seconds * 1000
        let start = Timestamp(millisecondsSinceEpoch: (end / 900_000) * 900_000 - 900_000)
        return try PricePayload(intervalStart: start, intervalMinutes: 15, priceUSDPerMWh: 42).encode()
    }

    static var now: Timestamp { Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)) }

    @Test(
        "a good set-up passes every check; then a wrong password, a stale price, a price from the future, a missing audit directory and a stopped broker each fail with what to do"
    )
    func goodThenEachFailure() async throws {
        let certificates = try await TestCertificates.make(days: 90)
        defer { certificates.remove() }
        try await MosquittoBroker.withBroker(Self.brokerOptions(certificates, acl: true)) { broker in
            let good = try Workspace(broker: broker, certificates: certificates, password: Self.passwords["curtail-controller"]!)
            defer { good.remove() }
            let now = Self.now
            let lease = try LeaderPayload(holder: "curtail-west-texas-1-a", term: 3, expiresAt: now.adding(seconds: 600), released: false).encode()
            try await Self.publish(
                broker,
                certificates,
                user: "grid-feed",
                [
                    ("grid/ercot/HB_WEST/price", try Self.price(endedSecondsAgo: 60, at: now)),
                    ("mining/hashprice", try HashPricePayload(ts: now.adding(seconds: -3600), usdPerTHDay: 0.06).encode()),
                ]
            )
            try await Self.publish(broker, certificates, user: "curtail-controller", [("site/west-texas-1/controller/leader", lease)])

            let ok = try Self.doctor(["--config", good.site, "--audit-db", good.audit])
            #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
            for name in [
                "site and policy files", "broker reachable", "TLS certificate", "credentials", "ACL", "fresh price", "fresh hash price", "clock",
                "the other controller", "audit database",
            ] {
                #expect(Self.line(ok, name).hasPrefix("✔"), "\(name): \(Self.line(ok, name))\n\(ok.stdout)")
            }
            #expect(Self.line(ok, "TLS certificate").contains("(8") || Self.line(ok, "TLS certificate").contains("(9"), "about 90 days left")
            #expect(Self.line(ok, "the other controller").contains("curtail-west-texas-1-a holds the lease (term 3)"))
            #expect(ok.stdout.contains("ready: 10 checks passed"))
            #expect(!ok.stdout.contains(Self.passwords["curtail-controller"]!) && !ok.stderr.contains(Self.passwords["curtail-controller"]!))

            // A wrong password.
            let wrong = try Workspace(broker: broker, certificates: certificates, password: "not-the-password")
            defer { wrong.remove() }
            let refused = try Self.doctor(["--config", wrong.site, "--audit-db", wrong.audit])
            #expect(refused.status == 1)
            #expect(Self.line(refused, "credentials").hasPrefix("✘"), "\(refused.stdout)")
            #expect(refused.stdout.contains("→ check mqtt.username and mqtt.password_file"))
            #expect(Self.line(refused, "ACL").hasPrefix("–"), "not run without a connection")

            // A stale price (its interval ended 3 h ago), then one stamped 10 minutes in this host's future.
            try await Self.publish(
                broker,
                certificates,
                user: "grid-feed",
                [("grid/ercot/HB_WEST/price", try Self.price(endedSecondsAgo: 3 * 3600, at: now))]
            )
            let stale = try Self.doctor(["--config", good.site, "--audit-db", good.audit])
            #expect(stale.status == 1)
            #expect(
                Self.line(stale, "fresh price").hasPrefix("✘") && Self.line(stale, "fresh price").contains("ended 1")
                    && Self.line(stale, "fresh price").contains("min ago"),
                "\(stale.stdout)"
            )
            try await Self.publish(
                broker,
                certificates,
                user: "grid-feed",
                [("grid/ercot/HB_WEST/price", try Self.price(endedSecondsAgo: -1500, at: now))]
            )
            let ahead = try Self.doctor(["--config", good.site, "--audit-db", good.audit])
            #expect(ahead.status == 1)
            #expect(Self.line(ahead, "clock").hasPrefix("✘") && Self.line(ahead, "clock").contains("ahead of this host's clock"), "\(ahead.stdout)")

            // No audit directory.
            let missing = try Self.doctor(["--config", good.site, "--audit-db", good.directory.appending(path: "nowhere/audit.sqlite").path])
            #expect(missing.status == 1)
            #expect(Self.line(missing, "audit database").hasPrefix("✘"), "\(missing.stdout)")

            // The broker stopped: unreachable, and the checks that need it say why they did not run.
            await broker.stop(.kill)
            let down = try Self.doctor(["--config", good.site, "--audit-db", good.audit])
            #expect(down.status == 1)
            #expect(Self.line(down, "broker reachable").hasPrefix("✘"), "\(down.stdout)")
            #expect(Self.line(down, "credentials") == "– credentials: not run: the broker cannot be reached")
        }
    }

    @Test(
        "a certificate expiring within 30 days and an ACL that lets the controller write another site's topics fail; a broken site file stops at the first line"
    )
    func certificateACLAndSiteFile() async throws {
        let certificates = try await TestCertificates.make(days: 10)
        defer { certificates.remove() }
        try await MosquittoBroker.withBroker(Self.brokerOptions(certificates, acl: false)) { broker in
            let workspace = try Workspace(broker: broker, certificates: certificates, password: Self.passwords["curtail-controller"]!)
            defer { workspace.remove() }
            let output = try Self.doctor(["--config", workspace.site, "--audit-db", workspace.audit])
            #expect(output.status == 1)
            let tls = Self.line(output, "TLS certificate")
            #expect(tls.hasPrefix("✘") && (tls.contains("9 days") || tls.contains("10 days")), "\(output.stdout)")
            #expect(output.stdout.contains("→ renew the broker's certificate"))
            let acl = Self.line(output, "ACL")
            #expect(acl.hasPrefix("✘") && acl.contains("may write another site's topics"), "\(output.stdout)")

            try "site: [unclosed\n".write(toFile: workspace.site, atomically: true, encoding: .utf8)
            let broken = try Self.doctor(["--config", workspace.site])
            #expect(broken.status == 1)
            #expect(broken.stdout.hasPrefix("✘ site and policy files: ") && broken.stdout.contains("site.yaml:"), "\(broken.stdout)")
        }
    }
}
