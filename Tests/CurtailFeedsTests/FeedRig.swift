import AsyncHTTPClient
import CurtailController
import CurtailCore
import CurtailFeeds
import CurtailMQTT
import CurtailReplay
import CurtailTestSupport
import CurtailWire
import FakeGridAPIs
import Foundation
import LocalBroker
import Logging
import NIOCore
import NIOPosix
import SimulatedHTTP
import Synchronization

/// A real mosquitto, the fake ERCOT and mempool APIs on loopback serving the shared data on a
/// simulated clock, and an observer recording everything published under `grid/`, `mining/` and
/// `site/`.
final class FeedRig: Sendable {
    static let quiet: Logger = {
        var logger = Logger(label: "feed-test")
        logger.logLevel = .critical
        return logger
    }()

    /// HB_WEST's real settlement prices, read once.
    static let hbWest: TimeSeries = try! TimeSeriesFile.load(path: TestRepository.dataPath("ercot_rtm_spp_hb_west_15min.csv"))
    static let bitcoinDays: [FakeMempoolAPI.Day] = FakeMempoolAPI.Day.read(
        csv: (try? String(contentsOfFile: TestRepository.dataPath("btc_daily.csv"), encoding: .utf8)) ?? ""
    )

    struct Record: Sendable {
        var at: Timestamp
        var topic: String
        var payload: [UInt8]
        var retain: Bool
    }

    let broker: MosquittoBroker
    /// The clock of a rig made with a rate (`curtail run` processes can follow it).
    let scaled: ScaledClock?
    /// The clock of a rig made without one: it moves only in ``step(to:by:sleepers:)``, so what
    /// the feed does is the same however loaded the machine is.
    let manual: ManualClock?
    let now: @Sendable () -> Timestamp
    let ercot: FakeERCOTAPI
    let mempool: FakeMempoolAPI
    let apiBase: String
    let mempoolBase: String
    let records = Mutex<[Record]>([])

    init(
        broker: MosquittoBroker,
        scaled: ScaledClock?,
        manual: ManualClock?,
        ercot: FakeERCOTAPI,
        mempool: FakeMempoolAPI,
        apiBase: String,
        mempoolBase: String
    ) {
        self.broker = broker
        self.scaled = scaled
        self.manual = manual
        self.now = { scaled?.now ?? manual!.now }
        self.ercot = ercot
        self.mempool = mempool
        self.apiBase = apiBase
        self.mempoolBase = mempoolBase
    }

    /// Prices published on `grid/ercot/HB_WEST/price`, in arrival order.
    var prices: [(price: PricePayload, retain: Bool)] {
        records.withLock { list in
            list.filter { $0.topic == "grid/ercot/HB_WEST/price" }.compactMap { r in (try? PricePayload(decoding: r.payload)).map { ($0, r.retain) } }
        }
    }

    func messages(on topic: String) -> [Record] { records.withLock { $0.filter { $0.topic == topic } } }

