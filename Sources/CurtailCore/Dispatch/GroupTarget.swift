/// The decision for one miner group.
public struct GroupTarget: Hashable, Sendable {
    /// Miners that should be hashing.
    public var minersRunning: Int
    /// Power target of each running miner (0 when none runs).
    public var powerTarget: Watts
    /// Expected power of the whole group, running and sleeping miners together.
    public var groupPower: Watts
    /// Expected hash rate of the group.
    public var hashrate: TerahashPerSecond
    /// The level reached on the group's ladder (0 = all asleep); partial when between levels.
    public var level: Int
    /// For ``TargetReason/awaitingConfirmation``: intervals confirmed so far and needed.
    public var confirmations: Int
    public var confirmationsNeeded: Int
    /// Why the group is where it is.
    public var reason: TargetReason

    public init(
        minersRunning: Int = 0,
        powerTarget: Watts = .zero,
        groupPower: Watts = .zero,
        hashrate: TerahashPerSecond = .zero,
        level: Int = 0,
        reason: TargetReason = .economic,
        confirmations: Int = 0,
        confirmationsNeeded: Int = 0
    ) {
        self.minersRunning = minersRunning
        self.powerTarget = powerTarget
        self.groupPower = groupPower
        self.hashrate = hashrate
        self.level = level
        self.confirmations = confirmations
        self.confirmationsNeeded = confirmationsNeeded
        self.reason = reason
    }
}

/// Why a group's target is what it is: the binding constraint, for the rule trace.
public enum TargetReason: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// At its economic level: steps below the strike run, the others sleep.
    case economic
    /// Economics want a change, but it has not been wanted for enough price intervals yet.
    case awaitingConfirmation
    /// Minimum on/off time keeps it where it is.
    case dwell
    /// Cut to respect the site cap.
    case cap
    /// Raised to meet the site floor.
    case floor
    /// Increase slowed by the ramp-up limit.
    case rampUp
    /// Decrease slowed by the ramp-down limit.
    case rampDown
    /// A rule forces it on.
    case forcedOn
    /// A rule forces it off.
    case forcedOff
    /// A rule holds it.
    case hold
    /// Failsafe: held.
    case failsafeHold
    /// Failsafe: curtailed.
    case failsafeCurtail
    /// Raised to hold the ancillary capacity awarded.
    case reserve

    public var description: String {
        switch self {
        case .economic: return "economic"
        case .awaitingConfirmation: return "awaiting confirmation"
        case .dwell: return "minimum on/off time"
        case .cap: return "site cap"
        case .floor: return "site floor"
        case .rampUp: return "ramp-up limit"
        case .rampDown: return "ramp-down limit"
        case .forcedOn: return "forced on"
        case .forcedOff: return "forced off"
        case .hold: return "held"
        case .failsafeHold: return "failsafe: hold"
        case .failsafeCurtail: return "failsafe: curtail"
        case .reserve: return "ancillary reserve"
        }
    }
}
