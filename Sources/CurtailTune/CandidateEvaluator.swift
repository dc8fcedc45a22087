public import CurtailCore
public import CurtailPolicy
public import CurtailReplay

/// Scores candidates on one prepared window with the replay loop ``Replay`` runs: the same
/// engine, the same economics, nothing recorded and no oracle.
///
/// A value type with its own engine: give each worker its own copy.
public struct CandidateEvaluator: Sendable {
    /// The window.
    public let plan: ReplayPlan
    private var engine: PolicyEngine
    private let alwaysOnMW: Double
    private var series: SettlementSeries
    private var economics: (poolFee: Double, adder: Double)

    /// Binds `policy` to `site` over `plan`.
    ///
    /// - Throws: ``PolicyError`` when the policy does not fit the site.
    public init(policy: Policy, site: Site, plan: ReplayPlan) throws(PolicyError) {
        self.plan = plan
        engine = try PolicyEngine(policy: policy, site: site)
        alwaysOnMW = Replay.alwaysOn(site: site, curve: engine.bidCurve).megawatts
        economics = Self.economics(policy, engine.parameterValues)
        series = plan.settlementSeries(poolFee: economics.poolFee, energyAdder: economics.adder)
    }

    /// Replays the window with `values` (every parameter, policy order) and scores it.
    ///
    /// - Throws: ``PolicyError`` when the engine refuses `values` (a value outside its declared
    ///   range, a wrong count); nothing is scored then, so a score always belongs to its values.
    public mutating func score(_ values: [Double]) throws(PolicyError) -> CandidateScore {
        let policy = engine.policy
        try engine.set(parameters: values)
        let wanted = Self.economics(policy, values)
        if wanted != economics {
            economics = wanted
            series = plan.settlementSeries(poolFee: wanted.poolFee, energyAdder: wanted.adder)
        }
        let ledger = Replay.evaluate(&engine, plan: plan, series: series, alwaysOnMW: alwaysOnMW)
        let penalty = policy.tuning.penalty(cycles: ledger.totals.cycles, days: plan.days, unmetObligations: ledger.unmetObligations)
        return CandidateScore(values: values, ledger: ledger, penaltyUSD: penalty, days: plan.days, intervals: plan.count)
    }

    private static func economics(_ policy: Policy, _ values: [Double]) -> (poolFee: Double, adder: Double) {
        (policy.economics.poolFee.resolve(values), policy.economics.energyAdder.resolve(values))
    }
}
