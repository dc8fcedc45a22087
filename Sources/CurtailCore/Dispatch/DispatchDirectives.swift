/// What the rules decided for one tick, handed to the ``Dispatcher``.
///
/// The policy engine fills one of these per decision (reusing its storage); tests and simple
/// callers can build one directly.
public struct DispatchDirectives: Sendable {
    /// The price the economics compares against break-even (USD/MWh), after rule overrides and
    /// offsets. NaN when no price is known: economics then keep the current state.
    public var price: Double
    /// Hash price (USD/TH/day).
    public var hashPrice: Double
    /// When set, every step's strike is this price instead of its break-even.
    public var strikeOverride: Double?
    /// Added to every step's break-even (or to the override).
    public var strikeOffset: Double
    /// Site cap in MW from the rules (the site's max import always applies too).
    public var capMW: Double
    /// Site floor in MW from the rules (0: none). A cap below the floor wins.
    public var floorMW: Double
    /// Site load the ancillary awards in force require, MW (sleep load plus the MW held; 0:
    /// none). Unlike ``floorMW`` it moves groups the rules forced off or held, and the rules'
    /// caps cannot go below it; a grid event's cap (in ``capMW``) and the curtail failsafe can.
    public var reserveFloorMW: Double
    /// Apply economic changes now, skipping N-interval confirmation.
    public var immediate: Bool
    /// A failsafe in force (stale price, lost broker), or `nil`.
    public var failsafe: FailsafeAction?
    /// Per-group forced states, one per group.
    public var overrides: [GroupOverride]

    /// Directives with no rule effects: reacts to `price` with nothing forced.
    public init(price: Double, hashPrice: Double, groupCount: Int) {
        self.price = price
        self.hashPrice = hashPrice
        self.strikeOverride = nil
        self.strikeOffset = 0
        self.capMW = .infinity
        self.floorMW = 0
        self.reserveFloorMW = 0
        self.immediate = false
        self.failsafe = nil
        self.overrides = Array(repeating: .none, count: groupCount)
    }

    /// Clears every rule effect, keeping storage, for the next tick.
    public mutating func reset(price: Double, hashPrice: Double) {
        self.price = price
        self.hashPrice = hashPrice
        strikeOverride = nil
        strikeOffset = 0
        capMW = .infinity
        floorMW = 0
        reserveFloorMW = 0
        immediate = false
        failsafe = nil
        for index in overrides.indices where overrides[index] != .none { overrides[index] = .none }
    }
}

/// A state a rule forces on one group.
public enum GroupOverride: UInt8, Hashable, Sendable {
    case none
    /// Run every miner at the group's top level (still subject to site caps and minimum off time).
    case forceOn
    /// Put every miner to sleep now (ignores minimum on time: shedding load is always allowed).
    case forceOff
    /// Keep the group exactly where it is (still subject to site caps).
    case hold
}

/// What the dispatcher does while a failsafe condition holds.
public enum FailsafeAction: String, Hashable, Sendable, CaseIterable {
    /// Keep every group where it is (caps still apply).
    case hold
    /// Put every miner to sleep.
    case curtail
}
