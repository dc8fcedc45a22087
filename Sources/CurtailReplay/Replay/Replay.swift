public import CurtailCore
public import CurtailPolicy

/// Replays history through the same ``PolicyEngine`` the live controller runs, settles every
/// interval, and compares with always-on and the oracle.
///
/// Causality: the decision for interval *t* is made at its start and sees only what was
/// published before: the previous interval's real-time price (published at *t*), the
/// day-ahead price of *t*'s hour, the previous UTC day's hash price, and alerts derived from
/// hours already past. Interval *t* then settles at its own price and its day's hash price.
/// Woken miners earn nothing for their group's wake time.
public struct Replay: Sendable {
    /// The engine (policy bound to site), reset before each run.
    public var engine: PolicyEngine

    /// Binds a policy to a site.
    ///
    /// - Throws: ``PolicyError`` when the policy names groups the site lacks or a parameter is
    ///   out of range.
    public init(policy: Policy, site: Site, parameters: [String: Double] = [:]) throws(PolicyError) {
        engine = try PolicyEngine(policy: policy, site: site, parameters: parameters)
    }

    /// Options for a run.
    public struct Options: Sendable {
        /// Keep every interval (for the CSV and the report).
        public var recordIntervals: Bool
        /// Compute the oracle (the tuner's inner loop may skip it).
        public var oracle: Bool

        public init(recordIntervals: Bool = false, oracle: Bool = true) {
            self.recordIntervals = recordIntervals
            self.oracle = oracle
        }
    }

    /// Runs the window.
    ///
    /// - Throws: ``HistoryError`` when the Bitcoin file does not cover the window (including the
    ///   day before it), or the window holds no price at all.
    public mutating func run(_ inputs: ReplayInputs, window: ReplayWindow, options: Options = Options()) throws(HistoryError) -> ReplayResult {
        run(try ReplayPlan(inputs: inputs, window: window, site: engine.site), options: options)
    }

    /// Runs a prepared window.
    public mutating func run(_ plan: ReplayPlan, options: Options = Options()) -> ReplayResult {
        let site = engine.site
        let policy = engine.policy
        let parameterValues = engine.parameterValues
        let hours = plan.intervalHours
        let poolFee = policy.economics.poolFee.resolve(parameterValues)
        let series = plan.settlementSeries(poolFee: poolFee, energyAdder: policy.economics.energyAdder.resolve(parameterValues))
        let alwaysOn = Self.alwaysOn(site: site, curve: engine.bidCurve)

        var recorder = ResultRecorder(
            plan: plan,
            series: series,
            engine: engine,
            alwaysOnMW: alwaysOn.megawatts,
            poolFee: poolFee,
            detail: options.recordIntervals
        )
        let ledger = Self.simulate(&engine, plan: plan, series: series, alwaysOnMW: alwaysOn.megawatts, observer: &recorder)
        var alwaysOnTotals = LedgerTotals()
        for k in 0..<plan.count {
            alwaysOnTotals.settle(megawatts: alwaysOn.megawatts, terahash: alwaysOn.terahash, at: k, in: series)
        }
        if recorder.detail != nil {
            let hashes = alwaysOn.terahash
            recorder.detail!.alwaysOnProfit = (0..<plan.count).map { k in
                hashes * series.revenuePerTerahash[k] - series.cost(megawatts: alwaysOn.megawatts, at: k)
            }
        }

        // The oracle.
        var oracleTotals = LedgerTotals()
        var oracleExact = true
        var oracleBound: Double?
        if options.oracle {
            let constraints = Oracle.Constraints(settings: engine.dispatchSettings)
            let schedule =
                if let market = plan.reserveMarket {
                    Oracle.solve(site: site, series: series, constraints: constraints, reserve: market)
                } else {
                    Oracle.solve(site: site, series: series, constraints: constraints)
                }
            oracleBound = schedule.upperBoundUSD
            oracleTotals = schedule.totals
            oracleExact = schedule.exact
            for k in 0..<plan.count { oracleTotals.curtailedMWh += max(0, alwaysOn.megawatts - schedule.sitePower[k]) * hours }
            if recorder.detail != nil {
                recorder.detail!.oracleMW = schedule.sitePower
                recorder.detail!.oracleProfit = (0..<plan.count).map { k in
                    schedule.hashrate[k] * series.revenuePerTerahash[k] - series.cost(megawatts: schedule.sitePower[k], at: k)
                }
            }
        }

        var contract: Double?
        if let contractPrice = policy.economics.contractPrice, let contractMW = policy.economics.contractMW {
            contract = plan.marketPrice.reduce(0) { $0 + contractMW * hours * (contractPrice - $1) }
        }
        return ReplayResult(
            window: plan.window,
            intervals: plan.count,
            intervalSeconds: plan.intervalSeconds,
            gaps: plan.gaps,
            policy: ledger.totals,
            alwaysOn: alwaysOnTotals,
            oracle: oracleTotals,
            oracleExact: oracleExact,
            oracleUpperBoundUSD: oracleBound,
            contractSettlementUSD: contract,
            groups: site.groups.indices.map {
                ReplayResult.GroupResult(name: site.groups[$0].name, totals: recorder.groupTotals[$0], runningHours: recorder.runningHours[$0])
            },
            policyName: policy.name,
            parameters: zip(policy.parameters, parameterValues).map { ($0.name, $1) },
            siteID: site.id,
            // A named column is the node; a single-node file's generic column is the site's node.
            node: plan.priceColumn == "price_usd_per_mwh" ? site.node : plan.priceColumn,
            notes: plan.notes,
            reserve: plan.reserve == nil ? nil : ledger.reserve,
            unmetObligations: ledger.unmetObligations,
            obligationIntervals: ledger.obligationIntervals,
            detail: recorder.detail
        )
    }

