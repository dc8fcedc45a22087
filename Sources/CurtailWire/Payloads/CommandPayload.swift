public import CurtailCore

/// `site/{site}/groups/{group}/command`: a group's target (retained, with MQTT 5 expiry).
///
/// `{"seq": 18, "term": 3, "issued_at": T, "expires_at": T, "miners_running": 80, "power_target_w": 3068,
/// "target_kw": 245.4, "reason": "..."}`. `seq` grows with every command the controller publishes
/// (re-issues included, across takeovers); `term` is the fencing term of the controller that held
/// the site's lease (absent: 0). A miner controller applies a command only when its `(term, seq)`
/// is newer than the last one it applied (``isNewer(thanTerm:seq:)``), so neither a redelivery nor
/// a deposed controller's late command can undo a newer one.
/// A command past `expires_at` is void: the miner controller falls back to its safe state.
/// Power figures are published to 0.1 W and 0.1 kW.
public struct CommandPayload: WirePayload, Hashable {
    public static var payloadName: String { "command" }

    public var seq: Int64
    /// The issuing controller's fencing term (0: none, a controller without a lease).
    public var term: Int64
    public var issuedAt: Timestamp
    public var expiresAt: Timestamp
    public var minersRunning: Int
    /// Per running miner, W (0 when none runs).
    public var powerTargetW: Double
    /// Expected group load, kW (running and sleeping miners).
    public var targetKW: Double
    public var reason: String

    public init(
        seq: Int64,
        term: Int64 = 0,
        issuedAt: Timestamp,
        expiresAt: Timestamp,
        minersRunning: Int,
        powerTargetW: Double,
        targetKW: Double,
        reason: String
    ) {
        self.seq = seq
        self.term = term
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.minersRunning = minersRunning
        self.powerTargetW = powerTargetW
        self.targetKW = targetKW
        self.reason = reason
    }

    /// Same miners and per-miner power (within half a watt) as `other`.
    public func sameTarget(as other: CommandPayload) -> Bool {
        minersRunning == other.minersRunning && abs(powerTargetW - other.powerTargetW) < 0.5
    }

    /// Whether a miner controller that last applied `(term, seq)` must apply this command: a
    /// higher term, or the same term and a higher `seq`.
    public func isNewer(thanTerm appliedTerm: Int64, seq appliedSeq: Int64) -> Bool {
        term > appliedTerm || (term == appliedTerm && seq > appliedSeq)
    }

    /// The target as the dispatcher's type (for resuming after a restart).
    public var groupTarget: GroupTarget {
        GroupTarget(minersRunning: minersRunning, powerTarget: Watts(powerTargetW))
    }

    /// Reads a payload; `what` names it in messages (`retained command of group s21`).
    public init(decoding payload: [UInt8], what: String) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: what)
        self.init(
            seq: try json.int64("seq"),
            term: json.has("term") ? try json.int64("term") : 0,
            issuedAt: try json.timestamp("issued_at"),
            expiresAt: try json.timestamp("expires_at"),
            minersRunning: try json.integer("miners_running", in: 0...100_000_000),
            powerTargetW: try json.number("power_target_w", in: 0...100_000, unit: "W"),
            targetKW: try json.number("target_kw", in: 0...1e9, unit: "kW"),
            reason: try json.optionalString("reason") ?? ""
        )
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        try self.init(decoding: payload, what: Self.payloadName)
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 160 + reason.utf8.count)
        json.field("seq", seq)
        if term > 0 { json.field("term", term) }
        json.field("issued_at", issuedAt)
        json.field("expires_at", expiresAt)
        json.field("miners_running", minersRunning)
        json.field("power_target_w", powerTargetW, places: 1)
        json.field("target_kw", targetKW, places: 1)
        json.field("reason", reason)
        return try json.finish(Self.payloadName)
    }
}
