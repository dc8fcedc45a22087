import CurtailController
import CurtailWire
import Logging
import Metrics
import ServiceLifecycle

/// What every feed does around its polling: runs the broker connection, publishes through the
/// wire types, and counts requests, refusals and publications in ``FeedStatistics`` and in
/// swift-metrics (`curtail_feed_requests_total`, `curtail_feed_refused_total`,
/// `curtail_feed_published_total`, labelled with the feed's name).
struct FeedOutlet: Sendable {
    /// `ercot`, `hashprice`.
    let feed: String
    let transport: any ControllerTransport
    let statistics: FeedStatistics
    let logger: Logger

    /// Runs the connection and `poll` until graceful shutdown or cancellation, then `farewell`
    /// (while the connection is still up).
    func run(poll: @escaping @Sendable () async throws -> Void, farewell: @Sendable () async -> Void = {}) async throws {
        let transport = self.transport
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await transport.runUntilCancelled() }
            do {
                try await cancelWhenGracefulShutdown { try await poll() }
            } catch is CancellationError {
            }
            if transport.isConnected { await farewell() }
            logger.info("\(feed) feed stopped")
            group.cancelAll()
        }
    }

    /// Publishes `payload` (QoS 1) and counts it as `kind`.
    func publish(_ topic: String, _ payload: some WirePayload, retain: Bool, kind: String) {
        do {
            try transport.enqueue(OutgoingMessage(topic: topic, payload: try payload.encode(), retain: retain), expiry: nil)
            statistics.update { $0.published[kind, default: 0] += 1 }
            Counter(label: "curtail_feed_published_total", dimensions: [("feed", feed), ("kind", kind)]).increment()
        } catch {
            logger.error("could not publish on \(topic): \(error)")
        }
    }

    /// Counts a request to `product` and how it ended.
    func count(_ product: String, _ outcome: String) {
        statistics.update { $0.requests["\(product) \(outcome)", default: 0] += 1 }
        Counter(label: "curtail_feed_requests_total", dimensions: [("feed", feed), ("product", product), ("outcome", outcome)]).increment()
    }

    /// Logs and counts input that was refused.
    func refuse(_ problem: FeedInputError) {
        logger.warning("refused: \(problem.message)")
        statistics.update {
            $0.refused[problem.kind.rawValue, default: 0] += 1
            $0.lastProblem = problem.message
        }
        Counter(label: "curtail_feed_refused_total", dimensions: [("feed", feed), ("reason", problem.kind.rawValue)]).increment()
    }

    /// Remembers a problem that is not the data's (the source unavailable) for the health check.
    func problem(_ text: String) {
        statistics.update { $0.lastProblem = text }
    }
}