    /// Waits (wall time) until `condition` holds.
    func wait(_ what: String, timeout: Duration = .seconds(60), until condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else {
                throw CurtailProcess.Missing(description: "timed out waiting for \(what) (sim time \(now()))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The scaled clock (a rig made with a rate).
    var clock: ScaledClock { scaled! }

    /// Waits until the scaled clock reaches `instant`.
    func wait(untilSimTime instant: Timestamp) async throws {
        try await clock.sleep(until: instant, tolerance: nil)
    }

    /// Moves the manual clock to `instant` in `step`s, each time after the feed under test has
    /// gone back to sleep (`sleepers` tasks asleep on the clock).
    func step(to instant: Timestamp, by step: Duration = .seconds(5), sleepers: Int = 1) async throws {
        let clock = manual!
        while clock.now < instant {
            let deadline = ContinuousClock.now + .seconds(30)
            while clock.sleepers < sleepers {
                guard ContinuousClock.now < deadline else {
                    throw CurtailProcess.Missing(description: "the feed did not go back to sleep at \(clock.now)")
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            clock.advance(by: min(step, clock.now.duration(to: instant)))
        }
        // Let the last step's work finish.
        let deadline = ContinuousClock.now + .seconds(30)
        while clock.sleepers < sleepers, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
    }

    /// Waits until the observer has every message the feed published on the price topic.
    func settle(_ statistics: FeedStatistics) async throws {
        try await wait("the observer to catch up") {
            let published = statistics.snapshot.published
            return prices.count == (published["provisional"] ?? 0) + (published["final"] ?? 0) + (published["corrected"] ?? 0)
        }
    }

    /// Publishes the clock retained on `sim/clock`, as gridsim does, for processes run with
    /// `--sim-clock`.
    func announceClock() async throws {
        let clock = self.clock
        let announcer = try MQTTClient(configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "clock"), logger: Self.quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await announcer.run() }
            try await announcer.waitUntilConnected(timeout: .seconds(10))
            try await announcer.publish(try clock.announcement.encode(), to: "sim/clock", retain: true)
            group.cancelAll()
        }
    }

    /// The ERCOT feed service for HB_WEST against the fake API.
    func ercotFeed(statistics: FeedStatistics, gridConditions: Bool = false) throws -> ERCOTFeed {
        try ercotFeed(on: clock, statistics: statistics, gridConditions: gridConditions)
    }

    /// The ERCOT feed service on `clock`.
    func ercotFeed(on clock: any SiteClock, statistics: FeedStatistics, gridConditions: Bool = false) throws -> ERCOTFeed {
        var mqtt = MQTTConfiguration(host: broker.host, port: broker.port, clientID: "feed-ercot-under-test")
        var settings = ERCOTFeedSettings(settlementPoint: "HB_WEST", priceTopic: "grid/ercot/HB_WEST/price", alertsTopic: "grid/ercot/alerts")
        settings.gridConditionsURL = gridConditions ? apiBase + "/dashboards/daily-prc.json" : nil
        mqtt.will = .init(topic: settings.statusTopic, payload: try PriceFeedStatusPayload(ts: nil, state: .offline).encode())
        let http = FeedHTTP(client: .shared, timeout: .seconds(10))
        let credentials = ERCOTCredentials(username: ercot.username, password: ercot.password, subscriptionKey: ercot.subscriptionKey)
        let client = ERCOTClient(http: http, credentials: credentials, apiBase: apiBase, tokenURL: apiBase + "/token")
        return ERCOTFeed(
            settings: settings,
            client: client,
            http: http,
            transport: try MQTTClient(configuration: mqtt, logger: Self.quiet),
            clock: clock,
            logger: Self.quiet,
            statistics: statistics
        )
    }

    /// The hash-price feed against the fake mempool.
    func hashPriceFeed(statistics: FeedStatistics) throws -> HashPriceFeed {
        let mqtt = MQTTConfiguration(host: broker.host, port: broker.port, clientID: "feed-hashprice-under-test")
        return HashPriceFeed(
            source: MempoolSource(http: FeedHTTP(client: .shared, timeout: .seconds(10)), base: mempoolBase),
            topic: "mining/hashprice",
            period: .seconds(600),
            transport: try MQTTClient(configuration: mqtt, logger: Self.quiet),
            clock: clock,
            logger: Self.quiet,
            statistics: statistics
        )
    }

    /// Starts everything at `start` (simulated), `rate` times real time, and runs `body`.
    static func with(
        start: Timestamp,
        rate: Double?,
        pageSize: Int = 1000,
        settlementLagSeconds: Int = 60,
        bitcoinDay: String,
        _ body: @Sendable (FeedRig) async throws -> Void
    ) async throws {
        // Simulated time starts a little after the servers are up: the clock is made first, so
        // everything reads the same time.
        let scaled = rate.map { ScaledClock(start: start, rate: $0) }
        let manual = rate == nil ? ManualClock(start: start) : nil
        let now: @Sendable () -> Timestamp = { scaled?.now ?? manual!.now }
        let ercot = FakeERCOTAPI(
            settlementPoint: "HB_WEST",
            series: hbWest,
            settlementLagSeconds: settlementLagSeconds,
            pageSize: pageSize,
            now: now
        )
        let day = try require(bitcoinDays.first { "\($0.date)" == bitcoinDay }, bitcoinDay)
        let mempool = FakeMempoolAPI(day: day)
        let group = MultiThreadedEventLoopGroup.singleton
        let ercotChannel = try await SimulatedHTTPServer.bind(group: group, host: "127.0.0.1", port: 0) { ercot.answer($0) }
        let mempoolChannel = try await SimulatedHTTPServer.bind(group: group, host: "127.0.0.1", port: 0) { mempool.answer($0) }
        defer {
            ercotChannel.close(promise: nil)
            mempoolChannel.close(promise: nil)
        }
        let apiBase = "http://127.0.0.1:\(ercotChannel.localAddress!.port!)"
        let mempoolBase = "http://127.0.0.1:\(mempoolChannel.localAddress!.port!)"
        try await MosquittoBroker.withBroker { broker in
            let rig = FeedRig(
                broker: broker,
                scaled: scaled,
                manual: manual,
                ercot: ercot,
                mempool: mempool,
                apiBase: apiBase,
                mempoolBase: mempoolBase
            )
            let observer = try MQTTClient(
                configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "feed-test-observer"),
                logger: quiet
            )
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await observer.run() }
                try await observer.waitUntilConnected(timeout: .seconds(10))
                for filter in ["grid/#", "mining/#", "site/#"] { try await observer.subscribe(to: filter) }
                tasks.addTask {
                    for await message in observer.messages {
                        rig.records.withLock {
                            $0.append(Record(at: now(), topic: message.topic, payload: message.payload, retain: message.retain))
                        }
                    }
                }
                try await body(rig)
                tasks.cancelAll()
            }
        }
    }
}

/// `try #require` outside a test function.
private func require<T>(_ value: T?, _ what: @autoclosure () -> String = "") throws -> T {
    guard let value else { throw CurtailProcess.Missing(description: "missing \(what())") }
    return value
}
