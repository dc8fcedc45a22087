public import CurtailCore

/// What a policy did over a window: its money and energy, cycles, and the grid obligations it
/// met. The figures a tuning candidate is scored by.
public struct PolicyLedger: Hashable, Sendable {
    /// Energy, cost, revenue, curtailed energy and cycles of the whole site.
    public var totals = LedgerTotals()
    /// Obligation intervals in the window (official 4CP intervals, when a calendar was given).
    public var obligationIntervals = 0
    /// Obligation intervals in which the site drew more than its sleep load plus 1 % of
    /// nameplate.
    public var unmetObligations = 0

    public init() {}
}
