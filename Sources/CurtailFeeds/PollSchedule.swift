public import CurtailCore

/// When to poll one product next: on its period, never more often than its floor, and backing
/// off after failures.
///
/// ERCOT's terms allow a product to be queried at most three times per generation cycle (a
/// 5-minute SCED product every 100 s, a 15-minute one every 5 minutes). A failed request counts
/// as a query, so a retry waits at least the floor too; consecutive failures double the wait
/// from the period up to ``maximumBackoff``, and a server's `Retry-After` is honoured when longer.
public struct PollSchedule: Sendable, Hashable {
    /// The wait between successful polls.
    public let period: Duration
    /// The shortest wait ever allowed (the provider's rule).
    public let floor: Duration
    /// The longest wait after failures.
    public let maximumBackoff: Duration
    /// Failures since the last success.
    public private(set) var failures = 0
    /// When the next poll is due (`nil`: now).
    public private(set) var due: Timestamp?

    /// A schedule polling every `period`, but never more often than `floor`.
    public init(period: Duration, floor: Duration, maximumBackoff: Duration = .seconds(900)) {
        self.floor = floor
        self.period = max(period, floor)
        self.maximumBackoff = max(maximumBackoff, self.period)
    }

    /// Whether a poll is due at `now`.
    public func isDue(at now: Timestamp) -> Bool { due.map { now >= $0 } ?? true }

    /// After a successful poll at `now`.
    public mutating func succeeded(at now: Timestamp) {
        failures = 0
        due = now.advanced(by: period)
    }

    /// After a failed poll at `now`; `retryAfter` is the server's wish, if any. Returns the wait.
    @discardableResult
    public mutating func failed(at now: Timestamp, retryAfter: Duration? = nil) -> Duration {
        failures += 1
        var wait = period
        for _ in 1..<min(failures, 16) { wait = min(wait * 2, maximumBackoff) }
        if let retryAfter { wait = max(wait, min(retryAfter, maximumBackoff)) }
        wait = max(wait, floor)
        due = now.advanced(by: wait)
        return wait
    }
}
