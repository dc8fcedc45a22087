public import CurtailCore

/// The miners `curtail agent` drives and the simulator's fake miners serve: an inventory file
/// (`miners:` list), checked against the site's groups.
public struct MinerInventory: Hashable, Sendable {
    /// Where a miner's password comes from. The inventory names the source, never the secret.
    public enum PasswordSource: Hashable, Sendable, CustomStringConvertible {
        /// The first line of a file (relative paths are relative to the inventory file).
        case file(String)
        /// An environment variable.
        case environment(String)
        /// The firmware's factory default (`root` for stock Antminer and Braiins OS).
        case factoryDefault

        public var description: String {
            switch self {
            case .file(let path): "file \(path)"
            case .environment(let name): "environment variable \(name)"
            case .factoryDefault: "factory default"
            }
        }
    }

    /// One physical miner.
    public struct Miner: Hashable, Sendable, CustomStringConvertible {
        /// Host name or IP address.
        public var host: String
        /// The firmware API's port (4028 for LuxOS and stock Antminer, 80 for Braiins OS).
        public var port: Int
        /// The web port of stock firmware (its CGI), 80 unless given.
        public var webPort: Int
        /// The site group it belongs to.
        public var group: String
        public var firmware: MinerFirmware
        /// Its model (the group's unless the inventory names one).
        public var model: MinerModel
        /// The electrical feeder it hangs on (wake staggering is per feeder when given).
        public var feeder: String?
        public var username: String
        public var password: PasswordSource

        public init(
            host: String,
            port: Int? = nil,
            webPort: Int = 80,
            group: String,
            firmware: MinerFirmware,
            model: MinerModel,
            feeder: String? = nil,
            username: String? = nil,
            password: PasswordSource = .factoryDefault
        ) {
            self.host = host
            self.port = port ?? firmware.defaultPort
            self.webPort = webPort
            self.group = group
            self.firmware = firmware
            self.model = model
            self.feeder = feeder
            self.username = username ?? firmware.defaultUsername
            self.password = password
        }

        /// `host:port`, the miner's name in logs, status topics and errors.
        public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        public var description: String { "\(address) (\(firmware), \(model.id), group \(group))" }
    }

    public var miners: [Miner]

    public init(miners: [Miner]) {
        self.miners = miners
    }

    /// The miners of `group`, in inventory order.
    public func miners(in group: String) -> [Miner] { miners.filter { $0.group == group } }
}
