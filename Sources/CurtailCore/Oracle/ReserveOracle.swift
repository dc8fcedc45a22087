/// What the oracle needs to co-optimise ancillary capacity: per interval its hour, per hour the
/// clearing prices, and what the site may sell.
public struct ReserveMarket: Sendable {
    /// Per interval of the settlement series: its hour slot.
    public var hourSlot: [Int32]
    /// Per hour slot: clearing prices, USD/MW/h (NaN: nothing can be sold).
    public var clearingPrice: [ProductValues]
    /// The most the site may sell of each product, MW.
    public var qualification: ProductValues
    /// The most all awards may add up to, MW.
    public var capacityMW: Double

    public init(hourSlot: [Int32], clearingPrice: [ProductValues], qualification: ProductValues, capacityMW: Double) {
        self.hourSlot = hourSlot
        self.clearingPrice = clearingPrice
        self.qualification = qualification
        self.capacityMW = capacityMW
    }
}

extension Oracle {
    /// The best schedule of energy, 4CP and ancillary capacity together, with perfect
    /// knowledge: per hour, how many MW to sell of each product, and per interval each group's
    /// level, under the dispatcher's per-group constraints, with the MW sold kept running
    /// (site load ≥ sleep load + MW sold, in every interval of the hour).
    ///
    /// When intervals are independent (no dwell beyond one interval, no wake delay) each hour is
    /// solved exactly by enumeration (``separable(site:series:constraints:market:hourCurves:)``).
    /// Otherwise the reserve constraint couples the groups, and the problem is solved by Lagrangian
    /// relaxation: a price μₜ ≥ 0 on each interval's constraint makes the groups independent
    /// again (each solved exactly by the dynamic programme, with every running MW earning μₜ) and
    /// each hour's sale a small concave problem. Every μ gives an upper bound on the optimum (weak
    /// duality); a subgradient search lowers it. Each relaxed schedule, with the hour's sale cut
    /// to what its load kept running, is a feasible schedule: a lower bound. When the best of
    /// each meet (within 10⁻⁷ of the profit), the schedule is optimal and ``Schedule/exact`` is true;
    /// otherwise the schedule is the best feasible one found and ``Schedule/upperBoundUSD`` is
    /// the proven bound, which `capture_ratio` then uses. Deployments are not modelled: they only
    /// restrict a policy, so the bound stays a bound.
    public static func solve(site: Site, series: SettlementSeries, constraints: Constraints, reserve market: ReserveMarket) -> Schedule {
        let n = series.count
        let hourCount = market.clearingPrice.count
        let sleepMW = site.sleepPower.value
        let hours = series.intervalHours
        // Per hour: intervals in it, and the breakpoints of its revenue curve (MW sold → USD/h).
        var intervalsIn = [Double](repeating: 0, count: hourCount)
        for t in 0..<n { intervalsIn[Int(market.hourSlot[t])] += 1 }
        var breakpoints: [[(mw: Double, usdPerHour: Double)]] = []
        breakpoints.reserveCapacity(hourCount)
        for h in 0..<hourCount {
            var points = [(mw: 0.0, usdPerHour: 0.0)]
            var mw = 0.0
            var usd = 0.0
            var used: UInt8 = 0
            while let product = AncillaryMarket.nextByPrice(market.clearingPrice[h], excluding: &used) {
                let price = market.clearingPrice[h][product]
                guard price > 0, mw < market.capacityMW - 1e-12 else { continue }
                let add = min(market.qualification[product], market.capacityMW - mw)
                guard add > 1e-12 else { continue }
                mw += add
                usd += add * price
                points.append((mw, usd))
            }
            breakpoints.append(points)
        }
        let hasReserve = breakpoints.contains { $0.count > 1 }
        if hasReserve, let exact = separable(site: site, series: series, constraints: constraints, market: market, hourCurves: breakpoints) {
            return exact
        }
        let energyOnly = solve(site: site, series: series, constraints: constraints)
        guard hasReserve else { return energyOnly }

        /// Sale per hour that a schedule's load allows, and the revenue it earns.
        func feasibleSale(_ power: [Double]) -> (sale: [Double], revenue: Double) {
            var running = [Double](repeating: .infinity, count: hourCount)
            for t in 0..<n {
                let h = Int(market.hourSlot[t])
                running[h] = min(running[h], max(0, power[t] - sleepMW))
            }
            var sale = [Double](repeating: 0, count: hourCount)
            var revenue = 0.0
            for h in 0..<hourCount where running[h].isFinite {
                let points = breakpoints[h]
                let limit = min(running[h], points[points.count - 1].mw)
                sale[h] = limit
                revenue += curve(points, at: limit) * intervalsIn[h] * hours
            }
            return (sale, revenue)
        }

        var best = energyOnly
        var bestSale = feasibleSale(energyOnly.sitePower)
        var bestPrimal = energyOnly.totals.profitUSD + bestSale.revenue
        var bestDual = Double.infinity
        var mu = [Double](repeating: 0, count: n)
        var transmission = series.transmissionPerMW
        var relaxedSeries = series
        var step = 2.0
        var sinceImprovement = 0
        var gradient = [Double](repeating: 0, count: n)
        for _ in 0..<80 {
            for t in 0..<n { transmission[t] = series.transmissionPerMW[t] - mu[t] }
            relaxedSeries.transmissionPerMW = transmission
            let relaxed = solve(site: site, series: relaxedSeries, constraints: constraints)
            // L(μ): the groups' relaxed profit, less μ on sleep load, plus each hour's best sale.
            var dual = relaxed.totals.profitUSD
            var muPerHour = [Double](repeating: 0, count: hourCount)
            for t in 0..<n {
                dual -= mu[t] * sleepMW
                muPerHour[Int(market.hourSlot[t])] += mu[t]
            }
            var chosen = [Double](repeating: 0, count: hourCount)
            for h in 0..<hourCount {
                var bestValue = 0.0
                for point in breakpoints[h] {
                    let value = point.usdPerHour * intervalsIn[h] * hours - point.mw * muPerHour[h]
                    if value > bestValue + 1e-12 {
                        bestValue = value
                        chosen[h] = point.mw
                    }
                }
                dual += bestValue
            }
            if dual < bestDual - 1e-9 {
                bestDual = dual
                sinceImprovement = 0
            } else {
                sinceImprovement += 1
                if sinceImprovement >= 5 {
                    step /= 2
                    sinceImprovement = 0
                }
            }
            // The relaxed schedule made feasible, with its own energy profit.
            var actual = LedgerTotals()
            for t in 0..<n { actual.settle(megawatts: relaxed.sitePower[t], terahash: relaxed.hashrate[t], at: t, in: series) }
            let sale = feasibleSale(relaxed.sitePower)
            if actual.profitUSD + sale.revenue > bestPrimal {
                bestPrimal = actual.profitUSD + sale.revenue
                best = Schedule(sitePower: relaxed.sitePower, hashrate: relaxed.hashrate, totals: actual, exact: relaxed.exact)
                best.totals.cycles = relaxed.totals.cycles
                bestSale = sale
            }
            let gap = bestDual - bestPrimal
            if gap <= tolerance(bestDual) { break }
            // Subgradient of L at μ, and a Polyak step towards the best feasible value.
            var norm = 0.0
            for t in 0..<n {
                gradient[t] = max(0, relaxed.sitePower[t] - sleepMW) - chosen[Int(market.hourSlot[t])]
                norm += gradient[t] * gradient[t]
            }
            guard norm > 1e-12, step > 1e-6 else { break }
            let length = step * gap / norm
            for t in 0..<n { mu[t] = max(0, mu[t] - length * gradient[t]) }
        }
        best.totals.ancillaryRevenueUSD = bestSale.revenue
        best.reserveMW = bestSale.sale
        let exact = best.exact && bestDual - bestPrimal <= tolerance(bestDual)
        best.exact = exact
        best.upperBoundUSD = exact ? nil : max(bestDual, bestPrimal)
        return best
    }

    /// How close the bounds must be to call a schedule optimal: 10⁻⁷ of the profit ($1 on $10 M).
    static func tolerance(_ bound: Double) -> Double { 1e-7 * max(1, abs(bound)) }

    /// A concave piecewise-linear curve through `points` (increasing MW) at `mw`.
    static func curve(_ points: [(mw: Double, usdPerHour: Double)], at mw: Double) -> Double {
        guard mw > 0 else { return 0 }
        for i in 1..<points.count where mw <= points[i].mw + 1e-12 {
            let a = points[i - 1]
            let b = points[i]
            let span = b.mw - a.mw
            return span > 0 ? a.usdPerHour + (b.usdPerHour - a.usdPerHour) * (mw - a.mw) / span : b.usdPerHour
        }
        return points[points.count - 1].usdPerHour
    }
}
