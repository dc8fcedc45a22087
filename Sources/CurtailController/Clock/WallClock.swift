public import CurtailCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Real time: UTC from the system clock. Sleeps follow the monotonic clock, so a wall-clock
/// step (NTP) moves `now` but does not stretch or cut a sleep.
public struct WallClock: SiteClock, Sendable {
    public init() {}

    public var rate: Double { 1 }

    public var now: Timestamp { Self.systemNow() }

    public var minimumResolution: Duration { .milliseconds(1) }

    public func sleep(until deadline: Timestamp, tolerance: Duration?) async throws {
        let wait = now.duration(to: deadline)
        guard wait > .zero else { return }
        try await ContinuousClock().sleep(for: wait, tolerance: tolerance)
    }

    /// UTC now, from `CLOCK_REALTIME`.
    static func systemNow() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
