public import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailWire
public import Logging
import Metrics
public import ServiceLifecycle

/// `curtail feed hashprice`: reads a mempool-style API, computes the hash price with
/// ``BitcoinNetwork`` and publishes `mining/hashprice` (retained), refusing inputs out of range.
public struct HashPriceFeed<C: SiteClock>: Service {
    /// The shortest period allowed (a public API is not hammered).
    public static var floor: Duration { .seconds(60) }

    let source: MempoolSource
    let topic: String
    let period: Duration
    let transport: any ControllerTransport
    let clock: C
    let logger: Logger
    /// Counters shared with the health check and tests.
    public let statistics: FeedStatistics

    public init(
        source: MempoolSource,
        topic: String,
        period: Duration = .seconds(600),
        transport: any ControllerTransport,
        clock: C,
        logger: Logger,
        statistics: FeedStatistics = FeedStatistics()
    ) {
        self.source = source
        self.topic = topic
        self.period = period
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.statistics = statistics
    }

    public func run() async throws {
        let transport = self.transport
        logger.info("hash-price feed starting: every \(max(period, Self.floor)), publishing \(topic)")
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await transport.runUntilCancelled() }
            do {
                try await cancelWhenGracefulShutdown { try await self.poll() }
            } catch is CancellationError {
            }
            logger.info("hash-price feed stopped")
            group.cancelAll()
        }
    }

    private func poll() async throws {
        var schedule = PollSchedule(period: period, floor: Self.floor, maximumBackoff: .seconds(3600))
        while !Task.isCancelled {
            let now = clock.now
            if schedule.isDue(at: now) {
                do throws(MempoolSource.Failure) {
                    let inputs = try await source.read()
                    schedule.succeeded(at: clock.now)
                    count("ok")
                    try publish(inputs)
                } catch {
                    if case .refused(let problem) = error {
                        // Not the source's availability: its data. Try again on the normal period.
                        schedule.succeeded(at: clock.now)
                        refuse(problem)
                    } else {
                        let wait = schedule.failed(at: clock.now)
                        count("unavailable")
                        logger.warning("hash-price source: \(error.description); next try in \(wait)")
                        statistics.update { $0.lastProblem = error.description }
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
        do {
            try transport.enqueue(OutgoingMessage(topic: topic, payload: try payload.encode(), retain: true), expiry: nil)
        } catch {
            logger.error("could not publish the hash price: \(error)")
            return
        }
        statistics.update { $0.published["hashprice", default: 0] += 1 }
        Counter(label: "curtail_feed_published_total", dimensions: [("feed", "hashprice"), ("kind", "hashprice")]).increment()
        logger.info(
            "hash price \(value.value) USD/TH/day (BTC \(inputs.btcUSD) USD, difficulty \(inputs.difficulty), height \(inputs.height), fees \(inputs.feesBTCPerBlock) BTC/block)"
        )
    }

    private func count(_ outcome: String) {
        statistics.update { $0.requests["hashprice \(outcome)", default: 0] += 1 }
        Counter(label: "curtail_feed_requests_total", dimensions: [("feed", "hashprice"), ("product", "mempool"), ("outcome", outcome)]).increment()
    }

    private func refuse(_ problem: FeedInputError) {
        logger.warning("refused: \(problem.message)")
        statistics.update {
            $0.refused[problem.kind.rawValue, default: 0] += 1
            $0.lastProblem = problem.message
        }
        Counter(label: "curtail_feed_refused_total", dimensions: [("feed", "hashprice"), ("reason", problem.kind.rawValue)]).increment()
    }
}
