import Synchronization

/// What `/healthz` reports about a running ``Controller``: connected to the broker and deciding.
///
/// The controller updates it; an HTTP handler reads ``check(at:)`` from any thread.
public final class ControllerHealth: Sendable {
    private struct State {
        var connected = false
        var restoring = true
        var lastDecision: ContinuousClock.Instant?
        var failsafe: String?
    }

    private let state = Mutex(State())
    /// Unhealthy when no decision was made for this long (wall time).
    public let maximumSilence: Duration

    public init(maximumSilence: Duration = .seconds(60)) {
        self.maximumSilence = maximumSilence
    }

    func update(connected: Bool? = nil, restoring: Bool? = nil, decidedAt: ContinuousClock.Instant? = nil, failsafe: String?? = nil) {
        state.withLock {
            if let connected { $0.connected = connected }
            if let restoring { $0.restoring = restoring }
            if let decidedAt { $0.lastDecision = decidedAt }
            if let failsafe { $0.failsafe = failsafe }
        }
    }

    /// Healthy when connected, past start-up and deciding; the detail says which failed, and any
    /// failsafe in force.
    public func check(at now: ContinuousClock.Instant = .now) -> (healthy: Bool, detail: String) {
        let s = state.withLock { $0 }
        if !s.connected { return (false, "not connected to the MQTT broker") }
        if s.restoring { return (false, "starting: reading back retained commands and state") }
        guard let last = s.lastDecision else { return (false, "no decision yet") }
        let silence = last.duration(to: now)
        if silence > maximumSilence { return (false, "no decision for \(silence)") }
        return (true, s.failsafe.map { "deciding; failsafe in force: \($0)" } ?? "connected and deciding")
    }
}
