public import CurtailCore

/// What the hash price is computed from, checked before anything is published.
///
/// The formula and halving schedule are ``BitcoinNetwork``'s, the same the replay uses:
/// `86400 · 10¹² / (difficulty · 2³²) · (subsidy + fees per block) · BTC/USD`.
public struct HashPriceInputs: Hashable, Sendable {
    /// Bitcoin's price, USD.
    public var btcUSD: Double
    /// Network difficulty.
    public var difficulty: Double
    /// The chain tip's height (the subsidy follows from it).
    public var height: Int
    /// Average fees per block over the recent window, BTC.
    public var feesBTCPerBlock: Double

    /// Fees per block above this are refused (the highest daily average on record, 2017-12-22,
    /// was 9.65 BTC; this is five times that).
    public static let maximumFeesBTCPerBlock = 50.0
    /// A sanity bound on the price.
    public static let btcUSDRange = 1.0...10_000_000
    /// A sanity bound on difficulty (2024's was about 1e14).
    public static let difficultyRange = 1.0...1e17

    public init(btcUSD: Double, difficulty: Double, height: Int, feesBTCPerBlock: Double) {
        self.btcUSD = btcUSD
        self.difficulty = difficulty
        self.height = height
        self.feesBTCPerBlock = feesBTCPerBlock
    }

    /// The block subsidy at ``height``.
    public var subsidyBTC: Double { BitcoinNetwork.subsidyBTC(atHeight: height) }

    /// The hash price, USD per TH/s per day, after checking every input.
    ///
    /// - Throws: ``FeedInputError`` (`outOfRange`) naming the input: a price or difficulty that is
    ///   not positive and sane, a negative height, fees that are negative or beyond reason, or a
    ///   result outside what the contract accepts.
    public func hashPrice() throws(FeedInputError) -> USDPerTerahashDay {
        guard btcUSD.isFinite, Self.btcUSDRange.contains(btcUSD) else {
            throw FeedInputError(.outOfRange, "BTC price \(btcUSD) USD is outside \(Self.btcUSDRange); not published")
        }
        guard difficulty.isFinite, Self.difficultyRange.contains(difficulty) else {
            throw FeedInputError(.outOfRange, "difficulty \(difficulty) is outside \(Self.difficultyRange); not published")
        }
        guard (0...20_000_000).contains(height) else { throw FeedInputError(.outOfRange, "block height \(height) is not plausible; not published") }
        guard feesBTCPerBlock.isFinite, feesBTCPerBlock >= 0 else {
            throw FeedInputError(.outOfRange, "fees of \(feesBTCPerBlock) BTC per block are negative; not published")
        }
        guard feesBTCPerBlock <= Self.maximumFeesBTCPerBlock else {
            throw FeedInputError(
                .outOfRange,
                "fees of \(feesBTCPerBlock) BTC per block are beyond reason (limit \(Self.maximumFeesBTCPerBlock), five times the highest day on record); not published"
            )
        }
        let value = BitcoinNetwork.hashPrice(btcUSD: btcUSD, difficulty: difficulty, subsidyBTC: subsidyBTC, feesBTCPerBlock: feesBTCPerBlock)
        guard value.value.isFinite, (0.000_001...10).contains(value.value) else {
            throw FeedInputError(
                .outOfRange,
                "the hash price works out at \(value.value) USD/TH/day, outside what the contract accepts; not published"
            )
        }
        return value
    }
}
