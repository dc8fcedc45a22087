/// The firmware a physical miner runs, which decides how `curtail agent` talks to it.
///
/// Distinct from ``FirmwareCapability`` (what a *group* can do in the dispatcher's model): a group
/// of S19 XPs may mix LuxOS and stock firmware in the inventory.
public enum MinerFirmware: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Luxor's LuxOS (LUXminer): everything on the CGMiner API, TCP 4028; sessions for writes.
    case luxos
    /// Braiins OS (23.03 and later): the public REST API on HTTP port 80.
    case braiins
    /// Bitmain's stock firmware: reads on TCP 4028, sleep/normal through the web CGI (HTTP
    /// digest auth on port 80).
    case antminer

    /// The port the firmware's main API listens on when the inventory gives none.
    public var defaultPort: Int {
        switch self {
        case .luxos, .antminer: 4028
        case .braiins: 80
        }
    }

    /// Whether the firmware takes a per-miner power target (stock firmware only sleeps and wakes).
    public var takesPowerTarget: Bool { self != .antminer }

    /// The user name its web or session login uses when the inventory names none.
    public var defaultUsername: String { "root" }

    public var description: String { rawValue }
}
