import Synchronization

/// What `/healthz` reports about a running ``Controller``: connected to the broker and deciding
/// (active), or following the active controller (standby).
///
/// The controller updates it; an HTTP handler reads ``check(at:)`` from any thread.
public final class ControllerHealth: Sendable {
    private struct State {
        var connected = false
        var role: LeaderLease.Role = .starting
        var term: Int64 = 0
        var leader: String?
        var lastDecision: ContinuousClock.Instant?
        var failsafe: String?
        var lastBeat: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    /// Unhealthy when no decision was made for this long (wall time).
    public let maximumSilence: Duration

    public init(maximumSilence: Duration = .seconds(60)) {
        self.maximumSilence = maximumSilence
    }

    func update(role: LeaderLease.Role, term: Int64, leader: String?) {
        state.withLock {
            $0.role = role
            $0.term = term
            $0.leader = leader
            if role != .active { $0.lastDecision = nil }
        }
    }

    func update(connected: Bool? = nil, decidedAt: ContinuousClock.Instant? = nil, failsafe: String?? = nil) {
        state.withLock {
            if let connected { $0.connected = connected }
            if let decidedAt { $0.lastDecision = decidedAt }
            if let failsafe { $0.failsafe = failsafe }
        }
    }

    /// The controller's loop went round (an input or a tick): it is alive, whatever it decides.
    func beat(at now: ContinuousClock.Instant = .now) {
        state.withLock { $0.lastBeat = now }
    }

    /// Start-up is over: connected, and the lease settled (active or standby). What a service
    /// manager's "ready" means.
    public var isReady: Bool {
        state.withLock { $0.connected && ($0.role == .active || $0.role == .standby) }
    }

    /// Whether the loop went round within `window`: what a service manager's watchdog checks.
    /// A controller that cannot decide (no price yet, the broker gone) is alive; a hung one is not.
    public func isAlive(within window: Duration, at now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { $0.lastBeat.map { $0.duration(to: now) <= window } ?? false }
    }

    /// Healthy when connected and either active and deciding, or standing by (following the
    /// active controller, ready to take over); the detail says which, or what failed, and any
    /// failsafe in force.
    public func check(at now: ContinuousClock.Instant = .now) -> (healthy: Bool, detail: String) {
        let s = state.withLock { $0 }
        if !s.connected { return (false, "not connected to the MQTT broker") }
        switch s.role {
        case .starting: return (false, "starting: reading back the lease record, retained commands and state")
        case .claiming: return (false, "claiming the site's lease (term \(s.term))")
        case .standby: return (true, "standby: following \(s.leader ?? "the active controller"); takes over if its lease lapses")
        case .active: break
        }
        guard let last = s.lastDecision else { return (false, "active (term \(s.term)); no decision yet") }
        let silence = last.duration(to: now)
        if silence > maximumSilence { return (false, "active (term \(s.term)); no decision for \(silence)") }
        return (true, "active (term \(s.term)): " + (s.failsafe.map { "deciding; failsafe in force: \($0)" } ?? "connected and deciding"))
    }
}
