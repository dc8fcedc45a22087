public import CurtailCore

/// `site/{site}/controller/leader` (retained): the lease that makes one controller of a site the
/// active one.
///
/// `{"holder": "curtail-west-texas-1-box-a-1", "term": 7, "expires_at": T}`. The holder renews it
/// well inside its life; `term` grows with every takeover and is stamped on every command, so a
/// miner controller can ignore a deposed controller's commands. On graceful shutdown the holder
/// publishes it with `"released": true` (and `expires_at` then): a standby may take over at once.
public struct LeaderPayload: WirePayload, Hashable {
    public static var payloadName: String { "leader record" }

    /// The holder's MQTT client id (unique per controller instance).
    public var holder: String
    /// The fencing term: only grows across takeovers.
    public var term: Int64
    /// When the lease lapses unless renewed (site time).
    public var expiresAt: Timestamp
    /// The holder gave the lease up (graceful shutdown).
    public var released: Bool

    public init(holder: String, term: Int64, expiresAt: Timestamp, released: Bool = false) {
        self.holder = holder
        self.term = term
        self.expiresAt = expiresAt
        self.released = released
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        let holder = try json.string("holder")
        guard !holder.isEmpty, holder.utf8.count <= 256 else {
            throw Rejection(.outOfRange, "leader record: 'holder' must be 1 to 256 bytes (a controller's client id), found \(holder.utf8.count)")
        }
        let term = try json.int64("term")
        guard term >= 1 else { throw Rejection(.outOfRange, "leader record: 'term' must be at least 1, found \(term)") }
        self.init(
            holder: holder,
            term: term,
            expiresAt: try json.timestamp("expires_at"),
            released: json.has("released") ? try json.bool("released") : false
        )
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 96 + holder.utf8.count)
        json.field("holder", holder)
        json.field("term", term)
        json.field("expires_at", expiresAt)
        if released { json.field("released", true) }
        return try json.finish(Self.payloadName)
    }
}
