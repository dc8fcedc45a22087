/// A market price for one settlement interval, as received.
public struct PriceObservation: Hashable, Sendable {
    /// Start of the interval the price is for.
    public var intervalStart: Timestamp
    /// Interval length in minutes (15 for ERCOT real time, 60 for day-ahead).
    public var intervalMinutes: Int
    /// The price.
    public var price: USDPerMWh
    /// When it was published (received); price age is measured from here.
    public var publishedAt: Timestamp

    public init(intervalStart: Timestamp, intervalMinutes: Int = 15, price: USDPerMWh, publishedAt: Timestamp? = nil) {
        self.intervalStart = intervalStart
        self.intervalMinutes = intervalMinutes
        self.price = price
        self.publishedAt = publishedAt ?? intervalStart
    }
}
