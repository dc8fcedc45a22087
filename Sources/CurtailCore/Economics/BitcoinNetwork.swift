/// Bitcoin network economics: the block subsidy and hash price from first principles.
///
/// Hash price is what one TH/s earns per day under FPPS-like payout:
/// `86400 · 10¹² / (D · 2³²) · (subsidy + fees per block) · BTC/USD`, because a block at
/// difficulty `D` takes `D · 2³²` hashes in expectation (network hash rate = `D · 2³² / 600` H/s).
public enum BitcoinNetwork: Sendable {
    /// Blocks between halvings.
    public static let halvingInterval = 210_000

    /// The block subsidy in BTC at `height` (50 BTC halved every 210,000 blocks).
    public static func subsidyBTC(atHeight height: Int) -> Double {
        let halvings = height / halvingInterval
        guard halvings < 64 else { return 0 }
        return Double((Int64(50) * 100_000_000) >> Int64(halvings)) / 100_000_000
    }

    /// Halving dates (UTC days) and the subsidy in force from each, for data that has dates but no heights.
    public static let halvings: [(date: CivilDate, subsidyBTC: Double)] = [
        (CivilDate(year: 2009, month: 1, day: 3), 50),
        (CivilDate(year: 2012, month: 11, day: 28), 25),
        (CivilDate(year: 2016, month: 7, day: 9), 12.5),
        (CivilDate(year: 2020, month: 5, day: 11), 6.25),
        (CivilDate(year: 2024, month: 4, day: 20), 3.125),
    ]

    /// The subsidy in force on a UTC day (using the halving dates; the halving day itself counts
    /// as the new subsidy). For dates after the last known halving, the last subsidy.
    public static func subsidyBTC(on date: CivilDate) -> Double {
        let day = date.daysSinceEpoch
        var subsidy = 50.0
        for halving in halvings where halving.date.daysSinceEpoch <= day { subsidy = halving.subsidyBTC }
        return subsidy
    }

    /// Network hash rate in TH/s implied by a difficulty.
    public static func networkHashrate(difficulty: Double) -> TerahashPerSecond {
        TerahashPerSecond(difficulty * 4_294_967_296 / 600 / 1e12)
    }

    /// Hash price from network state.
    ///
    /// - Parameters:
    ///   - btcUSD: Bitcoin price in USD.
    ///   - difficulty: Network difficulty.
    ///   - subsidyBTC: Block subsidy in BTC.
    ///   - feesBTCPerBlock: Average transaction fees per block in BTC.
    /// - Returns: USD per TH/s per day, before pool fee.
    public static func hashPrice(
        btcUSD: Double,
        difficulty: Double,
        subsidyBTC: Double,
        feesBTCPerBlock: Double
    ) -> USDPerTerahashDay {
        let btcPerTHDay = 86_400 * 1e12 / (difficulty * 4_294_967_296) * (subsidyBTC + feesBTCPerBlock)
        return USDPerTerahashDay(btcPerTHDay * btcUSD)
    }
}
