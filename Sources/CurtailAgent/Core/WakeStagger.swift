/// The inrush guard: a token bucket per feeder that lets at most N miners (and at most K kW of
/// nameplate) start per second, so a whole site never wakes at once. Sleep never waits.
///
/// Pure: time (seconds) comes in. Each bucket holds at most one second's worth (and at least
/// one miner), so a quiet minute does not bank a burst.
public struct WakeStagger: Sendable {
    public let minersPerSecond: Double
    public let kWPerSecond: Double?
    private var buckets: [String: (miners: Double, kW: Double, at: Double)] = [:]

    public init(minersPerSecond: Double, kWPerSecond: Double?) {
        self.minersPerSecond = minersPerSecond
        self.kWPerSecond = kWPerSecond
    }

    /// Takes a wake of a `kW` miner on `feeder` at `now` if the budget allows it.
    public mutating func take(feeder: String, kW: Double, at now: Double) -> Bool {
        let minerCap = max(1, minersPerSecond)
        let kWCap = kWPerSecond.map { max($0, kW) } ?? .infinity
        var bucket = buckets[feeder] ?? (minerCap, kWCap, now)
        let elapsed = max(0, now - bucket.at)
        bucket.miners = min(minerCap, bucket.miners + elapsed * minersPerSecond)
        if let kWPerSecond { bucket.kW = min(kWCap, bucket.kW + elapsed * kWPerSecond) }
        bucket.at = now
        guard bucket.miners >= 1, bucket.kW >= kW || kWPerSecond == nil else {
            buckets[feeder] = bucket
            return false
        }
        bucket.miners -= 1
        if kWPerSecond != nil { bucket.kW -= kW }
        buckets[feeder] = bucket
        return true
    }
}
