public import CurtailCore

/// What a replay found: totals for the policy and both baselines, per-group figures, the gaps
/// it met, and (when asked) every interval.
public struct ReplayResult: Sendable {
    /// Per-group figures for the policy.
    public struct GroupResult: Hashable, Sendable {
        public var name: String
        /// Energy, cost, revenue and wake-ups of this group under the policy.
        public var totals: LedgerTotals
        /// Hours with at least one miner hashing.
        public var runningHours: Double
    }

    /// Interval-by-interval record, as columns (for the CSV and the charts).
    public struct Intervals: Sendable {
        public var time: [Timestamp] = []
        /// Settled real-time price (USD/MWh).
        public var price: [Double] = []
        /// Hash price the decision used (previous day) and the day's own (settlement).
        public var decisionHashPrice: [Double] = []
        public var hashPrice: [Double] = []
        /// Fleet break-even band at the day's hash price, most and least efficient group (USD/MWh).
        public var breakEvenHigh: [Double] = []
        public var breakEvenLow: [Double] = []
        public var policyMW: [Double] = []
        public var alwaysOnMW: [Double] = []
        public var oracleMW: [Double] = []
        public var policyProfit: [Double] = []
        public var alwaysOnProfit: [Double] = []
        public var oracleProfit: [Double] = []
        /// Names of the rules that fired, `;`-separated.
        public var rules: [String] = []
        /// Binding site constraints (cap, floor, ramp, stale price…).
        public var constraints: [String] = []
        /// Per group, miners running.
        public var running: [[Int]] = []
    }

    /// The window replayed.
    public var window: ReplayWindow
    /// Intervals settled (intervals in the window with a price).
    public var intervals: Int
    /// Interval length, seconds.
    public var intervalSeconds: Int
    /// Gaps in the price data inside the window: not settled, not bridged.
    public var gaps: [TimeSeries.Gap]
    public var policy: LedgerTotals
    public var alwaysOn: LedgerTotals
    public var oracle: LedgerTotals
    /// Whether the oracle is exact (false: relaxed bound, see ``Oracle``).
    public var oracleExact: Bool
    /// With ancillary capacity, when the oracle could not prove its schedule optimal: the proven
    /// upper bound on profit (USD), which ``captureRatio`` uses.
    public var oracleUpperBoundUSD: Double?
    /// Settlement of a fixed-volume contract (policy `contract_*`): contract MW × (contract −
    /// market price), USD. The same for every schedule, so kept out of their profits.
    public var contractSettlementUSD: Double?
    public var groups: [GroupResult]
    /// Policy name and the parameter values used.
    public var policyName: String
    public var parameters: [(name: String, value: Double)]
    public var siteID: String
    public var node: String
    /// Things the reader must know about how the window was settled (e.g. a hash price carried
    /// over a missing last day).
    public var notes: [String]
    /// Official 4CP intervals in the window (when a 4CP calendar was given) in which the site
    /// was not asleep (above sleep load plus 1 % of nameplate), and how many there were.
    /// Ancillary capacity under the policy, when clearing prices were given and the site
    /// qualifies.
    public var reserve: ReserveLedger?
    public var unmetObligations = 0
    public var obligationIntervals = 0
    /// Per-interval record, when asked for.
    public var detail: Intervals?

    /// The oracle's profit: its schedule's, or the proven bound when it is not exact.
    public var oracleProfitUSD: Double { oracleUpperBoundUSD ?? oracle.profitUSD }

    /// Policy profit / oracle profit (NaN when the oracle earns nothing).
    public var captureRatio: Double {
        oracleProfitUSD > 0 ? policy.profitUSD / oracleProfitUSD : .nan
    }
}
