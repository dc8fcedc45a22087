import Synchronization

/// What a feed has done since it started, shared with its health check and the tests: requests
/// by product and outcome, refusals by reason, publications by kind, and whether it is stale.
public final class FeedStatistics: Sendable {
    /// A copy of the numbers.
    public struct Snapshot: Sendable, Equatable {
        /// `product outcome` → count (`NP6-905-CD ok`, `NP6-788-CD rate_limited`).
        public var requests: [String: Int] = [:]
        /// Refused inputs by ``FeedInputError/Kind`` raw value.
        public var refused: [String: Int] = [:]
        /// Publications by kind (`provisional`, `final`, `corrected`, `status`, `eea`, `hashprice`).
        public var published: [String: Int] = [:]
        /// Whether the feed says it is stale.
        public var stale = false
        /// The last problem, in words.
        public var lastProblem: String?
    }

    private let state = Mutex(Snapshot())

    public init() {}

    /// The numbers now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) { state.withLock { body(&$0) } }
}
