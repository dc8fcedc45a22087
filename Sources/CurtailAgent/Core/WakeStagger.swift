/// The inrush guard: a token bucket per feeder that lets at most N miners (and at most K kW of
/// nameplate) start per second, so a whole site never wakes at once. Sleep never waits.
///
/// Pure: time (seconds) comes in. Each bucket holds at most 4 % of a second's worth (and at
/// least one miner), so wakes leave evenly spaced, no one-second window holds more than the rate
/// plus that 4 %, and a quiet minute banks no burst. The agent ticks every 20 ms: the cap is two
/// ticks' worth, so a tick up to 20 ms late loses nothing.
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
        let minerCap = max(1, minersPerSecond * 0.04)
        let kWCap = kWPerSecond.map { max($0 * 0.04, kW) } ?? .infinity
        var bucket = buckets[feeder] ?? (minerCap, kWCap, now)
        let elapsed = max(0, now - bucket.at)
        bucket.miners = min(minerCap, bucket.miners + elapsed * minersPerSecond)
        if let kWPerSecond { bucket.kW = min(kWCap, bucket.kW + elapsed * kWPerSecond) }
        bucket.at = now
        // A hair of tolerance: tokens summed tick by tick carry rounding.
        guard bucket.miners + 1e-9 >= 1, bucket.kW + 1e-9 >= kW || kWPerSecond == nil else {
            buckets[feeder] = bucket
            return false
        }
        bucket.miners -= 1
        if kWPerSecond != nil { bucket.kW -= kW }
        buckets[feeder] = bucket
        return true
    }
}
