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
    /// Ancillary capacity: what was awarded, held and deployed.
    public var reserve = ReserveLedger()

    public init() {}
}

/// The ancillary side of a ledger.
public struct ReserveLedger: Hashable, Sendable {
    /// MW·h awarded, per product.
    public var awardedMWh = ProductValues.zero
    /// Capacity payments per product, USD (also in ``LedgerTotals/ancillaryRevenueUSD``).
    public var revenueUSD = ProductValues.zero
    /// MW·h awarded but not running (so not deliverable) outside deployments: not paid.
    public var shortfallMWh = 0.0
    /// Hours with an award.
    public var awardedHours = 0
    /// Deployments of an awarded product, and those whose load was not down by the awarded MW
    /// (their payment is forfeited while they last).
    public var deployments = 0
    public var missedDeployments = 0

    public init() {}
}
