public import CurtailCore

/// Simulated time that runs `rate` times faster than the wall clock from `start`.
///
/// `now` is `start + rate × (wall now − wallOrigin)`: two processes on one machine that agree
/// on `start`, `rate` and `wallOrigin` (the simulator announces them on its clock topic) read
/// the same simulated time.
public struct ScaledClock: SiteClock, Sendable {
    /// The simulated instant at `wallOrigin`.
    public let start: Timestamp
    /// Simulated seconds per wall-clock second.
    public let rate: Double
    /// The wall-clock instant that maps to `start`.
    public let wallOrigin: Timestamp

    /// A clock starting at `start` now (or at `wallOrigin`), running `rate` times real time.
    ///
    /// - Precondition: `rate > 0`.
    public init(start: Timestamp, rate: Double, wallOrigin: Timestamp? = nil) {
        precondition(rate > 0 && rate.isFinite, "a clock rate must be positive")
        self.start = start
        self.rate = rate
        self.wallOrigin = wallOrigin ?? WallClock.systemNow()
    }

    public var now: Timestamp {
        let wallElapsed = Double(WallClock.systemNow().millisecondsSinceEpoch - wallOrigin.millisecondsSinceEpoch)
        return Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + Int64((wallElapsed * rate).rounded(.down)))
    }

    public var minimumResolution: Duration { .milliseconds(1) }

    public func sleep(until deadline: Timestamp, tolerance: Duration?) async throws {
        let wait = now.duration(to: deadline)
        guard wait > .zero else { return }
        try await ContinuousClock().sleep(for: wallDuration(of: wait), tolerance: nil)
    }
}

// MARK: - Announcement

extension ScaledClock {
    /// The clock as JSON, `{"start": T, "rate": 1440, "wall_origin": T}`: what the simulator
    /// publishes (retained) so a controller in another process reads the same simulated time.
    public var announcement: String {
        "{\"start\":\"\(start.iso8601)\",\"rate\":\(rate),\"wall_origin\":\"\(wallOrigin.iso8601)\"}"
    }

    /// Reads an ``announcement``.
    ///
    /// - Throws: ``Rejection`` naming the field that is missing or wrong.
    public init(announcement payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: "clock announcement")
        let rate = try json.number("rate", in: 0.001...1e7)
        self.init(start: try json.timestamp("start"), rate: rate, wallOrigin: try json.timestamp("wall_origin"))
    }
}
