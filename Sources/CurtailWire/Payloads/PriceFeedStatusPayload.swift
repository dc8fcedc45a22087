public import CurtailCore

/// `grid/{market}/{node}/price/status` (retained, and the feed's MQTT will): whether the price
/// feed behind the price topic is keeping up.
///
/// `{"ts": T, "state": "ok", "last_interval_start": T, "detail": "..."}`. `stale` means the feed
/// runs but its source has produced no new interval for about two intervals: a controller treats
/// its price as stale at once, so the policy's stale-price fail-safe acts without waiting for the
/// price to age. `offline` (the will) means the feed process is gone; the price then ages as usual.
public struct PriceFeedStatusPayload: WirePayload, Hashable {
    /// The feed's condition.
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// New intervals arrive on time.
        case ok
        /// The source has stalled: no new interval for about two intervals.
        case stale
        /// The feed process is not connected (its will).
        case offline
    }

    public static var payloadName: String { "price feed status" }

    /// When the feed said it (absent in the will, which is written at start-up).
    public var ts: Timestamp?
    public var state: State
    /// The newest interval the feed has published.
    public var lastIntervalStart: Timestamp?
    /// Why, in words (for operators; never a secret).
    public var detail: String?

    public init(ts: Timestamp?, state: State, lastIntervalStart: Timestamp? = nil, detail: String? = nil) {
        self.ts = ts
        self.state = state
        self.lastIntervalStart = lastIntervalStart
        self.detail = detail
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        let stateText = try json.string("state")
        guard let state = State(rawValue: stateText) else {
            throw Rejection(.unknownKind, "price feed state must be \"ok\", \"stale\" or \"offline\", found \"\(stateText.prefix(40))\"")
        }
        self.init(
            ts: json.has("ts") ? try json.timestamp("ts") : nil,
            state: state,
            lastIntervalStart: json.has("last_interval_start") ? try json.timestamp("last_interval_start") : nil,
            detail: try json.optionalString("detail")
        )
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 160)
        json.field("ts", ts)
        json.field("state", state.rawValue)
        json.field("last_interval_start", lastIntervalStart)
        json.field("detail", detail)
        return try json.finish(Self.payloadName)
    }
}
