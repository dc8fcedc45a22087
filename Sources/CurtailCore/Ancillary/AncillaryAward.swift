/// Ancillary capacity the market awarded the site: `megawatts` of `product` over `[start, end)`,
/// paid `price` per MW per hour. While it lasts the MW must stay running, ready to drop.
public struct AncillaryAward: Hashable, Sendable {
    /// The award's id (the QSE's), unique per award.
    public var id: String
    public var product: AncillaryProduct
    public var megawatts: Double
    public var start: Timestamp
    public var end: Timestamp
    /// Clearing price, USD/MW/h.
    public var price: Double

    public init(id: String, product: AncillaryProduct, megawatts: Double, start: Timestamp, end: Timestamp, price: Double) {
        self.id = id
        self.product = product
        self.megawatts = megawatts
        self.start = start
        self.end = end
        self.price = price
    }

    /// Whether it is in force at `time` (start inclusive, end exclusive).
    public func isActive(at time: Timestamp) -> Bool { start <= time && time < end }

    /// Whether it overlaps `other` in time.
    public func overlaps(_ other: AncillaryAward) -> Bool { start < other.end && other.start < end }
}
