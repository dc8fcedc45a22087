/// Site-level constraints that shaped a decision.
public struct SiteConstraints: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Load was cut to the cap.
    public static let cap = SiteConstraints(rawValue: 1 << 0)
    /// Load was raised to the floor.
    public static let floor = SiteConstraints(rawValue: 1 << 1)
    /// An increase was slowed by the ramp-up limit.
    public static let rampUp = SiteConstraints(rawValue: 1 << 2)
    /// A decrease was slowed by the ramp-down limit.
    public static let rampDown = SiteConstraints(rawValue: 1 << 3)
    /// The price feed is stale.
    public static let stalePrice = SiteConstraints(rawValue: 1 << 4)
    /// The broker connection is lost.
    public static let brokerLost = SiteConstraints(rawValue: 1 << 5)
    /// Load was kept up to hold the ancillary capacity awarded.
    public static let reserve = SiteConstraints(rawValue: 1 << 6)

    /// Every constraint with its machine name (`ramp_up`: the state payload, the audit log) and
    /// its words for people (`ramp-up`: logs, reports), in this order.
    public static let named: [(constraint: SiteConstraints, wireName: String, words: String)] = [
        (.cap, "cap", "cap"),
        (.floor, "floor", "floor"),
        (.rampUp, "ramp_up", "ramp-up"),
        (.rampDown, "ramp_down", "ramp-down"),
        (.stalePrice, "stale_price", "stale price"),
        (.brokerLost, "broker_lost", "broker lost"),
        (.reserve, "reserve", "reserve"),
    ]

    /// The machine names of the constraints in the set (`["cap", "ramp_up"]`).
    public var wireNames: [String] { Self.named.filter { contains($0.constraint) }.map(\.wireName) }

    public var description: String {
        let words = Self.named.filter { contains($0.constraint) }.map(\.words)
        return words.isEmpty ? "none" : words.joined(separator: ", ")
    }
}
