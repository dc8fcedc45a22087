public import CurtailCore
public import CurtailWire

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
    /// The clock as the simulator announces it (retained on `sim/clock`), so a controller in
    /// another process reads the same simulated time.
    public var announcement: ClockAnnouncement {
        ClockAnnouncement(start: start, rate: rate, wallOrigin: wallOrigin)
    }

    /// The clock an announcement describes.
    public init(_ announcement: ClockAnnouncement) {
        self.init(start: announcement.start, rate: announcement.rate, wallOrigin: announcement.wallOrigin)
    }
}
