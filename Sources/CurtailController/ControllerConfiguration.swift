public import CurtailCore
public import CurtailPolicy

/// Everything a ``Controller`` needs besides the broker: the site, its policy, topics and timing.
public struct ControllerConfiguration: Sendable {
    /// The site and its miner groups.
    public var site: Site
    /// The policy the engine runs.
    public var policy: Policy
    /// Parameter overrides for the policy, by name.
    public var parameters: [String: Double]
    /// Where to read and write.
    public var topics: ControllerTopics
    /// Decide at least this often (clock time).
    public var decisionInterval: Duration
    /// Commands expire this long after they are issued.
    public var commandLifetime: Duration
    /// Re-issue a live command when less than this is left of its life (default: a third).
    public var reissueBefore: Duration
    /// The retained state is published with every change of command, and at least this often.
    public var statePeriod: Duration
    /// Under-frequency trip; `nil`: none.
    public var underFrequency: UnderFrequencyTrip?
    /// Inputs stamped further than this into the future are refused.
    public var maximumFutureSkew: Duration
    /// Inputs older than this (by their own time stamp) are refused as stale; per kind.
    public var maximumAge: MaximumAge
    /// Added to every age and skew limit for the time a message spends in transit. The
    /// ``Controller`` sets it to a quarter of a wall-clock second in clock time, which only
    /// matters on a fast simulated clock (a day in a minute turns 50 ms of broker latency into 72 s).
    public var transitAllowance: Duration = .zero
    /// Telemetry older than this no longer counts as the group's measured load.
    public var telemetryFreshness: Duration
    /// How long the site's lease lasts unless renewed (wall time): a standby takes over about
    /// this long after the active controller dies (``LeaderLease``).
    public var lease: Duration = .seconds(15)
    /// The market's settlement interval in minutes (ERCOT: 15). A real-time price for a shorter
    /// interval (a 5-minute SCED price) counts toward the settlement interval that contains it,
    /// so provisional prices and the final price of one interval are one interval to the engine.
    public var settlementMinutes: Int = 15

    /// The under-frequency relay: shed `shedMW` (the whole site when `nil`) as soon as frequency
    /// falls below `tripHz`; release once it has stayed at or above `recoverHz` for `recoverAfter`.
    public struct UnderFrequencyTrip: Hashable, Sendable {
        /// Trip below this frequency (Hz).
        public var tripHz: Double
        /// MW to shed; `nil`: the whole site.
        public var shedMW: Double?
        /// Frequency (Hz) that counts as recovered ...
        public var recoverHz: Double
        /// ... when held this long.
        public var recoverAfter: Duration

        public init(tripHz: Double = 59.7, shedMW: Double? = nil, recoverHz: Double = 59.95, recoverAfter: Duration = .seconds(600)) {
            self.tripHz = tripHz
            self.shedMW = shedMW
            self.recoverHz = recoverHz
            self.recoverAfter = recoverAfter
        }
    }

    /// How old each kind of input may be when it arrives.
    public struct MaximumAge: Hashable, Sendable {
        /// Real-time price, by interval start (a 15-minute price is published after its interval starts).
        public var price: Duration = .seconds(6 * 3600)
        public var frequency: Duration = .seconds(60)
        public var hashPrice: Duration = .seconds(3 * 86_400)
        public var telemetry: Duration = .seconds(600)
        public var alert: Duration = .seconds(86_400)

        public init() {}
    }

    public init(
        site: Site,
        policy: Policy,
        parameters: [String: Double] = [:],
        topics: ControllerTopics? = nil,
        decisionInterval: Duration = .seconds(5),
        commandLifetime: Duration = .seconds(180),
        underFrequency: UnderFrequencyTrip? = UnderFrequencyTrip()
    ) {
        self.site = site
        self.policy = policy
        self.parameters = parameters
        self.topics = topics ?? ControllerTopics(market: site.market, node: site.node, site: site.id)
        self.decisionInterval = decisionInterval
        self.commandLifetime = commandLifetime
        self.reissueBefore = commandLifetime / 3
        self.statePeriod = .seconds(30)
        self.underFrequency = underFrequency
        self.maximumFutureSkew = .seconds(300)
        self.maximumAge = MaximumAge()
        self.telemetryFreshness = .seconds(120)
    }
}
