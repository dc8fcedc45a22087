import ArgumentParser
import CurtailAudit
import CurtailCommandLine
import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailObservability
import CurtailSite
import CurtailWire
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// `curtail run`: the live controller next to a site.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the live controller for a site until SIGTERM/SIGINT.",
        discussion: """
            Reads the site file (and the policy it names), connects to the broker, subscribes to the grid, \
            hash price and telemetry topics, and publishes a retained command per miner group. On SIGTERM or \
            SIGINT it publishes 'offline' and disconnects, leaving the last commands retained until they expire. \
            See docs/controller.md.
            """
    )

    @Option(help: "Site file (YAML), e.g. Policies/sites/example-west-texas.yaml.")
    var config: String

    @Option(help: "Broker address, mqtt://HOST:PORT; overrides the site file's mqtt.broker.")
    var broker: String?

    @Option(help: "Policy file (default: the site file's policy).")
    var policy: String?

    @Option(
        help: """
            This controller instance's name, unique per site (default: the lowest free number on this host, 1, 2, ...). \
            The MQTT client id is curtail-SITE-HOST-INSTANCE unless the site file sets mqtt.client_id.
            """
    )
    var instance: String?

    @Option(name: .customLong("set"), help: "Override a policy parameter: NAME=VALUE (repeatable).")
    var parameters: [String] = []

    @Flag(help: "Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.")
    var simClock = false

    @Option(
        help:
            "The audit database (SQLite): every input, decision and command, and what a restart resumes (default: curtail-audit-SITE.sqlite for instance 1, curtail-audit-SITE-INSTANCE.sqlite otherwise)."
    )
    var auditDB: String?

    @Flag(help: "Run without an audit database (nothing recorded, a restart resumes only what the broker retained).")
    var noAudit = false

    @Option(help: "Serve the live page (/), /metrics (Prometheus) and /healthz on HOST:PORT, or 'off'.")
    var metrics = "127.0.0.1:9464"

    @Option(
        name: .customLong("live-page"),
        help: ArgumentHelp(
            "Serve the read-only live page at / on the --metrics address: on (default; loopback only), behind-proxy (any address, for a reverse proxy that adds TLS and authentication; docs/controller.md), or off.",
            valueName: "on|behind-proxy|off"
        )
    )
    var livePage = "on"

    @OptionGroup var logging: LogLevelOptions

    func run() async throws {
        try logging.bootstrap()
        let logger = Logger(label: "curtail.run")
        let setup = try SiteSetup.loadForCommand(sitePath: config, policyPath: policy, assignments: parameters)
        if let instance, instance.isEmpty || !instance.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) {
            throw ValidationError("--instance must be letters, digits, '.', '_' or '-', got '\(instance)'")
        }
        // Held until the process exits: another `curtail run` for this site on this host takes the next number.
        let slot = instance == nil ? try InstanceSlot(site: setup.site.id) : nil
        let instanceName = instance ?? slot?.name ?? "1"
        var mqtt: MQTTConfiguration
        do {
            mqtt = try setup.mqttConfiguration(broker: broker, instance: instanceName)
        } catch {
            throw InvalidInput(error.description)
        }
        mqtt.messageBufferCapacity = 65_536
        let configuration = setup.controllerConfiguration
        var journal: AuditLog?
        if !noAudit {
            do {
                journal = try AuditLog(path: auditDB ?? Self.defaultAuditPath(site: setup.site.id, instance: instanceName))
            } catch {
                throw InvalidInput("\(error)")
            }
            if let note = journal?.recoveryNote {
                logger.log(level: note.contains("unreadable") ? .error : .notice, "\(note)")
            }
        }
        let endpoint = try MetricsOption.endpoint(metrics, example: "127.0.0.1:9464")
        guard ["on", "behind-proxy", "off"].contains(livePage) else {
            throw ValidationError("--live-page expects on, behind-proxy or off, got '\(livePage)'")
        }
        if let endpoint, livePage == "on", !MetricsServer.isLoopback(endpoint.host) {
            throw InvalidInput(
                "the live page shows the site's state to anyone who can reach \(endpoint.host):\(endpoint.port); serve it on loopback (--metrics 127.0.0.1:PORT) behind a reverse proxy with TLS and authentication and pass --live-page behind-proxy, or pass --live-page off to expose only /metrics and /healthz (docs/controller.md)"
            )
        }
        let observability = endpoint.map {
            Observability(
                host: $0.host,
                port: $0.port,
                livePage: livePage != "off",
                site: setup.site.id,
                mqtt: mqtt,
                topics: configuration.topics,
                logger: logger
            )
        }
        if simClock {
            let clock = try await Self.followSimulatedClock(mqtt: mqtt, logger: logger)
            try await Self.serve(
                configuration: configuration,
                mqtt: mqtt,
                clock: clock,
                journal: journal,
                observability: observability,
                logger: logger
            )
        } else {
            try await Self.serve(
                configuration: configuration,
                mqtt: mqtt,
                clock: WallClock(),
                journal: journal,
                observability: observability,
                logger: logger
            )
        }
    }

    /// `curtail-audit-{site}.sqlite` for instance 1, `curtail-audit-{site}-{instance}.sqlite` for
    /// any other: two controllers of a site in one directory keep their own audit databases.
    static func defaultAuditPath(site: String, instance: String) -> String {
        instance == "1" ? "curtail-audit-\(site).sqlite" : "curtail-audit-\(site)-\(instance).sqlite"
    }

    /// The Prometheus registry behind swift-metrics, its HTTP endpoint, the health it reports,
    /// and the live page's feed with the watcher that fills it from the site's topics.
    struct Observability {
        let registry = PrometheusCollectorRegistry()
        let health = ControllerHealth()
        let server: MetricsServer
        /// Follows the site's topics for the live page (`nil`: `--live-page off`).
        let watcher: SiteWatcher?

        init(host: String, port: Int, livePage: Bool, site: String, mqtt: MQTTConfiguration, topics: ControllerTopics, logger: Logger) {
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let health = self.health
            let feed = livePage ? LiveFeed() : nil
            watcher = feed.map { feed in
                var watch = mqtt
                watch.clientID = "\(mqtt.clientID)-page"
                watch.cleanSession = true
                watch.will = nil
                let filters = [
                    topics.state, topics.commandFilter, topics.rejected, topics.eventReportFilter, topics.minerStatusFilter, topics.agentStatus,
                ]
                return SiteWatcher(feed: feed, mqtt: watch, filters: filters, logger: logger)
            }
            server = MetricsServer(host: host, port: port, registry: registry, logger: logger, liveFeed: feed, title: site) {
                let check = health.check()
                return MetricsServer.Health(healthy: check.healthy, detail: check.detail)
            }
        }
    }

    static func serve<C: SiteClock>(
        configuration: ControllerConfiguration,
        mqtt: MQTTConfiguration,
        clock: C,
        journal: AuditLog?,
        observability: Observability?,
        logger: Logger
    ) async throws {
        var controller: Controller<C, ContinuousClock>
        do {
            controller = try Controller(configuration: configuration, mqtt: mqtt, clock: clock, logger: logger)
        } catch {
            throw InvalidInput("\(error)")
        }
        controller.journal = journal
        // The health /healthz reports; also what systemd's READY=1 and watchdog follow.
        let health = observability?.health ?? ControllerHealth()
        controller.health = health
        let notifier = SystemdNotifier(logger: logger, ready: { health.isReady }, alive: { health.isAlive(within: .seconds(5)) })
        var services: [any Service] = [controller]
        if notifier.isEnabled { services.append(notifier) }
        if let server = observability?.server { services.append(server) }
        if let watcher = observability?.watcher { services.append(watcher) }
        try await ServiceRunner.run(services, logger: logger)
    }

    /// Reads the retained clock announcement of a running gridsim.
    static func followSimulatedClock(mqtt: MQTTConfiguration, logger: Logger) async throws -> ScaledClock {
        var probe = mqtt
        probe.clientID = "\(mqtt.clientID)-clock-\(getpid())"
        probe.cleanSession = true
        probe.will = nil
        let client = try MQTTClient(configuration: probe, logger: logger)
        return try await withThrowingTaskGroup(of: ScaledClock?.self) { group in
            group.addTask {
                try await client.run()
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                throw InvalidInput("no simulated clock on sim/clock after 30 s: is gridsim running against this broker?")
            }
            try await client.waitUntilConnected(timeout: .seconds(30))
            try await client.subscribe(to: "sim/clock")
            for await message in client.messages {
                do {
                    let clock = ScaledClock(try ClockAnnouncement(decoding: message.payload))
                    group.cancelAll()
                    return clock
                } catch {
                    logger.warning("ignoring a bad clock announcement: \(error)")
                }
            }
            throw InvalidInput("the MQTT client stopped before a clock announcement arrived")
        }
    }
}
