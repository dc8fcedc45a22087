public import AsyncHTTPClient
import NIOCore
public import NIOHTTP1

/// HTTP(S) for the feeds through one shared `HTTPClient`: every request has a deadline, bodies are
/// read up to a limit, and a failure names the URL's path, never a header (keys and tokens travel
/// only in headers, so they cannot reach a message).
public struct FeedHTTP: Sendable {
    /// An answer: status, headers, body.
    public struct Response: Sendable {
        /// The HTTP status code.
        public var status: Int
        /// Response headers, in order.
        public var headers: [(String, String)]
        /// The body, at most ``FeedHTTP/maximumBodyBytes``.
        public var body: [UInt8]

        /// The first header named `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    /// Why a request got no answer.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The shared client (its pool keeps connections between polls).
    public let client: HTTPClient
    /// The whole exchange's deadline.
    public var timeout: Duration
    /// Larger answers are refused.
    public var maximumBodyBytes: Int

    public init(client: HTTPClient, timeout: Duration = .seconds(30), maximumBodyBytes: Int = 16 << 20) {
        self.client = client
        self.timeout = timeout
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Sends one request (with a form, or a body of a content type) and reads the whole answer
    /// within ``timeout``.
    public func send(
        _ method: HTTPMethod,
        _ url: String,
        headers: [(String, String)] = [],
        form: [(String, String)]? = nil,
        body: (contentType: String, bytes: [UInt8])? = nil
    ) async throws(Failure) -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.formEncoded(form)))
        } else if let body {
            request.headers.add(name: "Content-Type", value: body.contentType)
            request.body = .bytes(ByteBuffer(bytes: body.bytes))
        }
        let shown = Self.withoutQuery(url)
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout / .milliseconds(1))))
            let buffer = try await response.body.collect(upTo: maximumBodyBytes)
            return Response(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer.readableBytesView)
            )
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw Failure(description: "\(method.rawValue) \(shown): no answer within \(timeout)")
        } catch is NIOTooManyBytesError {
            throw Failure(description: "\(method.rawValue) \(shown): the answer is larger than \(maximumBodyBytes) bytes")
        } catch {
            throw Failure(description: "\(method.rawValue) \(shown) failed: \(error)")
        }
    }

    /// `application/x-www-form-urlencoded` (RFC 3986 unreserved characters kept).
    public static func formEncoded(_ fields: [(String, String)]) -> String {
        fields.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
    }

    /// A query string from parameters, percent-encoded.
    public static func query(_ parameters: [(String, String)]) -> String {
        parameters.isEmpty ? "" : "?" + formEncoded(parameters)
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// The URL without its query string, for messages.
    public static func withoutQuery(_ url: String) -> String {
        url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
    }
}
