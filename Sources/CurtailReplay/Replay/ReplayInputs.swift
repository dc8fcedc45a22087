/// The history a replay reads. Only ``prices`` and ``bitcoin`` are required.
public struct ReplayInputs: Sendable {
    /// Real-time prices at the site's node (decisions see the previous interval's price; each
    /// interval settles at its own).
    public var prices: TimeSeries
    /// Daily hash price (decisions see the previous UTC day's; revenue uses the day's own).
    public var bitcoin: BitcoinHistory
    /// Day-ahead prices at the node, hourly: known for the whole operating day in advance, so a
    /// decision sees the price of the hour it is in.
    public var dayAhead: TimeSeries?
    /// Official 4CP intervals, to settle transmission charges (site `transmission_usd_per_kw_year`).
    public var fourCP: FourCPCalendar?
    /// A causal 4CP alert feed derived from system load.
    public var peakAlerts: PeakAlertModel?
    /// Hourly ancillary clearing prices: with a site that qualifies and a policy that offers,
    /// the replay awards, holds and settles ancillary capacity.
    public var ancillary: AncillaryPrices?
    /// Energy Emergency Alerts in history (the `eea` variable; awarded reserve is deployed
    /// while one is declared).
    public var gridEvents: GridEventHistory?
    /// Synthetic deployments of awarded reserve.
    public var deployments: DeploymentProcess

    public init(
        prices: TimeSeries,
        bitcoin: BitcoinHistory,
        dayAhead: TimeSeries? = nil,
        fourCP: FourCPCalendar? = nil,
        peakAlerts: PeakAlertModel? = nil,
        ancillary: AncillaryPrices? = nil,
        gridEvents: GridEventHistory? = nil,
        deployments: DeploymentProcess = .none
    ) {
        self.prices = prices
        self.bitcoin = bitcoin
        self.dayAhead = dayAhead
        self.fourCP = fourCP
        self.peakAlerts = peakAlerts
        self.ancillary = ancillary
        self.gridEvents = gridEvents
        self.deployments = deployments
    }
}
