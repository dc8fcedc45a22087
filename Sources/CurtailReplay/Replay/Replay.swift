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
        let prices = inputs.prices
        let site = engine.site
        let policy = engine.policy
        let parameterValues = engine.parameterValues
        let intervalSeconds = prices.intervalSeconds
        let intervalMs = Int64(intervalSeconds) * 1000
        let hours = Double(intervalSeconds) / 3600
        let minutes = intervalSeconds / 60
        guard let first = prices.index(containing: window.from), window.to > window.from else {
            throw HistoryError(file: prices.file, "the window \(window) is outside the data")
        }
        let count = Int((window.to.millisecondsSinceEpoch - window.from.millisecondsSinceEpoch) / intervalMs)
        guard first + count <= prices.values.count else {
            throw HistoryError(file: prices.file, "the window \(window) ends after the data (\(prices.end.iso8601))")
        }

        // Bitcoin coverage: the day before the window (first decision) to its last day.
        let firstDay = Self.utcDay(window.from) - 1
        var lastDay = Self.utcDay(window.to.adding(seconds: -1))
        var notes: [String] = []
        // A US market's local year ends hours into the next UTC day, which a daily file ending on
        // 31 December lacks: settle those hours at the file's last day, and say so.
        var carriedDay: Int?
        if lastDay == inputs.bitcoin.lastDay + 1 {
            carriedDay = lastDay
            lastDay -= 1
            let hoursInto = Double(window.to.millisecondsSinceEpoch - Int64(carriedDay!) * 86_400_000) / 3_600_000
            notes.append(
                "\(inputs.bitcoin.file) has no hash price for \(CivilDate(daysSinceEpoch: carriedDay!)); the window's last \(Number.grouped(hoursInto, 2)) h settle at \(CivilDate(daysSinceEpoch: lastDay))'s"
            )
        }
        if let missing = inputs.bitcoin.firstMissingDay(in: firstDay...lastDay) {
            let covered = "\(CivilDate(daysSinceEpoch: inputs.bitcoin.firstDay))..\(CivilDate(daysSinceEpoch: inputs.bitcoin.lastDay))"
            throw HistoryError(
                file: inputs.bitcoin.file,
                "no hash price for \(CivilDate(daysSinceEpoch: missing)) (the file covers \(covered)); the window \(window) needs \(CivilDate(daysSinceEpoch: firstDay))..\(CivilDate(daysSinceEpoch: lastDay)), decisions reading the day before"
            )
        }

        let poolFee = policy.economics.poolFee.resolve(parameterValues)
        let adder = policy.economics.energyAdder.resolve(parameterValues)
        let rate = site.transmissionUSDPerKWYear ?? 0
        var fourCP = Set<Int64>()
        if rate > 0, let calendar = inputs.fourCP {
            for interval in calendar.intervals { fourCP.insert(interval.millisecondsSinceEpoch) }
        }

        // Settlement series over the intervals that have a price; gaps split it into segments.
        var times: [Timestamp] = []
        var energyPrice: [Double] = []
        var revenue: [Double] = []
        var transmission: [Double] = []
        var segmentStarts: [Int] = []
        var marketPrice: [Double] = []
        times.reserveCapacity(count)
        energyPrice.reserveCapacity(count)
        revenue.reserveCapacity(count)
        transmission.reserveCapacity(count)
        marketPrice.reserveCapacity(count)
        var inGap = true
        for i in 0..<count {
            let price = prices.values[first + i]
            if price.isNaN {
                inGap = true
                continue
            }
            if inGap {
                segmentStarts.append(times.count)
                inGap = false
            }
            let time = Timestamp(millisecondsSinceEpoch: window.from.millisecondsSinceEpoch + Int64(i) * intervalMs)
            times.append(time)
            marketPrice.append(price)
            energyPrice.append(price + adder)
            let hashPrice = inputs.bitcoin.hashPrice(onDay: min(Self.utcDay(time), lastDay)) ?? .nan
            revenue.append(hashPrice * (1 - poolFee) * hours / 24)
            transmission.append(fourCP.contains(time.millisecondsSinceEpoch) ? rate * 1000 / 4 : 0)
        }
        guard !times.isEmpty else {
            throw HistoryError(file: prices.file, "the window \(window) has no prices: it lies entirely in a gap of the data")
        }
        let series = SettlementSeries(
            intervalSeconds: Double(intervalSeconds),
            energyPrice: energyPrice,
            revenuePerTerahash: revenue,
            transmissionPerMW: transmission,
            segmentStarts: segmentStarts
        )
        let gaps = prices.gaps.filter { $0.to > window.from && $0.from < window.to }.map { gap in
            var clipped = gap
            clipped.from = max(gap.from, window.from)
            clipped.to = min(gap.to, window.to)
            clipped.intervals = Int((clipped.to.millisecondsSinceEpoch - clipped.from.millisecondsSinceEpoch) / intervalMs)
            return clipped
        }

        // Always-on: every group at the top of its ladder, cut to the import limit in reverse merit order.
        let (alwaysOnMW, alwaysOnTH) = Self.alwaysOn(site: site, curve: engine.bidCurve)

        // The policy, interval by interval.
        let groupCount = site.groups.count
        let wakeFraction = site.groups.map { min(1, $0.effectiveWakeSeconds / Double(intervalSeconds)) }
        let minerCount = site.groups.map { Double($0.count) }
        var groupTotals = Array(repeating: LedgerTotals(), count: groupCount)
        var runningHours = Array(repeating: 0.0, count: groupCount)
        var policyTotals = LedgerTotals()
        var alwaysOnTotals = LedgerTotals()
        var previousRunning = Array(repeating: 0, count: groupCount)
        var decision = Decision(groupCount: groupCount)
        var detail = options.recordIntervals ? ReplayResult.Intervals() : nil
        let ruleNames = policy.rules.map(\.name)
        // Nameplate J/TH of the most and least efficient group: the report's break-even band.
        let joules = site.groups.map(\.model.nominalEfficiency.value)
        let efficiencies = (best: joules.min() ?? .nan, worst: joules.max() ?? .nan)
        let segmentSet = Set(segmentStarts)
        var alerts: [GridAlert] = []
        for k in 0..<times.count {
            let time = times[k]
            let newSegment = segmentSet.contains(k)
            if newSegment { engine.reset() }
            let priceIndex = first + Int((time.millisecondsSinceEpoch - window.from.millisecondsSinceEpoch) / intervalMs)
            var observation: PriceObservation?
            if priceIndex > 0 {
                let known = prices.values[priceIndex - 1]
                if !known.isNaN {
                    observation = PriceObservation(
                        intervalStart: Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch - intervalMs),
                        intervalMinutes: minutes,
                        price: USDPerMWh(known),
                        publishedAt: time
                    )
                }
            }
            let decisionHashPrice = inputs.bitcoin.hashPrice(onDay: Self.utcDay(time) - 1) ?? .nan
            alerts.removeAll(keepingCapacity: true)
            if let model = inputs.peakAlerts, let alert = model.alert(at: time) { alerts.append(alert) }
            let input = DecisionInput(
                time: time,
                realTimePrice: observation,
                dayAheadPrice: inputs.dayAhead?.value(at: time).map(USDPerMWh.init),
                hashPrice: USDPerTerahashDay(decisionHashPrice),
                alerts: alerts
            )
            engine.decide(input, into: &decision)

            // Settle.
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
                groupTotals[g].settle(megawatts: mw, terahash: th, at: k, in: series)
                groupTotals[g].cycles += woken / minerCount[g]
                if running > 0 { runningHours[g] += hours }
                siteMW += mw
                siteTH += th
            }
            let before = policyTotals.profitUSD
            policyTotals.settle(megawatts: siteMW, terahash: siteTH, at: k, in: series)
            policyTotals.curtailedMWh += max(0, alwaysOnMW - siteMW) * hours
            let alwaysOnBefore = alwaysOnTotals.profitUSD
            alwaysOnTotals.settle(megawatts: alwaysOnMW, terahash: alwaysOnTH, at: k, in: series)
            if detail != nil {
                detail!.time.append(time)
                detail!.price.append(marketPrice[k])
                detail!.decisionHashPrice.append(decisionHashPrice)
                let hashPrice = inputs.bitcoin.hashPrice(onDay: min(Self.utcDay(time), lastDay)) ?? .nan
                detail!.hashPrice.append(hashPrice)
                let factor = BreakEven.revenuePerMWhFactor(hashPrice: USDPerTerahashDay(hashPrice), poolFee: poolFee)
                detail!.breakEvenHigh.append(factor / efficiencies.best)
                detail!.breakEvenLow.append(factor / efficiencies.worst)
                detail!.policyMW.append(siteMW)
                detail!.alwaysOnMW.append(alwaysOnMW)
                detail!.policyProfit.append(policyTotals.profitUSD - before)
                detail!.alwaysOnProfit.append(alwaysOnTotals.profitUSD - alwaysOnBefore)
                detail!.rules.append(decision.firedRules.map { ruleNames[$0] }.joined(separator: ";"))
                detail!.constraints.append(decision.constraints.isEmpty ? "" : decision.constraints.description)
                detail!.running.append(decision.groups.map(\.minersRunning))
            }
        }
        for g in 0..<groupCount { policyTotals.cycles += groupTotals[g].cycles }

        // The oracle.
        var oracleTotals = LedgerTotals()
        var oracleExact = true
        if options.oracle {
            let schedule = Oracle.solve(site: site, series: series, constraints: Oracle.Constraints(settings: engine.dispatchSettings))
            oracleTotals = schedule.totals
            oracleExact = schedule.exact
            for k in 0..<times.count { oracleTotals.curtailedMWh += max(0, alwaysOnMW - schedule.sitePower[k]) * hours }
            if detail != nil {
                detail!.oracleMW = schedule.sitePower
                detail!.oracleProfit = (0..<times.count).map { k in
                    schedule.hashrate[k] * series.revenuePerTerahash[k] - series.cost(megawatts: schedule.sitePower[k], at: k)
                }
            }
        }

        var contract: Double?
        if let contractPrice = policy.economics.contractPrice, let contractMW = policy.economics.contractMW {
            contract = marketPrice.reduce(0) { $0 + contractMW * hours * (contractPrice - $1) }
        }
        return ReplayResult(
            window: window,
            intervals: times.count,
            intervalSeconds: intervalSeconds,
            gaps: gaps,
            policy: policyTotals,
            alwaysOn: alwaysOnTotals,
            oracle: oracleTotals,
            oracleExact: oracleExact,
            contractSettlementUSD: contract,
            groups: site.groups.indices.map {
                ReplayResult.GroupResult(name: site.groups[$0].name, totals: groupTotals[$0], runningHours: runningHours[$0])
            },
            policyName: policy.name,
            parameters: zip(policy.parameters, parameterValues).map { ($0.name, $1) },
            siteID: site.id,
            // A named column is the node; a single-node file's generic column is the site's node.
            node: prices.column == "price_usd_per_mwh" ? site.node : prices.column,
            notes: notes,
            detail: detail
        )
    }

    /// UTC day number of an instant.
    @inline(__always)
    static func utcDay(_ time: Timestamp) -> Int {
        let ms = time.millisecondsSinceEpoch
        return Int(ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000)
    }

    /// Always-on power and hash rate: every step of the bid curve, cut to the import limit from the
    /// least valuable step down.
    static func alwaysOn(site: Site, curve: BidCurve) -> (megawatts: Double, terahash: Double) {
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
