/// Timestamps are the instants of Curtail's clocks: the live controller and the simulator run
/// on a `Clock` whose `Instant` is a ``Timestamp``, so the same code runs on wall time or on a
/// simulated day played a thousand times faster.
extension Timestamp: InstantProtocol {
    public typealias Duration = Swift.Duration

    /// This timestamp moved by `duration` (millisecond resolution).
    public func advanced(by duration: Duration) -> Timestamp {
        let (seconds, attoseconds) = duration.components
        return Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// The duration from this timestamp to `other` (negative when `other` is earlier).
    public func duration(to other: Timestamp) -> Duration {
        .milliseconds(other.millisecondsSinceEpoch - millisecondsSinceEpoch)
    }
}
