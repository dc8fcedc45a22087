public import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailWire
public import Logging
import Metrics
import NIOHTTP1
public import ServiceLifecycle

/// What the feed reads and where it publishes.
public struct ERCOTFeedSettings: Sendable {
    /// The settlement point (the site file's `node`, e.g. `HB_WEST`).
    public var settlementPoint: String
    /// `grid/{market}/{node}/price`; the status goes to `.../price/status`.
    public var priceTopic: String
    /// `grid/{market}/alerts`.
    public var alertsTopic: String
    /// SCED LMPs (NP6-788-CD): at most every 100 s (three queries per 5-minute SCED cycle).
    public var scedPeriod: Duration = .seconds(100)
    /// Settlement point prices (NP6-905-CD): at most every 5 minutes.
    public var settlementPeriod: Duration = .seconds(300)
    /// The grid-conditions dashboard JSON, if one is configured.
    public var gridConditionsURL: String?
    /// How often the dashboard is read (at least once a minute).
    public var gridConditionsPeriod: Duration = .seconds(300)
    /// The emergency level is published again this often even when it has not changed.
    public var gridConditionsRepeat: Duration = .seconds(900)
    /// No new interval for this long: the feed says it is stale.
    public var staleAfter: Duration = .seconds(1800)

    public init(settlementPoint: String, priceTopic: String, alertsTopic: String) {
        self.settlementPoint = settlementPoint
        self.priceTopic = priceTopic
        self.alertsTopic = alertsTopic
    }

    /// `priceTopic/status`.
    public var statusTopic: String { priceTopic + "/status" }
}

/// `curtail feed ercot`: polls ERCOT's public API for the site's settlement point and publishes
/// the price contract (``ERCOTFeedCore``), the feed's status and, when configured, the grid's
/// emergency level.
public struct ERCOTFeed: Service {
    /// What the feed reads and where it publishes.
    public typealias Settings = ERCOTFeedSettings

    /// The products' floors under ERCOT's terms of use (three queries per generation cycle).
    public static var scedFloor: Duration { .seconds(100) }
    /// NP6-905-CD at most every 5 minutes.
    public static var settlementFloor: Duration { .seconds(300) }
    /// The dashboard is polled no more than once a minute.
    public static var gridConditionsFloor: Duration { .seconds(60) }

    let settings: Settings
    let client: ERCOTClient
    let http: FeedHTTP
    let clock: any SiteClock
    let logger: Logger
    let outlet: FeedOutlet
    /// Counters shared with the health check and tests.
    public var statistics: FeedStatistics { outlet.statistics }

    public init(
        settings: Settings,
        client: ERCOTClient,
        http: FeedHTTP,
        transport: any ControllerTransport,
        clock: any SiteClock,
        logger: Logger,
        statistics: FeedStatistics = FeedStatistics()
    ) {
        self.settings = settings
        self.client = client
        self.http = http
        self.clock = clock
        self.logger = logger
        outlet = FeedOutlet(feed: "ercot", transport: transport, statistics: statistics, logger: logger)
    }

    public func run() async throws {
        logger.info(
            "ERCOT feed starting for \(settings.settlementPoint): SCED every \(settings.scedPeriod), settlement prices every \(settings.settlementPeriod)",
            metadata: ["topic": "\(settings.priceTopic)"]
        )
        let (transport, topic, clock) = (outlet.transport, settings.statusTopic, self.clock)
        try await outlet.run(poll: { try await self.poll() }) {
            let offline = PriceFeedStatusPayload(ts: clock.now, state: .offline, detail: "the feed stopped")
            if let payload = try? offline.encode() {
                try? await transport.publishAndWait(OutgoingMessage(topic: topic, payload: payload, retain: true))
            }
        }
    }

