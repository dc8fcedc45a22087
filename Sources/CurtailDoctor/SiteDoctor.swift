import CurtailAudit
import CurtailController
import CurtailCore
public import CurtailMQTT
import CurtailPolicyFiles
public import CurtailSite
import CurtailWire
public import Foundation
public import Logging
import Synchronization

/// What `curtail doctor` checks before a site goes live, against the real broker: reachability,
/// the broker's TLS certificate, the credentials, the ACL, fresh inputs, the clock, the audit
/// database and the other controller of the pair. Each check says what it found and, when it
/// fails, what to do; a check that cannot run says why instead of passing.
public struct SiteDoctor: Sendable {
    /// The loaded site file and policy.
    public var setup: SiteSetup
    /// The controller's connection, as `curtail run` would make it (the doctor uses its own
    /// client id, a clean session and no will).
    public var mqtt: MQTTConfiguration
    /// Where `curtail run` will keep its audit database.
    public var auditPath: String
    /// The miner inventory, when one was given.
    public var minersPath: String?
    /// A certificate expiring sooner than this fails.
    public var certificateMargin: TimeInterval = 30 * 86_400
    /// Less free space than this next to the audit database fails.
    public var minimumFreeBytes: Int64 = 1 << 30
    /// For the MQTT client's own messages (quiet unless something goes wrong).
    public var logger: Logger

    /// A doctor for `setup`, connecting as `mqtt` says.
    public init(setup: SiteSetup, mqtt: MQTTConfiguration, auditPath: String, minersPath: String?, logger: Logger) {
        self.setup = setup
        self.mqtt = mqtt
        self.auditPath = auditPath
        self.minersPath = minersPath
        self.logger = logger
    }

    var topics: ControllerTopics { setup.controllerConfiguration.topics }

