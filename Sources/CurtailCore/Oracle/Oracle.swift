/// The best schedule with perfect knowledge of every price: the upper bound a policy is
/// measured against (`capture_ratio` = policy profit / oracle profit).
///
/// Each group chooses, per interval, to sleep or to run at one of the levels of its power
/// ladder (the same ladder as ``BidCurve``), under the same per-group constraints as the
/// dispatcher: minimum on and off times (in whole intervals), and the wake delay, during which
/// woken miners draw power without hashing. Level changes while running are free, as they are
/// for the firmware. With those constraints the optimum is computed exactly by dynamic
/// programming over each group's (on/off, time in state) states, in O(intervals × (levels +
/// states)) per group.
///
/// Groups interact only through the site's import limit. When the fleet at full power fits
/// under it (the usual case, and the example site), groups are independent and the result is
/// exact. When it does not, the oracle fills the limit in merit order each interval without
/// dwell times or wake delays: the interval-by-interval optimum, a valid upper bound but not a
/// reachable schedule, flagged by ``Schedule/exact`` being false.
public enum Oracle: Sendable {
    /// An optimal schedule and its ledger.
    public struct Schedule: Sendable {
        /// Site power per interval, MW.
        public var sitePower: [Double]
        /// Average hash rate per interval after wake losses, TH/s.
        public var hashrate: [Double]
        /// Totals (``LedgerTotals/curtailedMWh`` is left at 0; it is relative to always-on).
        public var totals: LedgerTotals
        /// Whether the schedule is exactly optimal under the per-group constraints (false:
        /// relaxed, see ``Oracle``).
        public var exact: Bool
        /// With ancillary capacity, MW sold per hour slot (empty otherwise).
        public var reserveMW: [Double] = []
        /// When not exact with ancillary capacity: a proven upper bound on the profit, USD.
        public var upperBoundUSD: Double?

        public init(sitePower: [Double], hashrate: [Double], totals: LedgerTotals, exact: Bool) {
            self.sitePower = sitePower
            self.hashrate = hashrate
            self.totals = totals
            self.exact = exact
        }
    }

    /// The per-group constraints the oracle honours.
    public struct Constraints: Hashable, Sendable {
        /// Whether to honour minimum on/off times.
        public var dwell: Bool
        /// Whether to charge wake delays.
        public var wakeDelay: Bool
        /// Default minimum on and off times (seconds), for groups without their own.
        public var minimumOnSeconds: Double
        public var minimumOffSeconds: Double

        /// Dwell times from dispatch settings, wake delays on.
        public init(settings: DispatchSettings, dwell: Bool = true, wakeDelay: Bool = true) {
            self.dwell = dwell
            self.wakeDelay = wakeDelay
            minimumOnSeconds = settings.minimumOnSeconds
            minimumOffSeconds = settings.minimumOffSeconds
        }

        /// No constraints at all: each interval independently at its best level.
        public static let none = Constraints(settings: DispatchSettings(), dwell: false, wakeDelay: false)
    }

    /// Solves for the best schedule of `site` over `series`.
    public static func solve(site: Site, series: SettlementSeries, constraints: Constraints) -> Schedule {
        let ladders = GroupLadder.ladders(of: site)
        let fullPower = ladders.reduce(0) { $0 + $1.power[$1.power.count - 1] }
        if fullPower > site.maxImport.value + 1e-9 {
            return relaxed(site: site, ladders: ladders, series: series)
        }
        var power = Array(repeating: 0.0, count: series.count)
        var hashrate = Array(repeating: 0.0, count: series.count)
        var totals = LedgerTotals()
        for (g, ladder) in ladders.enumerated() {
            let group = site.groups[g]
            let on = constraints.dwell ? intervals(group.minimumOnSeconds ?? constraints.minimumOnSeconds, series.intervalSeconds) : 1
            let off = constraints.dwell ? intervals(group.minimumOffSeconds ?? constraints.minimumOffSeconds, series.intervalSeconds) : 1
            let wake = constraints.wakeDelay ? min(1, group.effectiveWakeSeconds / series.intervalSeconds) : 0
            var solver = GroupSolver(ladder: ladder, minimumOn: on, minimumOff: off, wakeFraction: wake)
            for segment in series.segments {
                totals.cycles += solver.solve(segment, series: series, power: &power, hashrate: &hashrate)
            }
        }
        for t in 0..<series.count {
            totals.settle(megawatts: power[t], terahash: hashrate[t], at: t, in: series)
        }
        return Schedule(sitePower: power, hashrate: hashrate, totals: totals, exact: true)
    }

    /// Minimum dwell in whole intervals (at least 1): a 15-minute minimum off time on
    /// 15-minute intervals means one interval off.
    static func intervals(_ seconds: Double, _ intervalSeconds: Double) -> Int {
        max(1, Int((seconds / intervalSeconds - 1e-9).rounded(.up)))
    }

    /// Interval-by-interval merit-order fill up to the import limit, no dwell, no wake delay.
    static func relaxed(site: Site, ladders: [GroupLadder], series: SettlementSeries) -> Schedule {
        // Steps across groups, most TH per MW first (the ladders are concave, so this keeps each
        // group's levels in order).
        struct Step {
            var megawatts: Double
            var terahash: Double
        }
        var steps: [Step] = []
        var sleep = 0.0
        for ladder in ladders {
            sleep += ladder.power[0]
            for l in 1..<ladder.power.count {
                steps.append(
                    Step(megawatts: ladder.power[l] - ladder.power[l - 1], terahash: ladder.hashrate[l] - ladder.hashrate[l - 1])
                )
            }
        }
        steps.sort { $0.terahash / $0.megawatts > $1.terahash / $1.megawatts }
        var power = Array(repeating: 0.0, count: series.count)
        var hashrate = Array(repeating: 0.0, count: series.count)
        var totals = LedgerTotals()
        let hours = series.intervalHours
        let room = max(0, site.maxImport.value - sleep)
        for t in 0..<series.count {
            let costPerMW = series.energyPrice[t] * hours + series.transmissionPerMW[t]
            let revenue = series.revenuePerTerahash[t]
            var left = room
            var mw = sleep
            var th = 0.0
            for step in steps {
                guard left > 1e-12, step.terahash * revenue - step.megawatts * costPerMW > 0 else { break }
                let fraction = min(1, left / step.megawatts)
                mw += step.megawatts * fraction
                th += step.terahash * fraction
                left -= step.megawatts * fraction
            }
            power[t] = mw
            hashrate[t] = th
            totals.settle(megawatts: mw, terahash: th, at: t, in: series)
        }
        return Schedule(sitePower: power, hashrate: hashrate, totals: totals, exact: false)
    }
}

/// A group's power ladder as whole-group figures: level 0 asleep, then each hull level.
struct GroupLadder {
    /// Group power per level, MW.
    var power: [Double]
    /// Group hash rate per level, TH/s.
    var hashrate: [Double]

    static func ladders(of site: Site) -> [GroupLadder] {
        let curve = BidCurve(site: site)
        return site.groups.enumerated().map { g, group in
            let count = Double(group.count)
            var power = [group.model.sleepPower.value * count / 1e6]
            var hashrate = [0.0]
            for step in curve.steps[curve.groupSteps[g]] {
                power.append(step.toPower.value * count / 1e6)
                hashrate.append(step.toHashrate.value * count)
            }
            return GroupLadder(power: power, hashrate: hashrate)
        }
    }
}