    private func poll() async throws {
        var core = ERCOTFeedCore(staleAfter: settings.staleAfter)
        var sced = PollSchedule(period: settings.scedPeriod, floor: Self.scedFloor)
        var settlement = PollSchedule(period: settings.settlementPeriod, floor: Self.settlementFloor)
        var conditions = PollSchedule(period: settings.gridConditionsPeriod, floor: Self.gridConditionsFloor)
        var settlementPolls = 0
        var lastEEA: (level: Int, at: Timestamp)?
        while !Task.isCancelled {
            let now = clock.now
            if sced.isDue(at: now) {
                // The filter is in Central wall time, which repeats an hour in November: a window
                // reaching more than an hour either side of now holds the running interval whichever
                // occurrence the server reads an ambiguous time as (about 30 rows a poll).
                let parameters = [
                    ("SCEDTimestampFrom", ERCOTTime.localText(now.advanced(by: .seconds(-4800)))),
                    ("SCEDTimestampTo", ERCOTTime.localText(now.advanced(by: .seconds(3900)))),
                    ("settlementPoint", settings.settlementPoint),
                ]
                let prices = await read("np6-788-cd/lmp_node_zone_hub", .sced, parameters, &sced)
                if let prices { perform(core.receive(prices, source: .sced, at: clock.now)) }
            }
            if settlement.isDue(at: now) {
                // Once an hour the last two operating days, for corrections; otherwise today's.
                let lookback: Duration = settlementPolls % 12 == 0 ? .seconds(50 * 3600) : .seconds(2 * 3600)
                let parameters = [
                    ("deliveryDateFrom", "\(ERCOTTime.operatingDay(of: now.advanced(by: .zero - lookback)))"),
                    ("deliveryDateTo", "\(ERCOTTime.operatingDay(of: now))"),
                    ("settlementPoint", settings.settlementPoint),
                ]
                let prices = await read("np6-905-cd/spp_node_zone_hub", .settlement, parameters, &settlement)
                if let prices {
                    settlementPolls += 1
                    perform(core.receive(prices, source: .settlement, at: clock.now))
                }
            }
            if let url = settings.gridConditionsURL, conditions.isDue(at: now) {
                if let condition = await readConditions(url, &conditions) {
                    let at = clock.now
                    if lastEEA.map({ $0.level != condition.eeaLevel || $0.at.duration(to: at) >= settings.gridConditionsRepeat }) ?? true {
                        if lastEEA?.level != condition.eeaLevel {
                            logger.notice("ERCOT grid condition: '\(condition.state)' → EEA level \(condition.eeaLevel)")
                        }
                        outlet.publish(settings.alertsTopic, AlertPayload.eea(level: condition.eeaLevel, at: at), retain: false, kind: "eea")
                        lastEEA = (condition.eeaLevel, at)
                    }
                }
            }
            perform(core.tick(at: clock.now))
            outlet.statistics.update { $0.stale = core.state == .stale }
            var next = clock.now.advanced(by: .seconds(5))
            for due in [sced.due, settlement.due, settings.gridConditionsURL == nil ? nil : conditions.due].compactMap({ $0 }) {
                next = min(next, due)
            }
            try await clock.sleep(until: next, tolerance: nil)
        }
    }

    /// One query; `nil` when it failed (the schedule then backs off).
    private func read(
        _ report: String,
        _ source: ERCOTPrice.Source,
        _ parameters: [(String, String)],
        _ schedule: inout PollSchedule
    ) async -> [ERCOTPrice]? {
        let product = source.rawValue
        do {
            let pages = try await client.pages(report, product: product, parameters: parameters)
            schedule.succeeded(at: clock.now)
            outlet.count(product, "ok")
            var prices: [ERCOTPrice] = []
            for page in pages {
                let read = ERCOTPrice.read(page, source: source, settlementPoint: settings.settlementPoint)
                prices += read.prices
                for problem in read.refused { outlet.refuse(problem) }
            }
            return prices
        } catch {
            let wait = schedule.failed(at: clock.now, retryAfter: error.retryAfter)
            outlet.count(product, error.kind.rawValue)
            if error.kind == .malformed { outlet.refuse(FeedInputError(.malformed, error.message)) }
            let level: Logger.Level = [.credentialsRefused, .refused].contains(error.kind) || schedule.failures >= 3 ? .error : .warning
            logger.log(level: level, "\(error.message); next try in \(wait)")
            outlet.problem(error.message)
            return nil
        }
    }

    private func readConditions(_ url: String, _ schedule: inout PollSchedule) async -> ERCOTGridCondition? {
        do {
            let response = try await http.send(.GET, url, headers: [("Accept", "application/json")])
            guard response.status == 200 else {
                let wait = schedule.failed(at: clock.now)
                outlet.count("grid-conditions", "http_\(response.status)")
                logger.warning("grid conditions: HTTP \(response.status) from \(FeedHTTP.withoutQuery(url)); next try in \(wait)")
                return nil
            }
            schedule.succeeded(at: clock.now)
            outlet.count("grid-conditions", "ok")
            do {
                return try ERCOTGridCondition(decoding: response.body)
            } catch {
                outlet.refuse(error)
                return nil
            }
        } catch {
            let wait = schedule.failed(at: clock.now)
            outlet.count("grid-conditions", "unreachable")
            logger.warning("grid conditions: \(error.description); next try in \(wait)")
            return nil
        }
    }

    private func perform(_ actions: [ERCOTFeedCore.Action]) {
        for action in actions {
            switch action {
            case .publishPrice(let payload, let retain):
                outlet.publish(settings.priceTopic, payload, retain: retain, kind: payload.status.rawValue)
                // Provisional prices at debug (a line per SCED run); final and corrected ones at info.
                logger.log(
                    level: payload.status == .provisional ? .debug : .info,
                    "published \(payload.status.rawValue) \(payload.intervalStart) \(payload.priceUSDPerMWh) $/MWh (revision \(payload.revision ?? 0))"
                )
            case .publishStatus(let status):
                outlet.publish(settings.statusTopic, status, retain: true, kind: "status")
                if status.state != .ok {
                    logger.warning("price feed \(status.state.rawValue): \(status.detail ?? "")")
                } else {
                    logger.notice("price feed ok")
                }
            case .note(let text):
                logger.notice("\(text)")
            }
        }
    }
}