    /// Runs every check, in order; the broker's checks are not run when it cannot be reached.
    public func run(now: Date = Date()) async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        let reachable = Self.reachable(host: mqtt.host, port: mqtt.port)
        checks.append(
            reachable
                ? DoctorCheck("broker reachable", .passed, "\(mqtt.host):\(mqtt.port) accepts connections")
                : DoctorCheck(
                    "broker reachable",
                    .failed,
                    "nothing accepts connections on \(mqtt.host):\(mqtt.port)",
                    fix: "start the broker (systemctl status mosquitto) or correct mqtt.broker in \(setup.sitePath)"
                )
        )
        checks.append(await certificate(reachable: reachable, now: now))
        if reachable {
            checks += await broker(now: now)
        } else {
            for name in ["credentials", "ACL", "fresh price", "fresh hash price", "clock", "the other controller"] {
                checks.append(DoctorCheck(name, .notRun, "the broker cannot be reached"))
            }
        }
        checks.append(audit())
        return checks
    }

    // MARK: - TLS

    func certificate(reachable: Bool, now: Date) async -> DoctorCheck {
        let name = "TLS certificate"
        guard let tls = mqtt.tls else {
            if ["127.0.0.1", "localhost", "::1"].contains(mqtt.host) {
                return DoctorCheck(name, .notRun, "the broker is on this host without TLS (mqtt://\(mqtt.host):\(mqtt.port))")
            }
            return DoctorCheck(
                name,
                .failed,
                "the broker address is mqtt:// (no TLS): credentials and commands cross the network in clear",
                fix: "serve TLS (docs/broker/mosquitto.conf), use mqtts://HOST:8883 and mqtt.ca_file, and set mqtt.require_tls: true"
            )
        }
        guard reachable else { return DoctorCheck(name, .notRun, "the broker cannot be reached") }
        do {
            let expiry = try await CertificateProbe.notValidAfter(host: mqtt.host, port: mqtt.port, caFile: tls.caFile)
            let days = Int(expiry.timeIntervalSince(now) / 86_400)
            let until = "valid until \(Timestamp(millisecondsSinceEpoch: Int64(expiry.timeIntervalSince1970 * 1000)).iso8601)"
            if expiry.timeIntervalSince(now) < certificateMargin {
                return DoctorCheck(
                    name,
                    .failed,
                    "the broker's certificate is \(until), \(days) days from now",
                    fix: "renew the broker's certificate (certfile in the broker config) and restart the broker"
                )
            }
            return DoctorCheck(name, .passed, "trusted by \(tls.caFile ?? "the system store"), \(until) (\(days) days)")
        } catch {
            return DoctorCheck(
                name,
                .failed,
                "the TLS handshake with \(mqtt.host):\(mqtt.port) failed: \(error)",
                fix: "check that mqtt.ca_file is the CA that signed the broker's certificate and that the certificate has not expired"
            )
        }
    }

    // MARK: - The broker

    /// What the doctor's client received, per topic (the latest).
    final class Received: Sendable {
        let messages = Mutex<[String: [UInt8]]>([:])
    }

    func broker(now: Date) async -> [DoctorCheck] {
        var probe = mqtt
        probe.clientID = "\(mqtt.clientID)-\(getpid())"
        probe.cleanSession = true
        probe.will = nil
        probe.acknowledgementTimeout = .seconds(5)
        let client: MQTTClient
        do {
            client = try MQTTClient(configuration: probe, logger: logger)
        } catch {
            return [DoctorCheck("credentials", .failed, "\(error)", fix: "correct the mqtt: section of \(setup.sitePath)")]
        }
        let received = Received()
        let topics = self.topics
        return await withTaskGroup(of: Void.self, returning: [DoctorCheck].self) { group in
            group.addTask { try? await client.run() }
            group.addTask {
                for await message in client.messages { received.messages.withLock { $0[message.topic] = message.payload } }
            }
            defer { group.cancelAll() }
            do {
                try await client.waitUntilConnected(timeout: .seconds(5))
            } catch {
                let user = mqtt.credentials.map { "user \($0.username)" } ?? "no user name"
                return [
                    DoctorCheck(
                        "credentials",
                        .failed,
                        "the broker did not accept the connection (\(user)): \(error)",
                        fix: "check mqtt.username and mqtt.password_file in \(setup.sitePath) against the broker's password file"
                    )
                ] + ["ACL", "fresh price", "fresh hash price", "clock", "the other controller"].map { DoctorCheck($0, .notRun, "not connected") }
            }
            var checks = [
                DoctorCheck(
                    "credentials",
                    .passed,
                    "connected as \(mqtt.credentials?.username ?? "an anonymous client")" + (mqtt.tls == nil ? "" : " over TLS")
                )
            ]
            checks.append(await acl(client))
            // The retained inputs and the lease arrive on subscription.
            let deadline = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < deadline {
                let have = received.messages.withLock { $0 }
                if have[topics.price] != nil, have[topics.hashPrice] != nil, have[topics.leader] != nil { break }
                try? await Task.sleep(for: .milliseconds(50))
            }
            let have = received.messages.withLock { $0 }
            checks += inputs(have, now: now)
            checks.append(pair(have, now: now))
            return checks
        }
    }

    /// Subscribes to what the controller reads; writes its own topic; tries to write another site's.
    func acl(_ client: MQTTClient) async -> DoctorCheck {
        let name = "ACL"
        let own = "\(topics.siteBase)/doctor"
        let siteRoot = setup.settings.mqtt.siteRoot
        let foreign = "\(siteRoot)/curtail-doctor-other-site/state"
        let filters = [topics.price, topics.events, topics.alerts, topics.hashPrice, topics.telemetryFilter, topics.leader, topics.status]
        for filter in filters {
            do {
                try await client.subscribe(to: filter)
            } catch {
                return DoctorCheck(
                    name,
                    .failed,
                    "the broker refused a subscription the controller needs, \(filter): \(error)",
                    fix: "grant the controller's user read on the grid topics and readwrite on \(topics.siteBase)/# (docs/broker/acl-west-texas-1)"
                )
            }
        }
        do {
            try await client.publish(Array("doctor".utf8), to: own, qos: .atLeastOnce)
        } catch {
            return DoctorCheck(
                name,
                .failed,
                "the broker refused a publish on the site's own topics (\(own)): \(error)",
                fix: "grant the controller's user readwrite on \(topics.siteBase)/# (docs/broker/acl-west-texas-1)"
            )
        }
        guard client.usesMQTT5 else {
            return DoctorCheck(
                name,
                .notRun,
                "reads and writes its own topics; whether it may write another site's cannot be told over MQTT 3.1.1 (the broker drops such a publish silently)",
                fix: "use MQTT 5 (the default) to have this checked"
            )
        }
        do {
            try await client.publish(Array("doctor".utf8), to: foreign, qos: .atLeastOnce)
            return DoctorCheck(
                name,
                .failed,
                "the controller's user may write another site's topics (\(foreign) was accepted)",
                fix: "restrict the user to \(topics.siteBase)/# in the broker's acl_file (docs/broker/acl-west-texas-1)"
            )
        } catch {
            return DoctorCheck(name, .passed, "reads the grid and its site, writes \(topics.siteBase)/…, and a write to another site is refused")
        }
    }

    /// The retained price and hash price: present, fresh, and not from the future (the clock).
    func inputs(_ have: [String: [UInt8]], now: Date) -> [DoctorCheck] {
        let nowMS = Int64(now.timeIntervalSince1970 * 1000)
        var checks: [DoctorCheck] = []
        var newest: Int64?
        if let bytes = have[topics.price], let price = try? PricePayload(decoding: bytes) {
            let ended = price.intervalStart.millisecondsSinceEpoch + Int64(price.intervalMinutes) * 60_000
            newest = ended
            let age = (nowMS - ended) / 1000
            if age > Int64(2 * price.intervalMinutes * 60 + 300) {
                checks.append(
                    DoctorCheck(
                        "fresh price",
                        .failed,
                        "the newest price on \(topics.price) is for an interval that ended \(age / 60) min ago",
                        fix: "check the price feed (systemctl status curtail-feed-ercot@\(setup.site.id); its /healthz says why it is stale)"
                    )
                )
            } else {
                checks.append(DoctorCheck("fresh price", .passed, "\(price.priceUSDPerMWh) $/MWh for the interval that ended \(max(age, 0)) s ago"))
            }
        } else {
            checks.append(
                DoctorCheck(
                    "fresh price",
                    .failed,
                    have[topics.price] == nil ? "no retained price on \(topics.price)" : "the retained price on \(topics.price) is unreadable",
                    fix: "start the price feed (curtail feed ercot, or your own publisher of the contract's price payload)"
                )
            )
        }
        if let bytes = have[topics.hashPrice], let hash = try? HashPricePayload(decoding: bytes) {
            newest = max(newest ?? hash.ts.millisecondsSinceEpoch, hash.ts.millisecondsSinceEpoch)
            let hours = Double(nowMS - hash.ts.millisecondsSinceEpoch) / 3_600_000
            if hours > 26 {
                checks.append(
                    DoctorCheck(
                        "fresh hash price",
                        .failed,
                        "the hash price on \(topics.hashPrice) is \(Int(hours)) h old",
                        fix: "check the hash-price feed (systemctl status curtail-feed-hashprice@\(setup.site.id))"
                    )
                )
            } else {
                checks.append(
                    DoctorCheck("fresh hash price", .passed, "\(hash.usdPerTHDay) $/TH/day, \(String(format: "%.1f", max(hours, 0))) h old")
                )
            }
        } else {
            checks.append(
                DoctorCheck(
                    "fresh hash price",
                    .failed,
                    "no readable retained hash price on \(topics.hashPrice)",
                    fix: "start the hash-price feed (curtail feed hashprice)"
                )
            )
        }
        // The clock: nothing the grid feed stamped may lie in this host's future.
        if let newest {
            let ahead = (newest - nowMS) / 1000
            if ahead > 60 {
                checks.append(
                    DoctorCheck(
                        "clock",
                        .failed,
                        "the grid feed's newest timestamp is \(ahead) s ahead of this host's clock",
                        fix: "synchronise the clock (timedatectl; systemd-timesyncd or chrony) here and on the feed's host"
                    )
                )
            } else {
                checks.append(DoctorCheck("clock", .passed, "no grid timestamp ahead of this host's clock"))
            }
        } else {
            checks.append(DoctorCheck("clock", .notRun, "no grid timestamp to compare with"))
        }
        if minersPath != nil {
            checks.append(
                DoctorCheck(
                    "miners' clocks",
                    .notRun,
                    "the miner drivers do not read the miners' clocks",
                    fix: "compare `date -u` on a miner of each firmware with this host's"
                )
            )
        }
        return checks
    }

    /// The lease record: who holds it, until when.
    func pair(_ have: [String: [UInt8]], now: Date) -> DoctorCheck {
        let name = "the other controller"
        guard let bytes = have[topics.leader] else {
            return DoctorCheck(name, .notRun, "no controller has held the lease on this broker yet (start curtail run)")
        }
        guard let lease = try? LeaderPayload(decoding: bytes) else {
            return DoctorCheck(
                name,
                .failed,
                "the lease record on \(topics.leader) is unreadable",
                fix: "clear it: mosquitto_pub -r -n -t \(topics.leader)"
            )
        }
        let status = have[topics.status].map { String(decoding: $0, as: UTF8.self) } ?? "unknown"
        let nowMS = Int64(now.timeIntervalSince1970 * 1000)
        if lease.released {
            return DoctorCheck(name, .passed, "\(lease.holder) released the lease (term \(lease.term)); controller status \(status)")
        }
        if lease.expiresAt.millisecondsSinceEpoch < nowMS {
            return DoctorCheck(
                name,
                .failed,
                "\(lease.holder) held the lease (term \(lease.term)) until \(lease.expiresAt.iso8601) and nobody renewed it; controller status \(status)",
                fix: "start curtail run on the pair's hosts (systemctl status curtail-run@\(setup.site.id))"
            )
        }
        return DoctorCheck(name, .passed, "\(lease.holder) holds the lease (term \(lease.term)); controller status \(status)")
    }

    // MARK: - The audit database

    func audit() -> DoctorCheck {
        let name = "audit database"
        let url = URL(fileURLWithPath: auditPath)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return DoctorCheck(
                name,
                .failed,
                "\(directory) does not exist",
                fix: "create it for the controller's user (the unit's StateDirectory= does), or pass --audit-db"
            )
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            return DoctorCheck(
                name,
                .failed,
                "\(directory) is not writable by this user",
                fix: "run the doctor as the controller's user, or fix the directory's owner"
            )
        }
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else {
            return DoctorCheck(name, .failed, "cannot read the free space of \(directory)")
        }
        let free = Int64(stats.f_bavail) * Int64(stats.f_frsize)
        let gib = String(format: "%.1f GiB", Double(free) / Double(1 << 30))
        if free < minimumFreeBytes {
            return DoctorCheck(
                name,
                .failed,
                "only \(gib) free next to \(auditPath)",
                fix: "free space, or move the audit database to a larger disk (--audit-db)"
            )
        }
        if FileManager.default.fileExists(atPath: auditPath) {
            do {
                _ = try AuditLog(path: auditPath)
            } catch {
                return DoctorCheck(
                    name,
                    .failed,
                    "\(auditPath) does not open: \(error)",
                    fix: "restore it from a backup (docs/operations.md) or move it away"
                )
            }
            return DoctorCheck(name, .passed, "\(auditPath) opens (integrity checked, schema current); \(gib) free")
        }
        return DoctorCheck(name, .passed, "\(directory) is writable; \(gib) free; \(url.lastPathComponent) will be created")
    }

    // MARK: -

    /// Whether a TCP connection to `host:port` succeeds within 3 s.
    static func reachable(host: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return false }
        defer { freeaddrinfo(result) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                var timeout = timeval(tv_sec: 3, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let connected = connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0
                close(fd)
                if connected { return true }
            }
            entry = info.pointee.ai_next
        }
        return false
    }
}