    /// The policy's ledger over a prepared window, with nothing recorded: what the tuner scores
    /// each candidate by. The engine is reset first; ``run(_:options:)`` settles identically.
    public static func evaluate(_ engine: inout PolicyEngine, plan: ReplayPlan, series: SettlementSeries, alwaysOnMW: Double) -> PolicyLedger {
        var none = NoObserver()
        return simulate(&engine, plan: plan, series: series, alwaysOnMW: alwaysOnMW, observer: &none)
    }

    /// The replay loop: one decision per interval, settled at the interval's own price.
    @inline(__always)
    static func simulate<Observer: IntervalObserver>(
        _ engine: inout PolicyEngine,
        plan: ReplayPlan,
        series: SettlementSeries,
        alwaysOnMW: Double,
        observer: inout Observer
    ) -> PolicyLedger {
        let site = engine.site
        let hours = plan.intervalHours
        let groupCount = site.groups.count
        let wakeFraction = site.groups.map { min(1, $0.effectiveWakeSeconds / Double(plan.intervalSeconds)) }
        let minerCount = site.groups.map { Double($0.count) }
        // An obligation interval is met at sleep load plus 1 % of nameplate (as live compliance).
        let obligationLimit = site.sleepPower.value + 0.01 * site.nameplatePower.value
        var ledger = PolicyLedger()
        var cycles = Array(repeating: 0.0, count: groupCount)
        var previousRunning = Array(repeating: 0, count: groupCount)
        var decision = Decision(groupCount: groupCount)
        var nextSegment = 0
        var segmentIndex = 0
        var reserveState = ReserveState(site: site)
        // Bound once: reading `plan.reserve` in the loop would copy (retain) its arrays each interval.
        let reservePlan = plan.reserve
        engine.reset()
        plan.decisionInputs.withUnsafeBufferPointer { buffer in
            // Passed by address and never written (see PolicyEngine.decide(inPlace:into:)).
            let inputs = UnsafeMutablePointer(mutating: buffer.baseAddress!)
            for k in 0..<buffer.count {
                var newSegment = false
                if k == nextSegment {
                    newSegment = true
                    if k > 0 { engine.reset() }
                    segmentIndex += 1
                    nextSegment = segmentIndex < plan.segmentStarts.count ? plan.segmentStarts[segmentIndex] : Int.max
                }
                if let reservePlan {
                    if newSegment { reserveState.restart() }
                    let reserve = reserveState.obligation(at: k, plan: reservePlan, engine: &engine, ledger: &ledger.reserve)
                    engine.decide(inPlace: &inputs[k], reserve: reserve, into: &decision)
                } else {
                    engine.decide(inPlace: &inputs[k], into: &decision)
                }

                var siteMW = 0.0
                var siteTH = 0.0
                for g in 0..<groupCount {
                    let target = decision.groups[g]
                    let running = target.minersRunning
                    let before = newSegment ? running : previousRunning[g]
                    var th = target.hashrate.value
                    var woken = 0.0
                    if running > before {
                        woken = Double(running - before)
                        th -= target.hashrate.value / Double(running) * woken * wakeFraction[g]
                    }
                    previousRunning[g] = running
                    let mw = target.groupPower.value / 1e6
                    cycles[g] += woken / minerCount[g]
                    observer.group(g, interval: k, megawatts: mw, terahash: th, woken: woken / minerCount[g], running: running)
                    siteMW += mw
                    siteTH += th
                }
                let before = ledger.totals.profitUSD
                ledger.totals.settle(megawatts: siteMW, terahash: siteTH, at: k, in: series)
                ledger.totals.curtailedMWh += max(0, alwaysOnMW - siteMW) * hours
                if reservePlan != nil { reserveState.settle(siteMW: siteMW, hours: hours, ledger: &ledger) }
                if plan.obligation[k] {
                    ledger.obligationIntervals += 1
                    if siteMW > obligationLimit + 1e-9 { ledger.unmetObligations += 1 }
                }
                observer.interval(k, decision: decision, megawatts: siteMW, profit: ledger.totals.profitUSD - before)
            }
        }
        for g in 0..<groupCount { ledger.totals.cycles += cycles[g] }
        return ledger
    }

    /// UTC day number of an instant.
    @inline(__always)
    static func utcDay(_ time: Timestamp) -> Int {
        let ms = time.millisecondsSinceEpoch
        return Int(ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000)
    }

    /// Always-on power and hash rate: every step of the bid curve, cut to the import limit from the
    /// least valuable step down.
    public static func alwaysOn(site: Site, curve: BidCurve) -> (megawatts: Double, terahash: Double) {
        var mw = site.sleepPower.value
        var th = 0.0
        var room = site.maxImport.value - mw
        for index in curve.meritOrder {
            let step = curve.steps[index]
            let count = Double(site.groups[step.group].count)
            let stepMW = step.megawatts.value
            guard room > 1e-12 else { break }
            let fraction = min(1, room / stepMW)
            mw += stepMW * fraction
            th += (step.toHashrate - step.fromHashrate).value * count * fraction
            room -= stepMW * fraction
        }
        return (mw, th)
    }
}
