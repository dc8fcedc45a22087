import CurtailCore
import Testing

/// The oracle against brute force, and its unconstrained case against the interval optimum.
@Suite("oracle")
struct OracleTests {
    /// Deterministic pseudo-random numbers (no seed from the clock: failures must reproduce).
    struct Generator {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    /// One group of 10 profile miners (3 levels), 15-minute intervals.
    static func site(minimumOn: Double, minimumOff: Double, wake: Double) -> Site {
        let model = MinerCatalog.model(named: "s19jpro")!
        let group = MinerGroup(
            name: "g",
            model: model,
            count: 10,
            firmware: FirmwareCapability.defaultProfiles(for: model),
            minimumOnSeconds: minimumOn,
            minimumOffSeconds: minimumOff,
            wakeSeconds: wake
        )
        return Site(id: "t", market: "ercot", node: "X", timeZone: .utc, maxImport: Megawatts(100), groups: [group])
    }

    static func series(_ generator: inout Generator, count: Int) -> SettlementSeries {
        // Prices from −50 to 250 $/MWh around a break-even near 100.
        let prices = (0..<count).map { _ in generator.next() * 300 - 50 }
        let revenue = Array(repeating: 0.072 * 0.25 / 24, count: count)
        return SettlementSeries(intervalSeconds: 900, energyPrice: prices, revenuePerTerahash: revenue)
    }

    /// Best profit over every level sequence that honours the dwell times (free start).
    static func bruteForce(site: Site, series: SettlementSeries, on: Int, off: Int, wakeFraction: Double) -> Double {
        let curve = BidCurve(site: site)
        let group = site.groups[0]
        let count = Double(group.count)
        var power = [group.model.sleepPower.value * count / 1e6]
        var hash = [0.0]
        for step in curve.steps { power.append(step.toPower.value * count / 1e6); hash.append(step.toHashrate.value * count) }
        let levels = power.count
        let n = series.count
        var best = -Double.infinity
        var sequence = Array(repeating: 0, count: n)
        func feasible() -> Bool {
            // Run lengths of on/off, except the first run (free start) must be long enough before a switch.
            var t = 0
            var first = true
            while t < n {
                let isOn = sequence[t] > 0
                var end = t
                while end + 1 < n && (sequence[end + 1] > 0) == isOn { end += 1 }
                let length = end - t + 1
                if !first && end + 1 < n && length < (isOn ? on : off) { return false }
                first = false
                t = end + 1
            }
            return true
        }
        func value() -> Double {
            var total = 0.0
            for t in 0..<n {
                let l = sequence[t]
                var earned = hash[l] * series.revenuePerTerahash[t]
                if t > 0 && sequence[t - 1] == 0 && l > 0 { earned *= 1 - wakeFraction }
                total += earned - power[l] * series.energyPrice[t] * series.intervalHours
            }
            return total
        }
        func recurse(_ t: Int) {
            if t == n {
                if feasible() { best = max(best, value()) }
                return
            }
            for l in 0..<levels {
                sequence[t] = l
                recurse(t + 1)
            }
        }
        recurse(0)
        return best
    }

    @Test("matches brute force under minimum on/off times and wake delay", arguments: [(1, 1, 0.0), (2, 2, 300.0), (3, 1, 600.0), (1, 3, 120.0)])
    func bruteForceAgreement(on: Int, off: Int, wake: Double) {
        var generator = Generator(state: UInt64(on * 31 + off * 7) &+ UInt64(wake))
        for _ in 0..<4 {
            let site = Self.site(minimumOn: Double(on) * 900, minimumOff: Double(off) * 900, wake: wake)
            let series = Self.series(&generator, count: 8)
            let schedule = Oracle.solve(site: site, series: series, constraints: Oracle.Constraints(settings: DispatchSettings()))
            let expected = Self.bruteForce(site: site, series: series, on: on, off: off, wakeFraction: wake / 900)
            #expect(schedule.exact)
            #expect(abs(schedule.totals.profitUSD - expected) < 1e-9 * max(1, abs(expected)), "on \(on) off \(off) wake \(wake)")
        }
    }

    @Test("with no constraints it equals the best level of each interval, group by group")
    func unconstrainedIsIntervalOptimum() {
        var generator = Generator(state: 42)
        let catalog = MinerCatalog.models
        let groups = (0..<6).map { i -> MinerGroup in
            let model = catalog[i * 3 % catalog.count]
            let firmware: FirmwareCapability =
                i % 3 == 0 ? .onOff : (i % 3 == 1 ? FirmwareCapability.defaultProfiles(for: model) : FirmwareCapability.defaultContinuous(for: model))
            return MinerGroup(
                name: "g\(i)",
                model: model,
                count: 100 + i,
                firmware: firmware,
                minimumOnSeconds: 3600,
                minimumOffSeconds: 3600,
                wakeSeconds: 600
            )
        }
        let site = Site(id: "t", market: "ercot", node: "X", timeZone: .utc, maxImport: Megawatts(1000), groups: groups)
        let series = Self.series(&generator, count: 2000)
        let schedule = Oracle.solve(site: site, series: series, constraints: .none)
        let curve = BidCurve(site: site)
        var expected = 0.0
        for t in 0..<series.count {
            for (g, group) in groups.enumerated() {
                let count = Double(group.count)
                var best = -group.model.sleepPower.value * count / 1e6 * series.energyPrice[t] * 0.25
                for step in curve.steps[curve.groupSteps[g]] {
                    best = max(
                        best,
                        step.toHashrate.value * count * series.revenuePerTerahash[t] - step.toPower.value * count / 1e6 * series.energyPrice[t] * 0.25
                    )
                }
                expected += best
            }
        }
        #expect(abs(schedule.totals.profitUSD - expected) < 1e-6 * abs(expected))
        // And the constrained oracle can only earn less.
        let constrained = Oracle.solve(site: site, series: series, constraints: Oracle.Constraints(settings: DispatchSettings()))
        #expect(constrained.totals.profitUSD < schedule.totals.profitUSD)
    }

    @Test("an import limit below the fleet gives the relaxed bound, filled in merit order")
    func relaxedUnderCap() {
        var generator = Generator(state: 7)
        var site = Self.site(minimumOn: 1800, minimumOff: 1800, wake: 300)
        site.maxImport = Megawatts(0.01)  // below the 10 miners' ~0.03 MW
        let series = Self.series(&generator, count: 96)
        let schedule = Oracle.solve(site: site, series: series, constraints: Oracle.Constraints(settings: DispatchSettings()))
        #expect(!schedule.exact)
        #expect(schedule.sitePower.allSatisfy { $0 <= 0.01 + 1e-12 })
    }
}
