public import CurtailCore

/// A curtailment policy: economics, hysteresis, failsafes, tunable parameters and rules.
///
/// Policies are loaded from YAML (`CurtailPolicyFiles`) or built in code; every expression is
/// compiled when the policy is built, so a `Policy` value is always valid on its own. Binding
/// it to a site (``PolicyEngine/init(policy:site:parameters:)``) checks the group names.
public struct Policy: Sendable {
    /// Which market price the economics react to.
    public enum PriceSource: String, Hashable, Sendable, CaseIterable {
        /// The latest real-time settlement price.
        case realTime = "rt"
        /// The day-ahead price of the current hour.
        case dayAhead = "da"
    }

    /// Economic inputs.
    public struct Economics: Hashable, Sendable {
        /// Pool fee, `[0, 1)`.
        public var poolFee: Setting
        /// The price reacted to.
        public var priceSource: PriceSource
        /// Added to the market price: transmission, fees, taxes (USD/MWh).
        public var energyAdder: Setting
        /// A fixed-price contract the site buys at (USD/MWh), for reports; the decision still
        /// uses the market price, the opportunity cost of mining.
        public var contractPrice: Double?
        /// MW of the fixed-price contract, for reports.
        public var contractMW: Double?

        public init(
            poolFee: Setting = .value(0),
            priceSource: PriceSource = .realTime,
            energyAdder: Setting = .value(0),
            contractPrice: Double? = nil,
            contractMW: Double? = nil
        ) {
            self.poolFee = poolFee
            self.priceSource = priceSource
            self.energyAdder = energyAdder
            self.contractPrice = contractPrice
            self.contractMW = contractMW
        }
    }

    /// Anti-flapping settings.
    public struct Hysteresis: Hashable, Sendable {
        /// Price band around each strike (USD/MWh).
        public var priceBand: Setting
        /// Price intervals a reduction must be wanted before it happens.
        public var confirmIntervalsDown: Setting
        /// Price intervals an increase must be wanted before it happens.
        public var confirmIntervalsUp: Setting
        /// Minimum on and off times (seconds).
        public var minimumOn: Setting
        public var minimumOff: Setting

        public init(
            priceBand: Setting = .value(0),
            confirmIntervalsDown: Setting = .value(1),
            confirmIntervalsUp: Setting = .value(1),
            minimumOn: Setting = .value(0),
            minimumOff: Setting = .value(0)
        ) {
            self.priceBand = priceBand
            self.confirmIntervalsDown = confirmIntervalsDown
            self.confirmIntervalsUp = confirmIntervalsUp
            self.minimumOn = minimumOn
            self.minimumOff = minimumOff
        }
    }

    /// What to do when inputs fail.
    public struct Failsafe: Hashable, Sendable {
        /// A real-time price older than this is stale (seconds).
        public var stalePriceAfter: Setting
        public var onStalePrice: FailsafeAction
        /// The broker lost for this long triggers the broker failsafe (seconds).
        public var brokerLostAfter: Setting
        public var onBrokerLost: FailsafeAction

        public init(
            stalePriceAfter: Setting = .value(1800),
            onStalePrice: FailsafeAction = .hold,
            brokerLostAfter: Setting = .value(60),
            onBrokerLost: FailsafeAction = .hold
        ) {
            self.stalePriceAfter = stalePriceAfter
            self.onStalePrice = onStalePrice
            self.brokerLostAfter = brokerLostAfter
            self.onBrokerLost = onBrokerLost
        }
    }

    public var name: String
    public var summary: String
    /// Site file this policy is written for (path relative to the policy file), if any.
    public var siteReference: String?
    public var economics: Economics
    public var hysteresis: Hysteresis
    public var failsafe: Failsafe
    public var parameters: [Parameter]
    /// Penalties `curtail tune` subtracts from profit.
    public var tuning: TuningPenalties
    /// Rules in priority order.
    public private(set) var rules: [Rule]
    /// Ancillary capacity offers, in file order (empty: the policy sells none).
    public var ancillaryOffers: [AncillaryOffer]
    /// What the expressions use.
    public let environment: ExpressionEnvironment

    /// Creates a policy; rules are sorted by priority (highest first, stable).
    public init(
        name: String,
        summary: String = "",
        siteReference: String? = nil,
        economics: Economics = Economics(),
        hysteresis: Hysteresis = Hysteresis(),
        failsafe: Failsafe = Failsafe(),
        parameters: [Parameter] = [],
        tuning: TuningPenalties = TuningPenalties(),
        rules: [Rule] = [],
        ancillaryOffers: [AncillaryOffer] = [],
        environment: ExpressionEnvironment = ExpressionEnvironment()
    ) {
        self.name = name
        self.summary = summary
        self.siteReference = siteReference
        self.economics = economics
        self.hysteresis = hysteresis
        self.failsafe = failsafe
        self.parameters = parameters
        self.tuning = tuning
        self.rules = rules.enumerated().sorted { a, b in
            a.element.priority != b.element.priority ? a.element.priority > b.element.priority : a.offset < b.offset
        }.map(\.element)
        self.ancillaryOffers = ancillaryOffers
        self.environment = environment
    }

    /// Index of a parameter by name.
    public func parameterIndex(_ name: String) -> Int? { parameters.firstIndex { $0.name == name } }
}
