import NIOHTTP1

/// The HTTP methods the drivers use (kept apart from NIO's type in their signatures).
public enum HTTPMethodName: String, Sendable {
    case GET, POST, PUT

    var nio: HTTPMethod {
        switch self {
        case .GET: .GET
        case .POST: .POST
        case .PUT: .PUT
        }
    }
}
