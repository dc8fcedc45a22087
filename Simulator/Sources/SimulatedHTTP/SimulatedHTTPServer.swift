public import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP request as a simulated server read it.
public struct SimulatedHTTPRequest: Sendable {
    public var method: String
    /// The path with its query string, as sent.
    public var path: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String, path: String, headers: [(String, String)], body: [UInt8]) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    /// The path without its query string.
    public var route: Substring { path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }

    /// The query's parameters, percent-decoded (`+` is a space), in order.
    public var query: [(String, String)] {
        let parts = path.split(separator: "?", maxSplits: 1)
        guard parts.count == 2 else { return [] }
        return Self.formFields(parts[1])
    }

    /// The first query parameter named `name`.
    public func parameter(_ name: String) -> String? { query.first { $0.0 == name }?.1 }

    /// An `application/x-www-form-urlencoded` body's fields.
    public var form: [(String, String)] { Self.formFields(Substring(decoding: body, as: UTF8.self)) }

    static func formFields(_ text: Substring) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decoded(kv[0]), kv.count > 1 ? decoded(kv[1]) : "")
        }
    }

    static func decoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// An answer.
public struct SimulatedHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A text answer with its content type.
    public init(status: Int, text: String, contentType: String) {
        self.init(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }
}

/// What a simulated server does with a request: answer (after a delay), drop the connection, or
/// never answer.
public enum SimulatedHTTPAnswer: Sendable {
    case respond(SimulatedHTTPResponse, delaySeconds: Double = 0)
    case drop
    case hang
}

/// HTTP/1.1 on a loopback address for the simulator's fake devices and fake market APIs
/// (keep-alive, as real servers): every request goes to `answer`.
public enum SimulatedHTTPServer: Sendable {
    /// Binds `host:port` (0: any free port) and serves until the channel is closed.
    public static func bind(
        group: any EventLoopGroup,
        host: String,
        port: Int,
        answer: @escaping @Sendable (SimulatedHTTPRequest) -> SimulatedHTTPAnswer
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(Handler(answer: answer))
                }
            }
            .bind(host: host, port: port)
            .get()
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let answer: @Sendable (SimulatedHTTPRequest) -> SimulatedHTTPAnswer
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(answer: @escaping @Sendable (SimulatedHTTPRequest) -> SimulatedHTTPAnswer) {
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let buffer):
                if body.count < 1 << 20 { body += buffer.readableBytesView }
            case .end:
                guard let head else { return }
                let request = SimulatedHTTPRequest(
                    method: head.method.rawValue,
                    path: head.uri,
                    headers: head.headers.map { ($0.name, $0.value) },
                    body: body
                )
                switch answer(request) {
                case .hang:
                    return
                case .drop:
                    context.close(promise: nil)
                case .respond(let response, let delay):
                    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                    if delay > 0 {
                        context.eventLoop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) { Self.send(response, head: head, bound) }
                    } else {
                        Self.send(response, head: head, bound)
                    }
                }
            }
        }

        static func send(_ response: SimulatedHTTPResponse, head: HTTPRequestHead, _ bound: NIOLoopBound<ChannelHandlerContext>) {
            let context = bound.value
            let keepAlive = head.isKeepAlive
            var headers = HTTPHeaders(response.headers)
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
            context.write(NIOAny(HTTPServerResponsePart.head(responseHead)), promise: nil)
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
                if !keepAlive { bound.value.close(promise: nil) }
            }
        }
    }
}
