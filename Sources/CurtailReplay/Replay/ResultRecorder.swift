import CurtailCore
import CurtailPolicy

/// Records what ``Replay/run(_:options:)`` reports beyond the ledger: per-group totals and, when
/// asked, every interval.
struct ResultRecorder: IntervalObserver {
    let plan: ReplayPlan
    let series: SettlementSeries
    let alwaysOnMW: Double
    let poolFee: Double
    let ruleNames: [String]
    /// Nameplate J/TH of the most and least efficient group: the report's break-even band.
    let efficiencies: (best: Double, worst: Double)
    var groupTotals: [LedgerTotals]
    var runningHours: [Double]
    var detail: ReplayResult.Intervals?

    init(plan: ReplayPlan, series: SettlementSeries, engine: PolicyEngine, alwaysOnMW: Double, poolFee: Double, detail: Bool) {
        self.plan = plan
        self.series = series
        self.alwaysOnMW = alwaysOnMW
        self.poolFee = poolFee
        ruleNames = engine.policy.rules.map(\.name)
        let joules = engine.site.groups.map(\.model.nominalEfficiency.value)
        efficiencies = (joules.min() ?? .nan, joules.max() ?? .nan)
        groupTotals = Array(repeating: LedgerTotals(), count: engine.site.groups.count)
        runningHours = Array(repeating: 0, count: engine.site.groups.count)
        self.detail = detail ? ReplayResult.Intervals() : nil
    }

    mutating func group(_ g: Int, interval k: Int, megawatts: Double, terahash: Double, woken: Double, running: Int) {
        groupTotals[g].settle(megawatts: megawatts, terahash: terahash, at: k, in: series)
        groupTotals[g].cycles += woken
        if running > 0 { runningHours[g] += plan.intervalHours }
    }

    mutating func interval(_ k: Int, decision: Decision, megawatts: Double, profit: Double) {
        guard detail != nil else { return }
        let hashPrice = plan.settlementHashPrice[k]
        let factor = BreakEven.revenuePerMWhFactor(hashPrice: USDPerTerahashDay(hashPrice), poolFee: poolFee)
        detail!.time.append(plan.times[k])
        detail!.price.append(plan.marketPrice[k])
        detail!.decisionHashPrice.append(plan.decisionHashPrice[k])
        detail!.hashPrice.append(hashPrice)
        detail!.breakEvenHigh.append(factor / efficiencies.best)
        detail!.breakEvenLow.append(factor / efficiencies.worst)
        detail!.policyMW.append(megawatts)
        detail!.alwaysOnMW.append(alwaysOnMW)
        detail!.policyProfit.append(profit)
        detail!.rules.append(decision.firedRules.map { ruleNames[$0] }.joined(separator: ";"))
        detail!.constraints.append(decision.constraints.isEmpty ? "" : decision.constraints.description)
        detail!.running.append(decision.groups.map(\.minersRunning))
    }
}
