import CurtailCore
import Testing

/// The co-optimised oracle (energy and ancillary capacity) against brute force on small sites.
@Suite("oracle with ancillary capacity")
struct ReserveOracleTests {
    /// Two groups of a few miners: one with power profiles (4 levels), one on/off (2 levels).
    static func site(minimumOn: Double, minimumOff: Double) -> Site {
        let model = MinerCatalog.model(named: "s19jpro")!
        let profiles = MinerGroup(
            name: "p",
            model: model,
            count: 10,
            firmware: FirmwareCapability.defaultProfiles(for: model),
            minimumOnSeconds: minimumOn,
            minimumOffSeconds: minimumOff,
            wakeSeconds: 0
        )
        let onOff = MinerGroup(
            name: "o",
            model: model,
            count: 6,
            firmware: .onOff,
            minimumOnSeconds: minimumOn,
            minimumOffSeconds: minimumOff,
            wakeSeconds: 0
        )
        return Site(id: "t", market: "ercot", node: "X", timeZone: .utc, maxImport: Megawatts(100), groups: [profiles, onOff])
    }

    /// Levels of a group: (MW, TH/s), sleep first.
    static func levels(_ site: Site, group g: Int) -> [(mw: Double, th: Double)] {
        let curve = BidCurve(site: site)
        let group = site.groups[g]
        let count = Double(group.count)
        var result = [(group.model.sleepPower.value * count / 1e6, 0.0)]
        for step in curve.steps[curve.groupSteps[g]] { result.append((step.toPower.value * count / 1e6, step.toHashrate.value * count)) }
        return result
    }

    /// Every level sequence of both groups honouring the dwell times (free start); each hour
    /// sells the most its lowest load allows, at the best prices.
    static func bruteForce(site: Site, series: SettlementSeries, market: ReserveMarket, on: Int, off: Int) -> Double {
        let ladders = [levels(site, group: 0), levels(site, group: 1)]
        let sleep = site.sleepPower.value
        let n = series.count
        let hours = market.clearingPrice.count
        func feasible(_ sequence: [Int]) -> Bool {
            var t = 0
            var first = true
            while t < n {
                let isOn = sequence[t] > 0
                var end = t
                while end + 1 < n && (sequence[end + 1] > 0) == isOn { end += 1 }
                if !first && end + 1 < n && end - t + 1 < (isOn ? on : off) { return false }
                first = false
                t = end + 1
            }
            return true
        }
        func sequences(levels: Int) -> [[Int]] {
            var all: [[Int]] = [[]]
            for _ in 0..<n { all = all.flatMap { prefix in (0..<levels).map { prefix + [$0] } } }
            return all.filter(feasible)
        }
        let first = sequences(levels: ladders[0].count)
        let second = sequences(levels: ladders[1].count)
        var best = -Double.infinity
        for a in first {
            for b in second {
                var profit = 0.0
                var running = [Double](repeating: .infinity, count: hours)
                for t in 0..<n {
                    let mw = ladders[0][a[t]].mw + ladders[1][b[t]].mw
                    let th = ladders[0][a[t]].th + ladders[1][b[t]].th
                    profit += th * series.revenuePerTerahash[t] - mw * series.energyPrice[t] * series.intervalHours
                    let h = Int(market.hourSlot[t])
                    running[h] = min(running[h], mw - sleep)
                }
                for h in 0..<hours {
                    let intervals = Double(market.hourSlot.filter { $0 == h }.count)
                    let sale = min(running[h], market.capacityMW)
                    profit +=
                        AncillaryMarket.bestRevenue(reserveMW: sale, clearingPrice: market.clearingPrice[h], qualification: market.qualification)
                        * intervals * series.intervalHours
                }
                best = max(best, profit)
            }
        }
        return best
    }

