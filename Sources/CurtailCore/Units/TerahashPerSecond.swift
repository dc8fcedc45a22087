/// Hash rate in terahashes per second (TH/s).
public struct TerahashPerSecond: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "TH/s" }
}
