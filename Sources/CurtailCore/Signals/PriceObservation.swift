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
    /// How settled the price is; history files hold settled (final) prices.
    public var status: PriceStatus
    /// The publisher's revision number of this interval's price, when it gives one: higher
    /// replaces lower within a status.
    public var revision: Int?

    public init(
        intervalStart: Timestamp,
        intervalMinutes: Int = 15,
        price: USDPerMWh,
        publishedAt: Timestamp? = nil,
        status: PriceStatus = .final,
        revision: Int? = nil
    ) {
        self.intervalStart = intervalStart
        self.intervalMinutes = intervalMinutes
        self.price = price
        self.publishedAt = publishedAt ?? intervalStart
        self.status = status
        self.revision = revision
    }

    /// Whether this price supersedes `other`, a price of the same interval: a higher status, or
    /// the same status with a higher revision.
    public func supersedes(_ other: PriceObservation) -> Bool {
        if status != other.status { return status > other.status }
        return (revision ?? 0) > (other.revision ?? 0)
    }
}
