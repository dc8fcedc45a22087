/// Electrical power in megawatts (MW): the unit of site caps, floors and grid obligations.
public struct Megawatts: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "MW" }

    /// The same power in watts.
    public var watts: Watts { Watts(value * 1_000_000) }
}
