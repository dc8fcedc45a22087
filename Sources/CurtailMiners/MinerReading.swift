/// What a miner reports about itself, read back after every write and on every sweep.
public struct MinerReading: Hashable, Sendable {
    /// What the miner is doing, from its own status fields.
    public enum Mode: String, Hashable, Sendable {
        /// Hashing.
        case mining
        /// Asleep or paused by command: boards off, control board (and fans) on, drawing at most
        /// ``MinerReading/sleepingPowerCeilingW``.
        case sleeping
        /// Told to sleep and not hashing, but still drawing more than a sleeping miner.
        case stopping
        /// Told to run, not hashing yet (booting, ramping).
        case starting
    }

    public var mode: Mode
    /// Power drawn, in watts: the firmware's figure, or (stock firmware without one) the
    /// model's nameplate while mining and its sleep power while asleep (``powerEstimated``).
    public var powerW: Double
    /// Whether ``powerW`` is the model's figure rather than the miner's.
    public var powerEstimated: Bool
    /// Hashrate over the firmware's shortest window (5 s), TH/s.
    public var hashrateTH: Double
    /// The power target or profile power in force, when the firmware has one.
    public var powerTargetW: Double?

    /// No sleeping ASIC draws more than this (they draw 10-50 W); above it a miner told to sleep
    /// is still stopping.
    public static let sleepingPowerCeilingW = 200.0

    /// The mode of a miner its firmware says is curtailed: asleep once it stops hashing and its
    /// power falls.
    public static func curtailed(powerW: Double, hashrateTH: Double) -> Mode {
        hashrateTH == 0 && powerW <= sleepingPowerCeilingW ? .sleeping : .stopping
    }

    public init(mode: Mode, powerW: Double, powerEstimated: Bool = false, hashrateTH: Double, powerTargetW: Double? = nil) {
        self.mode = mode
        self.powerW = powerW
        self.powerEstimated = powerEstimated
        self.hashrateTH = hashrateTH
        self.powerTargetW = powerTargetW
    }
}
