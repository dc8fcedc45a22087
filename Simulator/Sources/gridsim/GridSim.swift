import ArgumentParser
import CurtailCommandLine
import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailPolicyFiles
import CurtailSite
import FakeMiners
import GridSimulator
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// `gridsim`: the grid and the miner controllers of one site over MQTT (`play`, the default), and
/// fake miners on loopback addresses (`miners`).
@main
struct GridSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridsim",
        abstract: "The grid simulator: a grid scenario over MQTT (play, the default) and fake miners (miners).",
        subcommands: [Play.self, Miners.self, APIs.self],
        defaultSubcommand: Play.self
    )
}

/// `gridsim play` (the default): the grid and the miner controllers of one site, over MQTT.
struct Play: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Play a grid scenario over MQTT: prices, events, alerts, frequency, and the site's miner controllers.",
        discussion: """
            Publishes the scenario's real or synthetic prices at --speed (simulated seconds per wall second),
            its grid events, alerts and frequency, and simulates every miner group's controller: it obeys
            commands on site/{site}/groups/{group}/command, honours their expiry, wakes and sleeps with
            realistic delays and publishes telemetry and a site meter. The clock is announced (retained) on
            sim/clock; run the controller with `curtail run --config SITE --broker URL --sim-clock` to follow it.
            """
    )

    @Option(help: "Scenario file (YAML), e.g. Simulator/Scenarios/ercot-2023-09-06.yaml.")
    var scenario: String

    @Option(help: "Broker address, mqtt://HOST:PORT.")
    var broker = "mqtt://127.0.0.1:1883"

    @OptionGroup(title: "Scenario")
    var options: ScenarioOptions

    @Option(help: "Random seed (default: the scenario's).")
    var seed: UInt64?

    @Option(help: "Wall-clock seconds before simulated time starts (lets a controller connect first).")
    var delay = 2.0

    @Option(
        help:
            "A miner inventory: serve its miners as fakes (as gridsim miners does, at the scenario's speed) and leave their groups to curtail agent --sim-clock."
    )
    var miners: String?

    func validate() throws {
        guard delay >= 0 else { throw ValidationError("--delay must not be negative") }
    }

    func run() async throws {
        var logger = Logger(label: "gridsim")
        logger.logLevel = .info
        var scenario: Scenario
        let siteConfiguration: SiteConfiguration
        do {
            scenario = try ScenarioFile.load(path: self.scenario)
            if let speed = options.speed { scenario.speed = speed }
            if let seed { scenario.seed = seed }
            guard let sitePath = scenario.sitePath(override: options.site, scenarioPath: self.scenario) else {
                throw ValidationError("the scenario names no site: pass --site FILE")
            }
            siteConfiguration = try SiteFile.load(path: sitePath)
        } catch let error as FileDiagnostics {
            printError(error.description)
            throw ExitCode(1)
        }
        let site = siteConfiguration.site
        let inputs: ScenarioInputs
        do {
            inputs = try ScenarioInputs.load(scenario: scenario, site: site, dataDirectory: options.dataDirectory)
        } catch {
            printError("gridsim: \(error)")
            throw ExitCode(1)
        }
        var inventory: MinerInventory?
        if let miners {
            do {
                inventory = try MinerInventoryFile.load(path: miners, site: site)
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
        }
        let topics = ControllerTopics(settings: siteConfiguration)
        let mqtt = try MQTTConfiguration(url: broker, clientID: "gridsim-\(site.id)-\(getpid())")
        let origin = WallClock().now.adding(seconds: delay)
        let clock = ScaledClock(start: scenario.start, rate: scenario.speed, wallOrigin: origin)
        let simulator = try GridSimulator(
            scenario: scenario,
            site: site,
            prices: inputs.prices,
            hashPrice: { inputs.hashPrice(at: $0) },
            topics: topics,
            mqtt: mqtt,
            clock: clock,
            logger: logger,
            externalGroups: Set(inventory?.miners.map(\.group) ?? [])
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: simulator, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let inventory { services.append(.init(service: FakeMinerFleet(inventory: inventory, speed: scenario.speed, logger: logger))) }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        let ledger = simulator.recorder.snapshot
        print(
            "gridsim: \(scenario.name) done: \(Int(ledger.simulatedSeconds)) s simulated, \(ledger.publications) grid messages, "
                + "\(ledger.commandsApplied) commands applied, \(ledger.commandsIgnored) ignored, \(ledger.fallbacks) expiry fallbacks"
        )
    }
}

func printError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.append(UInt8(ascii: "\n"))
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
