/// An energy price in US dollars per megawatt-hour: grid prices, strikes and break-evens.
public struct USDPerMWh: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "USD/MWh" }
}
