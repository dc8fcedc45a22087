import ArgumentParser
import AsyncHTTPClient
import CurtailAgent
import CurtailCommandLine
import CurtailController
import CurtailMQTT
import CurtailMiners
import CurtailObservability
import CurtailPolicyFiles
import CurtailSite
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `curtail agent`: drives the site's miners from the group commands.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Drive a site's miners (LuxOS, Braiins OS, stock Antminer) from the controller's group commands, until SIGTERM/SIGINT.",
        discussion: """
            Follows site/{site}/groups/{group}/command (seq, term, expires_at), decides which miners of each group \
            run (most efficient first, cycling spread across the group), sleeps the rest at once and wakes in a \
            stagger (the site file's agent: settings), reads every write back, and publishes each group's \
            telemetry and each miner's status. See docs/agent.md.
            """
    )

    @Option(help: "Site file (YAML), e.g. Policies/sites/example-west-texas.yaml.")
    var config: String

    @Option(help: "The miner inventory (YAML), e.g. Policies/sites/example-west-texas-miners.yaml.")
    var miners: String

    @Option(help: "Broker address, mqtt://HOST:PORT; overrides the site file's mqtt.broker.")
    var broker: String?

    @OptionGroup var mqttUser: MQTTUserOptions

    @Flag(help: "Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.")
    var simClock = false

    @OptionGroup var metrics: MetricsOption

    @OptionGroup var logging: LogLevelOptions

    func run() async throws {
        try logging.bootstrap()
        let logger = Logger(label: "curtail.agent")
        var setup = try SiteSetup.loadForCommand(sitePath: config, policyPath: nil, assignments: [])
        mqttUser.apply(to: &setup)
        let inventory: MinerInventory
        do {
            inventory = try MinerInventoryFile.load(path: miners, site: setup.site)
        } catch {
            throw InvalidInput(error.description)
        }
        var mqtt: MQTTConfiguration
        do {
            mqtt = try setup.mqttConfiguration(broker: broker, instance: "agent")
        } catch {
            throw InvalidInput(error.description)
        }
        let topics = setup.controllerConfiguration.topics
        mqtt.will = MQTTConfiguration.Will(topic: topics.agentStatus, payload: Array("offline".utf8))
        // One process-wide client: its pool keeps a miner's connection between calls, and the agent
        // never has two calls on one miner in flight; every request carries its own deadline.
        let http = HTTPClient.shared
        let drivers: [any MinerDriver]
        do {
            drivers = try MinerDrivers.make(for: inventory, http: http, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw InvalidInput(error.description)
        }
        let client = try MQTTClient(configuration: mqtt, logger: logger)
        // Healthy while the broker has the agent's connection; the miners' own states are metrics.
        let server = try metrics.server(logger: logger) {
            client.isConnected ? .init(healthy: true, detail: "ok") : .init(healthy: false, detail: "not connected to the broker")
        }
        if simClock {
            let clock = try await RunCommand.followSimulatedClock(mqtt: mqtt, logger: logger)
            try await Self.serve(
                setup: setup,
                inventory: inventory,
                drivers: drivers,
                client: client,
                topics: topics,
                clock: clock,
                server: server,
                logger: logger
            )
        } else {
            try await Self.serve(
                setup: setup,
                inventory: inventory,
                drivers: drivers,
                client: client,
                topics: topics,
                clock: WallClock(),
                server: server,
                logger: logger
            )
        }
    }

    static func serve<C: SiteClock>(
        setup: SiteSetup,
        inventory: MinerInventory,
        drivers: [any MinerDriver],
        client: MQTTClient,
        topics: ControllerTopics,
        clock: C,
        server: MetricsServer?,
        logger: Logger
    ) async throws {
        let agent = MinerAgent(
            site: setup.site,
            inventory: inventory,
            settings: setup.settings.agent,
            drivers: drivers,
            transport: client,
            topics: topics,
            clock: clock,
            logger: logger
        )
        var services: [any Service] = [agent]
        if let server { services.append(server) }
        try await ServiceRunner.run(services, logger: logger)
    }
}
