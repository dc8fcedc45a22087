/// Mining efficiency in joules per terahash (J/TH): watts per TH/s. Lower is better.
public struct JoulesPerTerahash: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "J/TH" }

    /// The efficiency of a miner drawing `power` while hashing at `hashrate`.
    public init(power: Watts, hashrate: TerahashPerSecond) {
        self.init(power.value / hashrate.value)
    }
}
