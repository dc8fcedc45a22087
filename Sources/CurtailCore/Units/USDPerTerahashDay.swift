/// Hash price: what one TH/s of hash rate earns per day, in US dollars (USD/TH/day).
///
/// Luxor's index is quoted per PH/s per day; divide it by 1000 to get this unit.
public struct USDPerTerahashDay: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "USD/TH/day" }
}
