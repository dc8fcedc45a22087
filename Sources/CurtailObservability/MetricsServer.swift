public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import Prometheus
public import ServiceLifecycle

/// The operator's HTTP endpoint: `GET /metrics` (Prometheus text format from a
/// ``PrometheusCollectorRegistry``) and `GET /healthz` (200 `ok` or 503 with the reason).
///
/// A swift-service-lifecycle ``Service`` on swift-nio's HTTP/1.1 server; it stops on graceful
/// shutdown. Bind it to loopback (the default) unless a scraper on another host needs it.
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

    public init(host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger, health: @escaping @Sendable () -> Health) {
        self.host = host
        self.port = port
        self.registry = registry
        self.health = health
        self.logger = logger
    }

    /// Serves until graceful shutdown or cancellation.
    ///
    /// - Throws: when the address cannot be bound (in use, no permission); the error names it.
    public func run() async throws {
        let registry = self.registry
        let health = self.health
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { child in
                    child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.configureHTTPServerPipeline()
                        try child.pipeline.syncOperations.addHandler(Handler(registry: registry, health: health))
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            throw MetricsServerError("cannot serve metrics on \(host):\(port): \(error); choose another --metrics address")
        }
        logger.info("serving /metrics and /healthz", metadata: ["http.address": "\(host):\(port)"])
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
        }
    }

    /// Answers one request per connection turn: the path decides, everything else is 404/405.
    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let registry: PrometheusCollectorRegistry
        let health: @Sendable () -> Health
        private var request: HTTPRequestHead?

        init(registry: PrometheusCollectorRegistry, health: @escaping @Sendable () -> Health) {
            self.registry = registry
            self.health = health
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                request = head
            case .body:
                break
            case .end:
                guard let head = request else { return }
                request = nil
                respond(to: head, context: context)
            }
        }

        private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            var status = HTTPResponseStatus.ok
            var contentType = "text/plain; charset=utf-8"
            var body: [UInt8]
            if head.method != .GET && head.method != .HEAD {
                status = .methodNotAllowed
                body = Array("only GET\n".utf8)
            } else if path == "/metrics" {
                contentType = "text/plain; version=0.0.4; charset=utf-8"
                body = registry.emitToBuffer()
            } else if path == "/healthz" {
                let check = health()
                status = check.healthy ? .ok : .serviceUnavailable
                body = Array(((check.healthy ? "ok: " : "unhealthy: ") + check.detail + "\n").utf8)
            } else {
                status = .notFound
                body = Array("not found; try /metrics or /healthz\n".utf8)
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(body.count))
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            }
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}

/// The metrics endpoint could not start.
public struct MetricsServerError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
