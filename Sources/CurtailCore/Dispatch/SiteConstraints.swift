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

    public var description: String {
        var names: [String] = []
        if contains(.cap) { names.append("cap") }
        if contains(.floor) { names.append("floor") }
        if contains(.rampUp) { names.append("ramp-up") }
        if contains(.rampDown) { names.append("ramp-down") }
        if contains(.stalePrice) { names.append("stale price") }
        if contains(.brokerLost) { names.append("broker lost") }
        return names.isEmpty ? "none" : names.joined(separator: ", ")
    }
}
