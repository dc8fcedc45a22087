public import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailWire
public import Logging
import Metrics
public import ServiceLifecycle

/// `curtail feed hashprice`: reads a mempool-style API, computes the hash price with
/// ``BitcoinNetwork`` and publishes `mining/hashprice` (retained), refusing inputs out of range.
public struct HashPriceFeed: Service {
    /// The shortest period allowed (a public API is not hammered).
    public static var floor: Duration { .seconds(60) }

    let source: MempoolSource
    let topic: String
    let period: Duration
    let clock: any SiteClock
    let logger: Logger
    let outlet: FeedOutlet
    /// Counters shared with the health check and tests.
    public var statistics: FeedStatistics { outlet.statistics }

    public init(
        source: MempoolSource,
        topic: String,
        period: Duration = .seconds(600),
        transport: any ControllerTransport,
        clock: any SiteClock,
        logger: Logger,
        statistics: FeedStatistics = FeedStatistics()
    ) {
        self.source = source
        self.topic = topic
        self.period = period
        self.clock = clock
        self.logger = logger
        outlet = FeedOutlet(feed: "hashprice", transport: transport, statistics: statistics, logger: logger)
    }

    public func run() async throws {
        logger.info("hash-price feed starting: every \(max(period, Self.floor)), publishing \(topic)")
        try await outlet.run(poll: { try await self.poll() })
    }

    private func poll() async throws {
        var schedule = PollSchedule(period: period, floor: Self.floor, maximumBackoff: .seconds(3600))
        while !Task.isCancelled {
            let now = clock.now
            if schedule.isDue(at: now) {
                do throws(MempoolSource.Failure) {
                    let inputs = try await source.read()
                    schedule.succeeded(at: clock.now)
                    outlet.count("mempool", "ok")
                    try publish(inputs)
                } catch {
                    if case .refused(let problem) = error {
                        // Not the source's availability: its data. Try again on the normal period.
                        schedule.succeeded(at: clock.now)
                        outlet.refuse(problem)
                    } else {
                        let wait = schedule.failed(at: clock.now)
                        outlet.count("mempool", "unavailable")
                        logger.warning("hash-price source: \(error.description); next try in \(wait)")
                        outlet.problem(error.description)
                    }
                }
            }
            try await clock.sleep(until: schedule.due ?? clock.now.advanced(by: .seconds(5)), tolerance: nil)
        }
    }

    private func publish(_ inputs: HashPriceInputs) throws(MempoolSource.Failure) {
        let value: USDPerTerahashDay
        do {
            value = try inputs.hashPrice()
        } catch {
            throw .refused(error)
        }
        let payload = HashPricePayload(ts: clock.now, usdPerTHDay: value.value)
        outlet.publish(topic, payload, retain: true, kind: "hashprice")
        logger.info(
            "hash price \(value.value) USD/TH/day (BTC \(inputs.btcUSD) USD, difficulty \(inputs.difficulty), height \(inputs.height), fees \(inputs.feesBTCPerBlock) BTC/block)"
        )
    }
}
