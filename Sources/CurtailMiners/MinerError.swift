/// Why talking to a miner failed: a kind the agent acts on (retry, back off, mark the miner) and a
/// message for the operator. Messages never carry credentials.
public struct MinerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as the agent sorts it.
    public enum Kind: String, Hashable, Sendable {
        /// No connection: refused, no route, DNS.
        case unreachable
        /// Connected, but no (complete) answer in time.
        case timeout
        /// An answer that is not what the protocol says: garbage, truncated, wrong types.
        case malformed
        /// An answer larger than any real reply (the agent stops reading).
        case oversized
        /// The miner said no: an error status, an HTTP error, a value outside its limits.
        case refused
        /// Login failed: wrong user or password.
        case authentication
        /// Another client holds the miner (a LuxOS session); try again later.
        case busy
    }

    public var kind: Kind
    /// What happened, for logs and the per-miner status (no secrets).
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Whether trying again later may succeed (everything but a refusal or a bad password).
    public var isTransient: Bool { kind != .refused && kind != .authentication }

    public var description: String { "\(kind.rawValue): \(message)" }
}
