/// Break-even power prices: the grid price at which mining with a miner earns exactly what
/// its power costs.
///
/// `break-even [USD/MWh] = hashprice · (1 − pool fee) · H / (24 h · P [MW])`, i.e.
/// `hashprice · 10⁶ / (24 · J/TH)` at nameplate with no pool fee. An Antminer S19j Pro
/// (104 TH/s, 3068 W) at 0.05 USD/TH/day breaks even at 70.6 USD/MWh.
public enum BreakEven: Sendable {
    /// Break-even price of running at `power` with `hashrate`.
    public static func price(
        hashPrice: USDPerTerahashDay,
        poolFee: Double = 0,
        hashrate: TerahashPerSecond,
        power: Watts
    ) -> USDPerMWh {
        USDPerMWh(revenuePerMWhFactor(hashPrice: hashPrice, poolFee: poolFee) * hashrate.value / power.value)
    }

    /// Break-even price of an efficiency.
    public static func price(hashPrice: USDPerTerahashDay, poolFee: Double = 0, efficiency: JoulesPerTerahash) -> USDPerMWh {
        USDPerMWh(revenuePerMWhFactor(hashPrice: hashPrice, poolFee: poolFee) / efficiency.value)
    }

    /// The factor `k` such that break-even [USD/MWh] = `k` · TH/s per W.
    ///
    /// One W running a day uses 24·10⁻⁶ MWh; one TH/s earns `hashprice · (1 − fee)` per day.
    public static func revenuePerMWhFactor(hashPrice: USDPerTerahashDay, poolFee: Double) -> Double {
        hashPrice.value * (1 - poolFee) * 1_000_000 / 24
    }
}
