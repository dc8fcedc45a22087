import CurtailWire
import Hummingbird
public import Logging
import NIOCore
public import Prometheus
public import ServiceLifecycle

/// The operator's HTTP endpoint, on Hummingbird: `GET /metrics` (Prometheus text format from a
/// ``PrometheusCollectorRegistry``), `GET /healthz` (200 `ok` or 503 with the reason) and, with a
/// ``LiveFeed``, the live page at `GET /` and its server-sent events at `GET /events`.
///
/// A swift-service-lifecycle ``Service``; it stops on graceful shutdown. Read-only: every other
/// method or path is 404, and malformed requests get Hummingbird's 4xx.
public struct MetricsServer: Service {
    /// The answer of the health check.
    public struct Health: Sendable {
        public var healthy: Bool
        /// A line for the operator (why it is unhealthy, or what it checked).
        public var detail: String

        public init(healthy: Bool, detail: String) {
            self.healthy = healthy
            self.detail = detail
        }
    }

    public let host: String
    public let port: Int
    public let registry: PrometheusCollectorRegistry
    public let health: @Sendable () -> Health
    public let logger: Logger
    /// What the live page shows; `nil`: no page (only /metrics and /healthz).
    public let liveFeed: LiveFeed?
    /// The page's title (the site id).
    public let title: String

    public init(
        host: String,
        port: Int,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        liveFeed: LiveFeed? = nil,
        title: String = "Curtail",
        health: @escaping @Sendable () -> Health
    ) {
        self.host = host
        self.port = port
        self.registry = registry
        self.health = health
        self.logger = logger
        self.liveFeed = liveFeed
        self.title = title
    }

    /// Whether `host` is a loopback address (the only place the live page is served without a
    /// reverse proxy in front).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Serves until graceful shutdown or cancellation.
    ///
    /// - Throws: ``MetricsServerError`` when the address cannot be bound (in use, no permission).
    public func run() async throws {
        let registry = self.registry
        let health = self.health
        let router = Router()
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/healthz") { _, _ in
            let check = health()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            let text = (check.healthy ? "ok: " : "unhealthy: ") + check.detail + "\n"
            return Response(status: check.healthy ? .ok : .serviceUnavailable, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        if let feed = liveFeed {
            let page = LivePage.html(title: title)
            router.get("/") { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = "text/html; charset=utf-8"
                headers[.cacheControl] = "no-store"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
            }
            // The page's view of /healthz: always 200, so a browser logs no failed request while
            // the controller is (rightly) unhealthy.
            router.get("/health.json") { _, _ in
                let check = health()
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                headers[.cacheControl] = "no-store"
                var json = JSONWriter(capacity: 80)
                json.field("healthy", check.healthy)
                json.field("detail", check.detail)
                let body = (try? json.finish("health")) ?? Array("{}".utf8)  // no numbers: cannot fail
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
            router.get("/events") { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = "text/event-stream"
                headers[.cacheControl] = "no-store"
                let stream = feed.subscribe()
                return Response(
                    status: .ok,
                    headers: headers,
                    body: .init { writer in
                        // Ends with the page, with the feed (closed at shutdown), or on graceful shutdown:
                        // an open page never holds the process up.
                        for await event in stream.cancelOnGracefulShutdown() { try await writer.write(ByteBuffer(string: event)) }
                        try await writer.finish(nil)
                    }
                )
            }
        }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "curtail"),
            logger: logger
        )
        logger.info(
            "serving \(liveFeed == nil ? "" : "the live page at /, ")/metrics and /healthz",
            metadata: ["http.address": "\(host):\(port)"]
        )
        do {
            try await application.run()
        } catch {
            throw MetricsServerError("cannot serve metrics on \(host):\(port): \(error); choose another --metrics address")
        }
    }
}

/// The metrics endpoint could not start.
public struct MetricsServerError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
