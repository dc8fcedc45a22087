public import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// HTTP to miners' web APIs (Braiins OS REST, the stock Antminer CGI) through one shared
/// `HTTPClient`: every request has a deadline, bodies are read up to a limit, and failures become
/// ``MinerError``s that name the path, never a header (tokens and digests stay out of messages).
public struct MinerHTTP: Sendable {
    /// An answer: status, headers and body.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        /// The first header named `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public let client: HTTPClient
    public let host: String
    public let port: Int
    public var maximumBodyBytes: Int

    public init(client: HTTPClient, host: String, port: Int, maximumBodyBytes: Int = 1 << 20) {
        self.client = client
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// `host:port`.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Sends one request and reads the whole answer within `timeout`.
    public func send(
        _ method: HTTPMethodName,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration
    ) async throws(MinerError) -> Response {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        var request = HTTPClientRequest(url: "http://\(host):\(port)\(path)")
        request.method = method.nio
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let deadline = TimeAmount.milliseconds(Int64(timeout / .milliseconds(1)))
        do {
            let response = try await client.execute(request, timeout: deadline)
            let buffer = try await response.body.collect(upTo: maximumBodyBytes)
            return Response(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer.readableBytesView)
            )
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw MinerError(.timeout, "\(address) did not answer \(method.rawValue) \(path) within \(timeout)")
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw MinerError(.oversized, "\(address) sent more than \(maximumBodyBytes) bytes for \(method.rawValue) \(path)")
        } catch {
            throw MinerError(.unreachable, "\(method.rawValue) \(path) on \(address) failed: \(error)")
        }
    }
}
