/// A mining site: where it connects to the grid, its limits and its miner groups.
public struct Site: Hashable, Sendable {
    /// Site id used in MQTT topics, e.g. `west-texas-1`.
    public var id: String
    /// Market, e.g. `ercot`.
    public var market: String
    /// Settlement point, e.g. `HB_WEST`.
    public var node: String
    /// The market's local time zone (for hour/weekday/month rules).
    public var timeZone: MarketTimeZone
    /// Maximum import from the grid (interconnection limit).
    public var maxImport: Megawatts
    /// Maximum rate of load increase, MW per minute (`nil`: unlimited).
    public var rampUpMWPerMinute: Double?
    /// Maximum rate of load decrease for economic moves, MW per minute (`nil`: unlimited).
    /// Caps (grid events, rules) and failsafes are never slowed by it.
    public var rampDownMWPerMinute: Double?
    /// The miner groups.
    public var groups: [MinerGroup]
    /// Transmission charge per kW of the site's average load in the year's 4CP intervals
    /// (USD per kW-year, ERCOT 4CP); `nil` when not charged or not known.
    public var transmissionUSDPerKWYear: Double?
    /// What the site may sell as ancillary capacity (`nil`: nothing).
    public var ancillary: AncillaryQualification?

    public init(
        id: String,
        market: String,
        node: String,
        timeZone: MarketTimeZone,
        maxImport: Megawatts,
        rampUpMWPerMinute: Double? = nil,
        rampDownMWPerMinute: Double? = nil,
        groups: [MinerGroup],
        transmissionUSDPerKWYear: Double? = nil,
        ancillary: AncillaryQualification? = nil
    ) {
        self.id = id
        self.market = market
        self.node = node
        self.timeZone = timeZone
        self.maxImport = maxImport
        self.rampUpMWPerMinute = rampUpMWPerMinute
        self.rampDownMWPerMinute = rampDownMWPerMinute
        self.groups = groups
        self.transmissionUSDPerKWYear = transmissionUSDPerKWYear
        self.ancillary = ancillary
    }

    /// Power of every miner at nameplate.
    public var nameplatePower: Megawatts {
        groups.reduce(Watts.zero) { $0 + $1.nameplatePower }.megawatts
    }

    /// Power with every miner asleep.
    public var sleepPower: Megawatts {
        groups.reduce(Watts.zero) { $0 + $1.model.sleepPower * Double($1.count) }.megawatts
    }
}
