/// What the agent asks of one miner's driver.
public enum MinerOperation: Hashable, Sendable, CustomStringConvertible {
    case read
    case sleep
    case wake
    case setPower(watts: Double)

    /// Whether it changes the miner (and is read back).
    public var isWrite: Bool { self != .read }

    public var description: String {
        switch self {
        case .read: "read"
        case .sleep: "sleep"
        case .wake: "wake"
        case .setPower(let watts): "set power to \(Int(watts)) W"
        }
    }
}
