/// Everything one decision may look at: a snapshot of what was known at `time`.
///
/// Nothing published after `time` may be in it; the engine has no other source of information.
public struct DecisionInput: Sendable {
    /// The instant the decision is for.
    public var time: Timestamp
    /// Latest real-time price (`nil`: none received yet).
    public var realTimePrice: PriceObservation?
    /// The price feed says it has stalled: the price is treated as stale whatever its age, so the
    /// policy's stale-price fail-safe acts at once.
    public var priceFeedStalled: Bool
    /// Day-ahead price for the current hour, if known.
    public var dayAheadPrice: USDPerMWh?
    /// Hash price.
    public var hashPrice: USDPerTerahashDay
    /// Grid events known (active or scheduled); cancelled ones removed.
    public var events: [GridEvent]
    /// Alerts known.
    public var alerts: [GridAlert]
    /// Current ERCOT EEA level, 0 when none.
    public var eeaLevel: Int
    /// Latest grid frequency, Hz.
    public var frequency: Double?
    /// Measured site load, if a meter reports it.
    public var measuredSitePower: Megawatts?
    /// Since when the MQTT broker is unreachable (`nil`: connected or not applicable).
    public var brokerLostSince: Timestamp?
    /// `time` in the site's market time zone, when the caller has it already (replay computes
    /// it once per window for every candidate); `nil`: the engine computes it.
    public var localTime: LocalTime?
    /// Ancillary capacity sold for the current hour (none by default).
    public var reserve: ReserveObligation

    public init(
        time: Timestamp,
        realTimePrice: PriceObservation?,
        dayAheadPrice: USDPerMWh? = nil,
        hashPrice: USDPerTerahashDay,
        events: [GridEvent] = [],
        alerts: [GridAlert] = [],
        eeaLevel: Int = 0,
        frequency: Double? = nil,
        measuredSitePower: Megawatts? = nil,
        brokerLostSince: Timestamp? = nil,
        localTime: LocalTime? = nil,
        priceFeedStalled: Bool = false,
        reserve: ReserveObligation = .none
    ) {
        self.time = time
        self.realTimePrice = realTimePrice
        self.dayAheadPrice = dayAheadPrice
        self.hashPrice = hashPrice
        self.events = events
        self.alerts = alerts
        self.eeaLevel = eeaLevel
        self.frequency = frequency
        self.measuredSitePower = measuredSitePower
        self.brokerLostSince = brokerLostSince
        self.localTime = localTime
        self.priceFeedStalled = priceFeedStalled
        self.reserve = reserve
    }
}
