extension Oracle {
    /// The most combinations of group levels the hour-by-hour enumeration takes on.
    static let separableCombinationLimit = 4096

    /// The exact co-optimum when intervals are independent (no minimum on or off time beyond one
    /// interval, no wake delay): each hour then stands alone. For each hour, the best sale is one
    /// of the loads a combination of group levels can run (capped at the most the hour can
    /// sell), and for a given sale each interval takes its best combination running at least
    /// that much. `nil` when the constraints couple intervals or the combinations are too many.
    static func separable(
        site: Site,
        series: SettlementSeries,
        constraints: Constraints,
        market: ReserveMarket,
        hourCurves: [[(mw: Double, usdPerHour: Double)]]
    )
        -> Schedule?
    {
        let ladders = GroupLadder.ladders(of: site)
        for (g, group) in site.groups.enumerated() {
            let on = constraints.dwell ? intervals(group.minimumOnSeconds ?? constraints.minimumOnSeconds, series.intervalSeconds) : 1
            let off = constraints.dwell ? intervals(group.minimumOffSeconds ?? constraints.minimumOffSeconds, series.intervalSeconds) : 1
            let wake = constraints.wakeDelay ? min(1, group.effectiveWakeSeconds / series.intervalSeconds) : 0
            guard on == 1, off == 1, wake == 0, ladders[g].power.count > 0 else { return nil }
        }
        let combinationCount = ladders.reduce(1) { $0 * $1.power.count }
        guard combinationCount <= separableCombinationLimit else { return nil }
        // Every combination within the import limit: power, hash rate, running MW, levels.
        struct Combination {
            var power: Double
            var hashrate: Double
            var running: Double
            var levels: [Int]
        }
        let sleepMW = ladders.reduce(0) { $0 + $1.power[0] }
        var combinations: [Combination] = [Combination(power: 0, hashrate: 0, running: 0, levels: [])]
        for ladder in ladders {
            combinations = combinations.flatMap { c in
                (0..<ladder.power.count).map { l in
                    Combination(power: c.power + ladder.power[l], hashrate: c.hashrate + ladder.hashrate[l], running: 0, levels: c.levels + [l])
                }
            }
        }
        combinations = combinations.filter { $0.power <= site.maxImport.value + 1e-9 }
        for i in combinations.indices { combinations[i].running = max(0, combinations[i].power - sleepMW) }
        combinations.sort { $0.running < $1.running }
        let c = combinations.count
        guard c > 0 else { return nil }
        let running = combinations.map(\.running)
        /// First combination running at least `mw`.
        func first(atLeast mw: Double) -> Int {
            var low = 0
            var high = c
            while low < high {
                let mid = (low + high) / 2
                if running[mid] < mw - 1e-12 { low = mid + 1 } else { high = mid }
            }
            return low
        }
        let n = series.count
        let hours = series.intervalHours
        var power = [Double](repeating: 0, count: n)
        var hashrate = [Double](repeating: 0, count: n)
        var chosen = [Int](repeating: 0, count: n)
        var sale = [Double](repeating: 0, count: market.clearingPrice.count)
        var totals = LedgerTotals()
        // Intervals of each hour, in order.
        var members = [[Int]](repeating: [], count: market.clearingPrice.count)
        for t in 0..<n { members[Int(market.hourSlot[t])].append(t) }
        // Per interval of the hour: suffix maxima of profit over combinations sorted by running MW.
        var best: [[Double]] = []
        var bestAt: [[Int]] = []
        for h in members.indices where !members[h].isEmpty {
            let slots = members[h]
            best = Array(repeating: Array(repeating: 0, count: c), count: slots.count)
            bestAt = Array(repeating: Array(repeating: 0, count: c), count: slots.count)
            for (j, t) in slots.enumerated() {
                let costPerMW = series.energyPrice[t] * hours + series.transmissionPerMW[t]
                let revenue = series.revenuePerTerahash[t]
                var runningBest = -Double.infinity
                var runningAt = c - 1
                for i in stride(from: c - 1, through: 0, by: -1) {
                    let value = combinations[i].hashrate * revenue - combinations[i].power * costPerMW
                    if value > runningBest {
                        runningBest = value
                        runningAt = i
                    }
                    best[j][i] = runningBest
                    bestAt[j][i] = runningAt
                }
            }
            let curve = hourCurves[h]
            let most = curve[curve.count - 1].mw
            let weight = Double(slots.count) * hours
            var bestValue = -Double.infinity
            var bestStart = 0
            var bestSale = 0.0
            var candidates = Array(Set(running.map { min($0, most) }))
            candidates.sort()
            for mw in candidates {
                let start = first(atLeast: mw)
                guard start < c else { continue }
                var value = Oracle.curve(curve, at: mw) * weight
                for j in slots.indices { value += best[j][start] }
                if value > bestValue + 1e-12 {
                    bestValue = value
                    bestStart = start
                    bestSale = mw
                }
            }
            sale[h] = bestSale
            for (j, t) in slots.enumerated() { chosen[t] = bestAt[j][bestStart] }
            totals.ancillaryRevenueUSD += Oracle.curve(curve, at: bestSale) * weight
        }
        for t in 0..<n {
            let combination = combinations[chosen[t]]
            power[t] = combination.power
            hashrate[t] = combination.hashrate
            totals.settle(megawatts: power[t], terahash: hashrate[t], at: t, in: series)
        }
        // Wake-ups: a group leaving sleep (within a segment), in whole-group equivalents.
        for segment in series.segments {
            for t in segment.dropFirst() {
                let before = combinations[chosen[t - 1]].levels
                let now = combinations[chosen[t]].levels
                for g in ladders.indices where before[g] == 0 && now[g] > 0 { totals.cycles += 1 }
            }
        }
        var schedule = Schedule(sitePower: power, hashrate: hashrate, totals: totals, exact: true)
        schedule.reserveMW = sale
        return schedule
    }
}
