/// Why a call to ERCOT's API failed, and so what the feed does next.
public struct ERCOTAPIError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; also the `outcome` label of `curtail_feed_requests_total`.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// 401: the token expired or was revoked; a new one is fetched before the next poll.
        case unauthorized
        /// 429: too many requests; the next poll waits (``retryAfter`` if the server said).
        case rateLimited = "rate_limited"
        /// 5xx: ERCOT's side; retried with backoff.
        case server
        /// Another 4xx: a wrong product path or parameter; retried with backoff, logged loudly.
        case refused
        /// The token endpoint refused the credentials: check the user name, password and key.
        case credentialsRefused = "credentials_refused"
        /// The answer is not a report page.
        case malformed
        /// No answer (DNS, TCP, TLS, timeout).
        case unreachable
    }

    /// The failure's kind.
    public var kind: Kind
    /// What happened, naming the product and the status (never a header).
    public var message: String
    /// How long the server asked to wait (429's `Retry-After`).
    public var retryAfter: Duration?

    public init(_ kind: Kind, _ message: String, retryAfter: Duration? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { message }
}
