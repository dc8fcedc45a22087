public import CurtailController
import CurtailCore
import CurtailMQTT
public import CurtailWire
public import Logging
import Metrics
import Synchronization

/// The VEN's side of the MQTT contract: the core behind a lock, what the site says (state,
/// controller status, event reports) in, the core's actions out.
///
/// Publishes `grid/{market}/events`, `grid/{market}/alerts` and `grid/{market}/{node}/price`;
/// reads `site/{site}/state`, `site/{site}/controller/status` and `site/{site}/events/+/report`.
public final class VENContract: Sendable {
    /// Topics the VEN uses.
    public struct Topics: Sendable {
        public var events: String
        public var alerts: String
        public var price: String
        public var state: String
        public var controllerStatus: String
        /// `site/{site}/events/+/report`.
        public var eventReports: String

        public init(_ topics: ControllerTopics) {
            events = topics.events
            alerts = topics.alerts
            price = topics.price
            state = topics.state
            controllerStatus = topics.status
            eventReports = topics.eventReportFilter
        }
    }

    /// Counters for the log and tests.
    public struct Statistics: Sendable, Hashable {
        public var published: [String: Int] = [:]
        public var refused = 0
        public var lastRefusal: String?
        public var requests: [String: Int] = [:]
        public var responses: [EventResponse] = []
    }

    let core: Mutex<VENCore>
    let reports = Mutex<[String: EventReportPayload]>([:])
    let stats = Mutex(Statistics())
    public let topics: Topics
    public let transport: any ControllerTransport
    public let logger: Logger

    public init(core: VENCore, topics: Topics, transport: any ControllerTransport, logger: Logger) {
        self.core = Mutex(core)
        self.topics = topics
        self.transport = transport
        self.logger = logger
    }

    /// A copy of the counters.
    public var statistics: Statistics { stats.withLock { $0 } }

    /// The controller's latest report for `id` (acknowledgement or compliance).
    public func report(for id: String) -> EventReportPayload? { reports.withLock { $0[id] } }

    /// What the VEN knows of the site.
    public var site: SiteObservation { core.withLock { $0.site } }

    /// Follows the site's topics until cancelled.
    func follow() async throws {
        for filter in [topics.state, topics.controllerStatus, topics.eventReports] { try await transport.subscribe(filter) }
        for await message in transport.messages {
            if message.topic == topics.state {
                guard let state = try? StatePayload(decoding: message.payload) else {
                    logger.warning("unreadable site state on \(message.topic); ignored")
                    continue
                }
                core.withLock { $0.site = SiteObservation(state: state) }
            } else if message.topic == topics.controllerStatus {
                let online = String(decoding: message.payload, as: UTF8.self).contains("online")
                core.withLock { $0.site.controllerOnline = online }
            } else if let report = try? EventReportPayload(decoding: message.payload) {
                reports.withLock { $0[report.id] = report }
                if report.status != .acknowledged {
                    logger.info(
                        "controller's compliance for event \(report.id): \(report.status.rawValue), achieved \(report.achievedMW.map { "\($0)" } ?? "?") MW against \(report.targetMW.map { "\($0)" } ?? "?") MW, met: \(report.met.map { "\($0)" } ?? "?")"
                    )
                }
            }
        }
    }

    /// Runs `body` on the core, then carries out its step: publishes, logs, counts. Returns the
    /// answers for the VTN.
    @discardableResult
    func step(_ body: (inout VENCore) -> VENStep) -> [EventResponse] {
        let step = core.withLock { body(&$0) }
        return carry(step)
    }

    func carry(_ step: VENStep) -> [EventResponse] {
        for note in step.notes { logger.info("\(note)") }
        for refusal in step.refusals { refuse(refusal) }
        var responses: [EventResponse] = []
        for action in step.actions {
            switch action {
            case .publishEvent(let event): publish(topics.events, EventPayload(event), retain: false, kind: "event")
            case .cancelEvent(let id): publish(topics.events, EventCancellation(id: id), retain: false, kind: "cancellation")
            case .publishEEA(let level): publish(topics.alerts, AlertPayload.eea(level: level, at: nil), retain: false, kind: "alert")
            case .publishPrice(let price): publish(topics.price, price, retain: price.kind == .realTime, kind: "price")
            case .respond(let response): responses.append(response)
            }
        }
        if !responses.isEmpty { stats.withLock { $0.responses.append(contentsOf: responses) } }
        return responses
    }

    /// Logs and counts input from the VTN that was refused.
    func refuse(_ reason: String) {
        logger.warning("refused: \(reason)")
        stats.withLock {
            $0.refused += 1
            $0.lastRefusal = reason
        }
        Counter(label: "curtail_openadr_refused_total").increment()
    }

    /// Counts a request to the VTN and how it ended.
    func count(_ service: String, _ outcome: String) {
        stats.withLock { $0.requests["\(service) \(outcome)", default: 0] += 1 }
        Counter(label: "curtail_openadr_requests_total", dimensions: [("service", service), ("outcome", outcome)]).increment()
    }

    private func publish(_ topic: String, _ payload: some WirePayload, retain: Bool, kind: String) {
        do {
            try transport.enqueue(OutgoingMessage(topic: topic, payload: try payload.encode(), retain: retain), expiry: nil)
            stats.withLock { $0.published[kind, default: 0] += 1 }
            Counter(label: "curtail_openadr_published_total", dimensions: [("kind", kind)]).increment()
        } catch {
            logger.error("could not publish on \(topic): \(error)")
        }
    }
}
