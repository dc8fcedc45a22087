import ArgumentParser
import AsyncHTTPClient
import CurtailCommandLine
import CurtailController
import CurtailCore
import CurtailFeeds
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

/// `curtail feed`: the real inputs, ERCOT prices and grid conditions, and the hash price.
struct FeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Publish real inputs on MQTT: ERCOT prices and grid conditions, the Bitcoin hash price.",
        subcommands: [ERCOT.self, HashPrice.self]
    )

    /// Unhealthy while the feed is stale.
    static func health(_ statistics: FeedStatistics) -> MetricsServer.Health {
        let snapshot = statistics.snapshot
        return MetricsServer.Health(healthy: !snapshot.stale, detail: snapshot.stale ? "stale: \(snapshot.lastProblem ?? "no new interval")" : "ok")
    }

    /// The wall clock, or with `--sim-clock` the one a gridsim announces.
    static func clock(simulated: Bool, mqtt: MQTTConfiguration, logger: Logger) async throws -> any SiteClock {
        simulated ? try await RunCommand.followSimulatedClock(mqtt: mqtt, logger: logger) : WallClock()
    }

    struct ERCOT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ercot",
            abstract:
                "Poll ERCOT's public API for the site's node and publish its prices (provisional SCED, final settlement), until SIGTERM/SIGINT.",
            discussion: """
                Reads the settlement point from the site file's node. Credentials come from --credentials FILE (YAML: \
                username, password, subscription_key) or the environment (ERCOT_API_USERNAME, ERCOT_API_PASSWORD, \
                ERCOT_API_SUBSCRIPTION_KEY), never the command line. Publishes grid/{market}/{node}/price and \
                .../price/status (ok, stale, offline), and the EEA level on grid/{market}/alerts when --grid-conditions \
                is given. See docs/feeds.md.
                """
        )

        @Option(help: "Site file (YAML): its node is the settlement point, its mqtt: section the broker.")
        var config: String

        @Option(help: "The API's base URL (another server: a proxy, a test server).")
        var apiBase = ERCOTClient.defaultAPIBase

        @Option(help: "The ROPC token endpoint.")
        var tokenURL = ERCOTClient.defaultTokenURL

        @Option(help: "YAML file with username, password and subscription_key (default: the ERCOT_API_* environment variables).")
        var credentials: String?

        @Option(help: "Broker address, mqtt://HOST:PORT; overrides the site file's mqtt.broker.")
        var broker: String?

        @Option(
            help:
                "The grid-conditions dashboard JSON to read the emergency level from (e.g. https://www.ercot.com/api/1/services/read/dashboards/daily-prc.json)."
        )
        var gridConditions: String?

        @Option(help: "Seconds between SCED price polls (at least 100, ERCOT's limit).")
        var scedPeriod: Double = 100

        @Option(help: "Seconds between settlement price polls (at least 300, ERCOT's limit).")
        var settlementPeriod: Double = 300

        @Flag(help: "Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.")
        var simClock = false

        @OptionGroup var mqttUser: MQTTUserOptions
        @OptionGroup var metrics: MetricsOption
        @OptionGroup var logging: LogLevelOptions

        func validate() throws {
            guard scedPeriod >= 100 else {
                throw ValidationError("--sced-period must be at least 100 s: ERCOT allows three queries per 5-minute SCED cycle")
            }
            guard settlementPeriod >= 300 else {
                throw ValidationError("--settlement-period must be at least 300 s: ERCOT allows three queries per 15-minute interval")
            }
        }

        func run() async throws {
            try logging.bootstrap()
            let logger = Logger(label: "curtail.feed.ercot")
            var setup = try SiteSetup.loadForCommand(sitePath: config)
            mqttUser.apply(to: &setup)
            guard setup.site.market.lowercased() == "ercot" else {
                throw ValidationError("\(config): market is '\(setup.site.market)'; curtail feed ercot serves ERCOT sites only")
            }
            let login: ERCOTCredentials
            do {
                if let credentials {
                    login = try ERCOTCredentials.load(path: credentials)
                } else {
                    login = try ERCOTCredentials.fromEnvironment(ProcessInfo.processInfo.environment)
                }
            } catch {
                throw InvalidInput(error.description)
            }
            var mqtt: MQTTConfiguration
            do {
                mqtt = try setup.mqttConfiguration(broker: broker, instance: "feed-ercot")
            } catch {
                throw InvalidInput(error.description)
            }
            let topics = setup.controllerConfiguration.topics
            var settings = ERCOTFeedSettings(settlementPoint: setup.site.node, priceTopic: topics.price, alertsTopic: topics.alerts)
            settings.scedPeriod = .milliseconds(Int64(scedPeriod * 1000))
            settings.settlementPeriod = .milliseconds(Int64(settlementPeriod * 1000))
            settings.gridConditionsURL = gridConditions
            if let will = try? PriceFeedStatusPayload(ts: nil, state: .offline, detail: "the feed's connection was lost").encode() {
                mqtt.will = MQTTConfiguration.Will(topic: settings.statusTopic, payload: will, retain: true)
            }
            logger.info("\(login)")
            let http = FeedHTTP(client: HTTPClient.shared)
            let client = ERCOTClient(http: http, credentials: login, apiBase: apiBase, tokenURL: tokenURL)
            let transport = try MQTTClient(configuration: mqtt, logger: logger)
            let statistics = FeedStatistics()
            var services: [any Service] = []
            if let server = try metrics.server(logger: logger, health: { FeedCommand.health(statistics) }) { services.append(server) }
            let clock = try await FeedCommand.clock(simulated: simClock, mqtt: mqtt, logger: logger)
            services.append(
                ERCOTFeed(settings: settings, client: client, http: http, transport: transport, clock: clock, logger: logger, statistics: statistics)
            )
            try await ServiceRunner.run(services, logger: logger)
        }
    }

    struct HashPrice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hashprice",
            abstract: "Compute the hash price from a mempool-style API and publish it on mining/hashprice, until SIGTERM/SIGINT.",
            discussion: """
                Reads the BTC price, difficulty, tip height and the fees of the last 144 blocks; computes USD per TH/s per \
                day with the core's formula and halving schedule; refuses inputs out of range (difficulty zero, a negative \
                price, fees beyond reason) instead of publishing them. See docs/feeds.md.
                """
        )

        @Option(help: "The mempool-style API's base URL.")
        var source = MempoolSource.defaultBase

        @Option(help: "Broker address, mqtt://HOST:PORT (default: the site file's, else mqtt://127.0.0.1:1883).")
        var broker: String?

        @Option(help: "Site file (YAML) for the broker, its credentials and mqtt.hashprice_topic (optional).")
        var config: String?

        @Option(help: "Seconds between polls (at least 60).")
        var period: Double = 600

        @Flag(help: "Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.")
        var simClock = false

        @OptionGroup var mqttUser: MQTTUserOptions
        @OptionGroup var metrics: MetricsOption
        @OptionGroup var logging: LogLevelOptions

        func validate() throws {
            guard period >= 60 else { throw ValidationError("--period must be at least 60 s") }
        }

        func run() async throws {
            try logging.bootstrap()
            let logger = Logger(label: "curtail.feed.hashprice")
            var mqtt: MQTTConfiguration
            var topic = "mining/hashprice"
            do {
                if let config {
                    var setup = try SiteSetup.loadForCommand(sitePath: config)
                    mqttUser.apply(to: &setup)
                    mqtt = try setup.mqttConfiguration(broker: broker, instance: "feed-hashprice")
                    topic = setup.controllerConfiguration.topics.hashPrice
                } else {
                    mqtt = try MQTTConfiguration(
                        url: broker ?? "mqtt://127.0.0.1:1883",
                        clientID: "curtail-feed-hashprice-\(SiteSetup.hostName())",
                        cleanSession: false
                    )
                    if let user = mqttUser.mqttUsername {
                        let password = try mqttUser.mqttPasswordFile.map { file throws(SiteSetupError) in
                            try SiteSetup.password(inFile: file, what: "--mqtt-password-file")
                        }
                        mqtt.credentials = .init(username: user, password: password)
                    }
                }
            } catch let error as ValidationError {
                throw error
            } catch {
                throw InvalidInput("\(error)")
            }
            let source = MempoolSource(http: FeedHTTP(client: HTTPClient.shared), base: self.source)
            let transport = try MQTTClient(configuration: mqtt, logger: logger)
            let statistics = FeedStatistics()
            let wait = Duration.milliseconds(Int64(period * 1000))
            var services: [any Service] = []
            if let server = try metrics.server(logger: logger, health: { FeedCommand.health(statistics) }) { services.append(server) }
            let clock = try await FeedCommand.clock(simulated: simClock, mqtt: mqtt, logger: logger)
            services.append(
                HashPriceFeed(source: source, topic: topic, period: wait, transport: transport, clock: clock, logger: logger, statistics: statistics)
            )
            try await ServiceRunner.run(services, logger: logger)
        }
    }
}
