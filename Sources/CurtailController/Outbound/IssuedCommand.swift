public import CurtailCore

/// A command published to one group's command topic (retained, with MQTT 5 message expiry).
///
/// Payload: `{"seq": 18, "issued_at": T, "expires_at": T, "miners_running": 80,
/// "power_target_w": 3068, "target_kw": 245.4, "reason": "..."}`. `seq` grows with every
/// command the controller publishes (re-issues included), so a miner controller can drop
/// anything not newer than what it applied. A command past `expires_at` is void: the miner
/// controller falls back to its safe state.
public struct IssuedCommand: Hashable, Sendable {
    public var seq: Int64
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
        issuedAt: Timestamp,
        expiresAt: Timestamp,
        minersRunning: Int,
        powerTargetW: Double,
        targetKW: Double,
        reason: String
    ) {
        self.seq = seq
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.minersRunning = minersRunning
        self.powerTargetW = powerTargetW
        self.targetKW = targetKW
        self.reason = reason
    }

    /// Same miners and per-miner power (within half a watt) as `other`.
    public func sameTarget(as other: IssuedCommand) -> Bool {
        minersRunning == other.minersRunning && abs(powerTargetW - other.powerTargetW) < 0.5
    }

    /// The target as the dispatcher's type (for resuming after a restart).
    public var groupTarget: GroupTarget {
        GroupTarget(minersRunning: minersRunning, powerTarget: Watts(powerTargetW))
    }

    /// The JSON payload, built directly: a command is published per group per change, on the
    /// controller's hot path.
    public var payload: [UInt8] {
        var text = "{\"seq\":"
        text.reserveCapacity(160 + reason.utf8.count)
        text += String(seq)
        text += ",\"issued_at\":\""
        text += issuedAt.iso8601
        text += "\",\"expires_at\":\""
        text += expiresAt.iso8601
        text += "\",\"miners_running\":"
        text += String(minersRunning)
        text += ",\"power_target_w\":"
        text += JSONText.number(PayloadEncoder.rounded(powerTargetW, 1) ?? 0)
        text += ",\"target_kw\":"
        text += JSONText.number(PayloadEncoder.rounded(targetKW, 1) ?? 0)
        text += ",\"reason\":"
        JSONText.appendString(reason, to: &text)
        text += "}"
        return Array(text.utf8)
    }
}
