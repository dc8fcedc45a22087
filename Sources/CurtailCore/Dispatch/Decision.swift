/// One decision: per-group targets for a site at one instant, and why.
///
/// A decision owns arrays sized to the site; ``Dispatcher/dispatch(_:at:newPriceInterval:into:)``
/// overwrites them in place, so a replay or tuner can reuse one value for every interval
/// without allocating.
public struct Decision: Sendable {
    /// The instant decided for.
    public var time: Timestamp
    /// Per group, in site order.
    public var groups: [GroupTarget]
    /// Total site power of the targets (running and sleeping miners).
    public var sitePower: Megawatts
    /// Expected site hash rate.
    public var siteHashrate: TerahashPerSecond
    /// The price the economics compared against (NaN when unknown).
    public var effectivePrice: USDPerMWh
    /// Hash price used.
    public var hashPrice: USDPerTerahashDay
    /// The site cap in force (max import and rule caps).
    public var cap: Megawatts
    /// The site floor in force.
    public var floor: Megawatts
    /// Site-level constraints that bound.
    public var constraints: SiteConstraints
    /// Indices of the rules that fired, in priority order (filled by the policy engine).
    public var firedRules: [Int]

    /// An empty decision for `groupCount` groups.
    public init(groupCount: Int) {
        time = Timestamp(millisecondsSinceEpoch: 0)
        groups = Array(repeating: GroupTarget(), count: groupCount)
        sitePower = .zero
        siteHashrate = .zero
        effectivePrice = USDPerMWh(.nan)
        hashPrice = .zero
        cap = Megawatts(.infinity)
        floor = .zero
        constraints = []
        firedRules = []
        firedRules.reserveCapacity(16)
    }
}