    @Test(
        "matches brute force where it says exact (always with independent intervals), and bounds it where it does not",
        arguments: [(1, 1), (2, 2), (3, 1)]
    )
    func bruteForceAgreement(on: Int, off: Int) {
        var generator = OracleTests.Generator(state: UInt64(on * 131 + off * 17))
        var exact = 0
        var optimal = 0
        let cases = 8
        for _ in 0..<cases {
            let site = Self.site(minimumOn: Double(on) * 1800, minimumOff: Double(off) * 1800)
            // 6 half-hour intervals, 3 hours; prices around the break-even so energy and reserve compete.
            let prices = (0..<6).map { _ in generator.next() * 200 - 20 }
            let series = SettlementSeries(
                intervalSeconds: 1800,
                energyPrice: prices,
                revenuePerTerahash: Array(repeating: 0.06 * 0.5 / 24, count: 6)
            )
            let clearing = (0..<3).map { _ in
                ProductValues(rrs: generator.next() * 40, ecrs: generator.next() < 0.3 ? .nan : generator.next() * 60, nonSpin: generator.next() * 20)
            }
            let market = ReserveMarket(
                hourSlot: [0, 0, 1, 1, 2, 2],
                clearingPrice: clearing,
                qualification: ProductValues(rrs: 0.01, ecrs: 0.015, nonSpin: 0.02),
                capacityMW: site.curtailableMW
            )
            let schedule = Oracle.solve(site: site, series: series, constraints: Oracle.Constraints(settings: DispatchSettings()), reserve: market)
            let expected = Self.bruteForce(site: site, series: series, market: market, on: on, off: off)
            let scale = max(1, abs(expected))
            // The schedule is feasible: never better than the optimum.
            #expect(schedule.totals.profitUSD <= expected + 1e-9 * scale)
            if abs(schedule.totals.profitUSD - expected) <= 1e-6 * scale { optimal += 1 }
            if schedule.exact {
                exact += 1
                #expect(schedule.upperBoundUSD == nil)
                #expect(abs(schedule.totals.profitUSD - expected) <= 1e-6 * scale, "on \(on) off \(off): \(schedule.totals.profitUSD) vs \(expected)")
            } else {
                let bound = schedule.upperBoundUSD ?? -.infinity
                #expect(bound >= expected - 1e-9 * scale, "the bound \(bound) is below the optimum \(expected)")
            }
            // Its ancillary revenue is what its own load allows.
            #expect(schedule.reserveMW.count == 3)
            for h in 0..<3 {
                let lowest = (2 * h..<2 * h + 2).map { schedule.sitePower[$0] - site.sleepPower.value }.min()!
                #expect(schedule.reserveMW[h] <= lowest + 1e-12)
            }
        }
        if on == 1 && off == 1 {
            // Independent intervals: solved exactly, hour by hour.
            #expect(exact == cases)
        } else {
            // Dwell times couple the intervals: Lagrangian relaxation. Its schedules are still the
            // optimum in most cases, even where the bound cannot prove it.
            #expect(optimal >= cases / 2, "the optimum found in \(optimal) of \(cases) cases")
        }
    }

    @Test("without clearing prices it is the energy oracle")
    func noPricesIsEnergyOracle() {
        var generator = OracleTests.Generator(state: 9)
        let site = Self.site(minimumOn: 1800, minimumOff: 1800)
        let series = SettlementSeries(
            intervalSeconds: 1800,
            energyPrice: (0..<6).map { _ in generator.next() * 200 },
            revenuePerTerahash: Array(repeating: 0.06 * 0.5 / 24, count: 6)
        )
        let market = ReserveMarket(
            hourSlot: [0, 0, 1, 1, 2, 2],
            clearingPrice: Array(repeating: .unknown, count: 3),
            qualification: ProductValues(rrs: 1),
            capacityMW: 1
        )
        let constraints = Oracle.Constraints(settings: DispatchSettings())
        let with = Oracle.solve(site: site, series: series, constraints: constraints, reserve: market)
        let without = Oracle.solve(site: site, series: series, constraints: constraints)
        #expect(with.totals == without.totals)
        #expect(with.exact)
    }
}
