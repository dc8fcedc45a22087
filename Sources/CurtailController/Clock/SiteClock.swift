public import CurtailCore

/// The clock a controller or simulator runs on: its instants are ``Timestamp``s.
///
/// Live, that is ``WallClock``. In the demo and the end-to-end tests it is a ``ScaledClock``
/// that plays a historical day a thousand times faster; controller and simulator share one,
/// so everything (price intervals, event deadlines, command expiry, miner wake times) happens
/// in the same simulated time.
public protocol SiteClock: Clock where Instant == Timestamp, Duration == Swift.Duration {
    /// Clock seconds per wall-clock second: 1 for the wall clock, 1440 for a day in a minute.
    var rate: Double { get }
}

extension SiteClock {
    /// How long `duration` of clock time takes in wall-clock time (never less than 1 ms).
    public func wallDuration(of duration: Duration) -> Duration {
        let seconds = duration.inSeconds
        return .milliseconds(max(1, Int64((seconds / rate * 1000).rounded(.up))))
    }
}
