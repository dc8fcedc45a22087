/// An energy price in US dollars per megawatt-hour: grid prices, strikes and break-evens.
public struct USDPerMWh: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "USD/MWh" }

    /// The one range a grid price may take anywhere in Curtail: live inputs, history files and the
    /// simulator all refuse a price outside it. Wide enough for every real market's extremes
    /// (ERCOT's $5,000 cap plus adders reached $9,315 at the hubs in February 2021; Dutch
    /// imbalance prices fell to -€1,862 in 2023; the Australian NEM cap is near $12,000), narrow
    /// enough to catch a unit slip (a price in $/kWh × 1,000 twice, cents for dollars).
    public static let plausibleRange: ClosedRange<Double> = -10_000...20_000
}
