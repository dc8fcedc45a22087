public import CurtailCore

/// The under-frequency relay as a small state machine: it trips the site to a cap when the
/// frequency falls below the trip setting, and releases once the frequency has stayed at or above
/// the recovery setting for the recovery time. It returns what changed; the core acts on it.
public struct UnderFrequencyRelay: Sendable {
    /// What an observation did.
    public enum Action: Hashable, Sendable {
        /// Nothing changed.
        case none
        /// Tripped: the site is capped at `capMW` from now on.
        case trip(capMW: Double, note: String)
        /// Released: the cap is lifted.
        case release(note: String)
    }

    /// The relay's settings; `nil`: the site has no under-frequency relay.
    public let settings: ControllerConfiguration.UnderFrequencyTrip?
    /// When it tripped, to what cap, and at what frequency; `nil` when not tripped.
    public private(set) var tripped: (at: Timestamp, capMW: Double, hz: Double)?
    private var recoveringSince: Timestamp?

    public init(settings: ControllerConfiguration.UnderFrequencyTrip?) {
        self.settings = settings
    }

    /// Whether the relay holds the site capped.
    public var isTripped: Bool { tripped != nil }

    /// Observes `hz` stamped `at`, received at `now`, with the site measured at `measuredMW`
    /// (what a `shed_mw` setting sheds from).
    public mutating func observe(hz: Double, at: Timestamp, now: Timestamp, measuredMW: Double) -> Action {
        guard let settings else { return .none }
        guard tripped != nil else {
            guard hz < settings.tripHz else { return .none }
            let cap = settings.shedMW.map { max(0, measuredMW - $0) } ?? 0
            tripped = (now, cap, hz)
            recoveringSince = nil
            return .trip(capMW: cap, note: "under-frequency trip: \(hz) Hz < \(settings.tripHz) Hz, site capped at \(cap) MW")
        }
        if hz < settings.recoverHz {
            recoveringSince = nil
            return .none
        }
        let since = recoveringSince ?? at
        recoveringSince = since
        guard since.duration(to: at) >= settings.recoverAfter else { return .none }
        tripped = nil
        recoveringSince = nil
        return .release(note: "under-frequency trip released: \(hz) Hz for \(describe(settings.recoverAfter))")
    }
}
