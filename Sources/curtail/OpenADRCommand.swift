import ArgumentParser
import AsyncHTTPClient
import CurtailCommandLine
import CurtailController
import CurtailCore
import CurtailFeeds
import CurtailMQTT
import CurtailOpenADR
import CurtailPolicyFiles
import CurtailSite
import Foundation
import Logging
import ServiceLifecycle

/// `curtail openadr`: the site's OpenADR VEN.
struct OpenADRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openadr",
        abstract: "Run the site's OpenADR VEN (2.0b or 3.1): the VTN's events become grid events, alerts and prices; reports go back.",
        discussion: """
            Configured by the site file's openadr: section (version, vtn_url, ven_name, poll_interval, the level mapping). \
            3.1 credentials come from openadr.credentials_file (YAML: client_id, client_secret) or OPENADR_CLIENT_ID and \
            OPENADR_CLIENT_SECRET, never the command line. Publishes grid/{market}/events, grid/{market}/alerts and \
            grid/{market}/{node}/price; reads site/{site}/state and the controller's event reports. Runs beside curtail run \
            until SIGTERM/SIGINT. See docs/openadr.md.
            """
    )

    @Option(help: "Site file (YAML) with an openadr: section; its mqtt: section names the broker.")
    var config: String

    @Option(help: "Broker address, mqtt://HOST:PORT; overrides the site file's mqtt.broker.")
    var broker: String?

    @OptionGroup var mqttUser: MQTTUserOptions
    @OptionGroup var logging: LogLevelOptions

    func run() async throws {
        try logging.bootstrap()
        let logger = Logger(label: "curtail.openadr")
        var setup = try SiteSetup.loadForCommand(sitePath: config)
        mqttUser.apply(to: &setup)
        guard let settings = setup.settings.openADR else {
            throw InvalidInput("\(config): the site file has no openadr: section (see docs/openadr.md)")
        }
        guard GridProgram.named(settings.program) != nil else {
            throw InvalidInput(
                "\(config): openadr.program '\(settings.program)' is not a program the controller accepts (\(GridProgram.known.map(\.name).joined(separator: ", ")))"
            )
        }
        let mqtt: MQTTConfiguration
        do {
            mqtt = try setup.mqttConfiguration(broker: broker, instance: "openadr")
        } catch {
            throw InvalidInput(error.description)
        }
        let transport = try MQTTClient(configuration: mqtt, logger: logger)
        let core = VENCore(settings: settings, siteMaxMW: setup.site.maxImport.value)
        let contract = VENContract(core: core, topics: .init(setup.controllerConfiguration.topics), transport: transport, logger: logger)
        let (client, owned): (HTTPClient, Bool)
        do {
            (client, owned) = try VTNHTTPClient.make(settings)
        } catch {
            throw InvalidInput(error.description)
        }
        let http = FeedHTTP(client: client)
        let clock = WallClock()
        let link: OpenADRVEN.Link
        switch settings.version {
        case .v2_0b:
            link = .v2(OADR2VEN(settings: settings, http: http, contract: contract, clock: clock))
        case .v3_1:
            let credentials: OADR3Credentials?
            do {
                if let file = settings.credentialsFile {
                    credentials = try OADR3Credentials.load(path: ConfigurationFiles.resolve(file, relativeTo: config))
                } else {
                    credentials = try OADR3Credentials.fromEnvironment(ProcessInfo.processInfo.environment)
                }
            } catch {
                throw InvalidInput(error.description)
            }
            logger.info("\(credentials.map { "\($0)" } ?? "no OpenADR credentials: calling the VTN without a token")")
            link = .v3(OADR3VEN(settings: settings, credentials: credentials, http: http, contract: contract, clock: clock))
        }
        logger.notice(
            "OpenADR \(settings.version.rawValue) VEN \(settings.venName) for site \(setup.site.id) → \(FeedHTTP.withoutQuery(settings.vtnURL))"
        )
        do {
            try await ServiceRunner.run([OpenADRVEN(contract: contract, link: link)], logger: logger)
        } catch {
            if owned { try? await client.shutdown() }
            throw error
        }
        if owned { try? await client.shutdown() }
    }
}
