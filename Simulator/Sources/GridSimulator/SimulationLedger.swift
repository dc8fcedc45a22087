/// What the simulated site used and earned, against the same site running flat out.
///
/// Energy and cost integrate the site meter between telemetry samples at the settlement price
/// of the interval; revenue integrates measured hash rate × the day's hash price (before pool
/// fees). Always-on is every miner at nameplate for the same time and prices.
public struct SimulationLedger: Sendable, Hashable {
    public var simulatedSeconds = 0.0
    public var energyMWh = 0.0
    public var energyCostUSD = 0.0
    public var miningRevenueUSD = 0.0
    public var alwaysOnEnergyMWh = 0.0
    public var alwaysOnCostUSD = 0.0
    public var alwaysOnRevenueUSD = 0.0
    /// Commands taken, ignored (not newer, or already expired) and unreadable.
    public var commandsApplied = 0
    public var commandsIgnored = 0
    public var commandsMalformed = 0
    /// Times a group fell back to its safe state because its command expired.
    public var fallbacks = 0
    public var publications = 0
    public var telemetryMessages = 0

    public init() {}

    public var profitUSD: Double { miningRevenueUSD - energyCostUSD }
    public var alwaysOnProfitUSD: Double { alwaysOnRevenueUSD - alwaysOnCostUSD }
}
