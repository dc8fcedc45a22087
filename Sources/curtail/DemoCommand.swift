import ArgumentParser
import AsyncHTTPClient
import CurtailAgent
import CurtailCommandLine
import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailMiners
import CurtailPolicy
import CurtailPolicyFiles
import CurtailSite
import FakeMiners
import Foundation
import GridSimulator
import LocalBroker
import Logging

/// `curtail demo`: a local broker, the grid simulator and the controller, on one real price day.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the controller against the grid simulator on a real ERCOT day, through a local mosquitto.",
        discussion: """
            Starts mosquitto on a free loopback port, the simulator playing the scenario (default: \
            6 Sep 2023 at HB_WEST, with its evening price spike and an ERS-10 deployment) and the controller \
            for the example site; shows a live status table, then a summary, and stops everything it started.
            """
    )

    @Option(help: "Scenario file.")
    var scenario = "Simulator/Scenarios/ercot-2023-09-06.yaml"

    @OptionGroup(title: "Scenario")
    var options: ScenarioOptions

    @Option(help: "Run a site of this many groups of 100 miners (cycling the site's models) instead of the site as is.")
    var groups: Int?

    @Option(
        help: """
            A miner inventory for the site: its miners are served as fake LuxOS, Braiins OS and stock Antminer miners on their \
            loopback addresses and driven by curtail agent over TCP and HTTP (their groups are then not simulated). \
            E.g. --scenario Simulator/Scenarios/ercot-2023-09-06-lab.yaml --miners Policies/sites/example-west-texas-lab-miners.yaml.
            """
    )
    var miners: String?

    @Flag(help: "Print a line per simulated hour instead of the live table (the default when stdout is not a terminal).")
    var plain = false

    func validate() throws {
        if let groups, !(1...1000).contains(groups) { throw ValidationError("--groups must be 1...1000") }
    }

    func run() async throws {
        var scenario: Scenario
        do {
            scenario = try ScenarioFile.load(path: self.scenario)
        } catch {
            throw InvalidInput(error.description)
        }
        if let speed = options.speed { scenario.speed = speed }
        guard let sitePath = scenario.sitePath(override: options.site, scenarioPath: self.scenario) else {
            throw InvalidInput("\(self.scenario): the scenario names no site; pass --site FILE")
        }
        var setup = try SiteSetup.loadForCommand(sitePath: sitePath, policyPath: nil, assignments: [])
        if let groups { setup.settings.site = setup.settings.site.scaled(groups: groups) }
        let settings = setup.settings
        let inputs: ScenarioInputs
        do {
            inputs = try ScenarioInputs.load(scenario: scenario, site: settings.site, dataDirectory: options.dataDirectory)
        } catch {
            throw InvalidInput("\(error)")
        }
        guard MosquittoBroker.isInstalled else {
            throw InvalidInput("the demo needs the mosquitto broker: apt-get install mosquitto (make deps does it)")
        }
        let live = !plain && isatty(1) != 0
        var configuration = setup.controllerConfiguration
        // Commands live at least one wall-clock second: at a day a minute the site's 3 minutes
        // are 125 ms, less than a loaded two-core machine may take to deliver the re-issue.
        if configuration.commandLifetime < .seconds(scenario.speed) {
            configuration.commandLifetime = .seconds(scenario.speed)
            configuration.reissueBefore = configuration.commandLifetime / 3
        }
        let site = settings.site
        let topics = configuration.topics
        let started = ContinuousClock.now
        var inventory: MinerInventory?
        if let miners {
            do {
                inventory = try MinerInventoryFile.load(path: miners, site: site)
            } catch {
                throw InvalidInput(error.description)
            }
        }
        let external = Set(inventory?.miners.map(\.group) ?? [])

        let summary: String = try await MosquittoBroker.withBroker { broker in
            let monitorClient = try MQTTClient(
                configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "demo-monitor"),
                logger: Self.quietLogger
            )
            let monitor = DemoMonitor(client: monitorClient, topics: topics)
            var controllerLogger = Logger(label: "curtail.controller") { _ in DemoLogHandler(monitor: monitor) }
            controllerLogger.logLevel = .notice
            let clock = ScaledClock(start: scenario.start, rate: scenario.speed, wallOrigin: WallClock().now.adding(seconds: 1.5))
            var controller = try Controller(
                configuration: configuration,
                mqtt: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "curtail-\(site.id)"),
                clock: clock,
                logger: controllerLogger
            )
            controller.restoreWindow = .milliseconds(300)
            let simulator = try GridSimulator(
                scenario: scenario,
                site: site,
                prices: inputs.prices,
                hashPrice: { inputs.hashPrice(at: $0) },
                topics: topics,
                mqtt: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "gridsim"),
                clock: clock,
                logger: Self.quietLogger,
                externalGroups: external
            )
            // The agent and its fake miners, when the demo drives real protocols.
            let fleet = inventory.map { FakeMinerFleet(inventory: $0, speed: scenario.speed, logger: Self.quietLogger) }
            var agent: MinerAgent<ScaledClock>?
            if let inventory {
                let drivers: [any MinerDriver]
                do {
                    drivers = try MinerDrivers.make(for: inventory, http: .shared, environment: ProcessInfo.processInfo.environment)
                } catch let error as MinerError {
                    throw InvalidInput(error.description)
                }
                var agentMQTT = MQTTConfiguration(host: broker.host, port: broker.port, clientID: "curtail-agent-\(site.id)")
                agentMQTT.will = .init(topic: topics.agentStatus, payload: Array("offline".utf8))
                agent = MinerAgent(
                    site: site,
                    inventory: inventory,
                    settings: settings.agent,
                    drivers: drivers,
                    transport: try MQTTClient(configuration: agentMQTT, logger: Self.quietLogger),
                    topics: topics,
                    clock: clock,
                    logger: controllerLogger
                )
            }
            print(
                "curtail demo: \(scenario.name), site \(site.id) (\(site.groups.count) groups, \(Format.fixed(site.nameplatePower.value, 1)) MW), "
                    + "policy \(configuration.policy.name), broker \(broker.url), speed ×\(Format.fixed(scenario.speed, 0))"
            )
            if let inventory {
                print(
                    "curtail demo: \(inventory.miners.count) fake miners (\(Set(inventory.miners.map(\.firmware)).map(\.rawValue).sorted().joined(separator: ", "))) driven by curtail agent"
                )
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let fleet {
                    group.addTask { try await fleet.run() }
                    await fleet.waitUntilReady()
                }
                if let agent { group.addTask { try await agent.run() } }
                group.addTask { try await monitor.run() }
                group.addTask { [controller] in try await controller.run() }
                group.addTask {
                    var view = DemoView(site: site, timeZone: site.timeZone, live: live)
                    while !Task.isCancelled {
                        view.render(monitor.current, at: clock.now, simulator: simulator.recorder.snapshot)
                        try await Task.sleep(for: .milliseconds(live ? 250 : 50))
                    }
                }
                try await simulator.run()
                // Let the last reports and state arrive (a few simulated minutes).
                try await Task.sleep(for: .milliseconds(100))
                group.cancelAll()
                try? await group.waitForAll()
            }
            let elapsed = started.duration(to: .now)
            var text = DemoView.summary(
                scenario: scenario,
                site: site,
                monitor: monitor.current,
                ledger: simulator.recorder.snapshot,
                wallSeconds: elapsed.inSeconds
            )
            if let core = agent?.snapshot.core, let fleet {
                text += "\n" + DemoView.agentSummary(core: core, site: site, requests: fleet.requests)
            }
            return text
        }
        print(summary)
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "curtail.demo")
        logger.logLevel = .error
        return logger
    }
}
