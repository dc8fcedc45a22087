import ArgumentParser
import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailReplay
import CurtailWire
import FakeGridAPIs
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `gridsim apis`: the fake ERCOT public API and a fake mempool API on a simulated clock, for
/// trying `curtail feed ercot` and `curtail feed hashprice` without accounts or the internet.
struct APIs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apis",
        abstract: "Serve a fake ERCOT public API and a fake mempool API from real history on a simulated clock.",
        discussion: """
            The ERCOT side (on --port) has the token call (/token), NP6-905-CD and NP6-788-CD with ERCOT's page \
            shape, hour-ending Central times and DST flags, serving the real settlement prices of --prices for \
            --node (SCED prices derived from them: 98/100/102 %). The mempool side (on --port + 1) serves the \
            Bitcoin network of the start's day from --bitcoin. The clock is announced retained on sim/clock of \
            --broker, so feeds and the controller started with --sim-clock follow it. Credentials: user \
            curtail@example.com, password not-a-real-password, key 0123456789abcdef. See docs/feeds.md.
            """
    )

    @Option(help: "Broker to announce the simulated clock on (sim/clock, retained).")
    var broker = "mqtt://127.0.0.1:1883"

    @Option(help: "Simulated start, ISO-8601 UTC.")
    var start = "2023-09-06T17:31:00Z"

    @Option(help: "Simulated seconds per wall second.")
    var speed = 60.0

    @Option(help: "Port of the ERCOT API; the mempool API listens on the next one.")
    var port = 18090

    @Option(help: "Settlement point prices: the single-node file or the multi-hub gzip file.")
    var prices = "../shared/data/ercot_rtm_spp_hb_west_15min.csv"

    @Option(help: "The settlement point served (a column of --prices when it has several).")
    var node = "HB_WEST"

    @Option(help: "Daily Bitcoin network history (btc_daily.csv).")
    var bitcoin = "../shared/data/btc_daily.csv"

    func validate() throws {
        guard speed > 0, speed <= 10_000 else { throw ValidationError("--speed must be in (0, 10000]") }
        guard Timestamp(iso8601: start) != nil else { throw ValidationError("--start must be ISO-8601 UTC, e.g. 2023-09-06T17:31:00Z") }
        guard (1...65_534).contains(port) else { throw ValidationError("--port must be 1...65534") }
    }

    func run() async throws {
        var logger = Logger(label: "gridsim.apis")
        logger.logLevel = .notice
        let series: TimeSeries
        do {
            series = try TimeSeriesFile.load(path: prices, defaultColumn: node)
        } catch {
            throw ValidationError("\(error)")
        }
        let startTime = Timestamp(iso8601: start)!
        let day = "\(CivilDate(daysSinceEpoch: Int(startTime.millisecondsSinceEpoch / 86_400_000)))"
        guard let text = try? String(contentsOfFile: bitcoin, encoding: .utf8),
            let bitcoinDay = FakeMempoolAPI.Day.read(csv: text).first(where: { "\($0.date)" == day })
        else {
            throw ValidationError("\(bitcoin): no row for \(day)")
        }
        let clock = ScaledClock(start: startTime, rate: speed)
        let ercot = FakeERCOTAPI(settlementPoint: node, series: series, now: { clock.now })
        let mempool = FakeMempoolAPI(day: bitcoinDay)
        // Announce the clock (retained) and go.
        let client = try MQTTClient(configuration: try MQTTConfiguration(url: broker, clientID: "gridsim-apis-\(getpid())"), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            try await client.waitUntilConnected(timeout: .seconds(30))
            try await client.publish(try clock.announcement.encode(), to: "sim/clock", retain: true)
            group.cancelAll()
        }
        let server = FakeGridAPIServer(host: "127.0.0.1", ercotPort: port, mempoolPort: port + 1, ercot: ercot, mempool: mempool, logger: logger)
        let services = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await services.run()
    }
}
