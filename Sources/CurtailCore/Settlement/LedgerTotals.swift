/// Money and energy over a window, for one schedule (the policy, always-on or the oracle).
public struct LedgerTotals: Hashable, Sendable {
    /// Energy drawn, MWh.
    public var energyMWh = 0.0
    /// Energy bought at the market price plus adders, USD.
    public var energyCostUSD = 0.0
    /// 4CP transmission charges caused by the load in the 4CP intervals of the window, USD.
    public var transmissionUSD = 0.0
    /// Mining revenue: TH·days × hash price × (1 − pool fee), USD.
    public var miningRevenueUSD = 0.0
    /// Ancillary capacity payments: awarded MW held × clearing price, USD.
    public var ancillaryRevenueUSD = 0.0
    /// Energy not drawn compared with always-on, MWh (0 for always-on itself).
    public var curtailedMWh = 0.0
    /// Wake-ups, in whole-group equivalents (1,000 miners woken in a 1,000-miner group is one cycle).
    public var cycles = 0.0

    public init() {}

    /// Mining and ancillary revenue minus energy and transmission costs, USD.
    public var profitUSD: Double { miningRevenueUSD + ancillaryRevenueUSD - energyCostUSD - transmissionUSD }

    /// Settles one interval: `megawatts` held through interval `t`, `terahash` TH/s hashing
    /// on average over it.
    @inline(__always)
    public mutating func settle(megawatts: Double, terahash: Double, at t: Int, in series: SettlementSeries) {
        let hours = series.intervalHours
        energyMWh += megawatts * hours
        energyCostUSD += megawatts * series.energyPrice[t] * hours
        transmissionUSD += megawatts * series.transmissionPerMW[t]
        miningRevenueUSD += terahash * series.revenuePerTerahash[t]
    }
}
