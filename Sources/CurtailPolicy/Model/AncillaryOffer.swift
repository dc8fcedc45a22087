public import CurtailCore

/// One line of a policy's `ancillary:` section: while `condition` holds, offer `megawatts` of
/// `product` for the hour, accepting any clearing price at or above `minimumPrice`.
///
/// Offers are made the day before the hour (ERCOT's day-ahead market), so their expressions may
/// read only what is known then (``Variable/isKnownDayAhead``): the clearing and day-ahead
/// prices of the same hour the day before, the hash price, the calendar of the hour offered,
/// site constants and parameters. The first line of a product whose condition holds is its
/// offer; none: no offer.
public struct AncillaryOffer: Hashable, Sendable {
    public var product: AncillaryProduct
    /// When to offer (true when the line has no `when`).
    public var condition: CompiledExpression
    /// MW offered.
    public var megawatts: CompiledExpression
    /// The lowest clearing price accepted, USD/MW/h (`nil`: any price).
    public var minimumPrice: CompiledExpression?

    public init(product: AncillaryProduct, condition: CompiledExpression, megawatts: CompiledExpression, minimumPrice: CompiledExpression?) {
        self.product = product
        self.condition = condition
        self.megawatts = megawatts
        self.minimumPrice = minimumPrice
    }
}

/// What an offer may know when it is made: the hour offered and the day before's figures.
public struct OfferInput: Sendable {
    /// The start of the hour offered.
    public var hour: Timestamp
    /// Its market-local time (`nil`: computed).
    public var localTime: LocalTime?
    /// The hash price known the day before (USD/TH/day).
    public var hashPrice: Double
    /// The day-ahead energy price of the same hour the day before (NaN: unknown).
    public var dayAheadPrice: Double
    /// The clearing prices of the same hour the day before (NaN: unknown).
    public var clearingPrice: ProductValues

    public init(hour: Timestamp, localTime: LocalTime? = nil, hashPrice: Double, dayAheadPrice: Double = .nan, clearingPrice: ProductValues) {
        self.hour = hour
        self.localTime = localTime
        self.hashPrice = hashPrice
        self.dayAheadPrice = dayAheadPrice
        self.clearingPrice = clearingPrice
    }
}
