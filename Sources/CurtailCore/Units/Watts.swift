/// Electrical power in watts (W): what one miner draws at the wall.
public struct Watts: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "W" }

    /// The same power in megawatts.
    public var megawatts: Megawatts { Megawatts(value / 1_000_000) }
    /// The same power in kilowatts, as a plain number (the unit of group telemetry and commands).
    public var kilowatts: Double { value / 1000 }
}
