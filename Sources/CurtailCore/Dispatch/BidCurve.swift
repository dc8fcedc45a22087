/// The fleet bid curve: every increment of load the site can add, with the price below which
/// it pays for itself.
///
/// Each miner group climbs a ladder of power levels: asleep, then each operating point of its
/// firmware. A step from one level to the next adds `ΔP` watts per miner for `ΔH` TH/s, so it
/// breaks even at `hashprice · (1 − fee) · ΔH / (24 h · ΔP)`: the *incremental* J/TH decides,
/// not the average. Only levels on the upper concave hull of (power, hash rate) are kept, so
/// each group's steps break even at strictly falling prices and a step is never worth taking
/// before the one below it. Across groups, steps are sorted by that price: the merit order.
///
/// Break-even prices scale with hash price and pool fee but their order does not, so the curve
/// is built once per site and priced on demand.
public struct BidCurve: Sendable {
    /// One increment of load.
    public struct Step: Hashable, Sendable {
        /// Index of the group in the site.
        public var group: Int
        /// The level this step reaches (1 = miners awake at the lowest point).
        public var level: Int
        /// Per-miner power before and after the step.
        public var fromPower: Watts
        public var toPower: Watts
        /// Per-miner hash rate before and after the step.
        public var fromHashrate: TerahashPerSecond
        public var toHashrate: TerahashPerSecond
        /// Group load above all-asleep where the step starts and ends, in kW.
        public var lowerKW: Double
        public var upperKW: Double
        /// Incremental TH/s per W of the step: break-even = ``BreakEven/revenuePerMWhFactor(hashPrice:poolFee:)`` × this.
        public var terahashPerWatt: Double

        /// Load the step adds when the whole group takes it.
        public var megawatts: Megawatts { Megawatts((upperKW - lowerKW) / 1000) }

        /// Incremental efficiency of the step.
        public var incrementalEfficiency: JoulesPerTerahash { JoulesPerTerahash(1 / terahashPerWatt) }

        /// The break-even price of the step.
        public func breakEven(hashPrice: USDPerTerahashDay, poolFee: Double) -> USDPerMWh {
            USDPerMWh(BreakEven.revenuePerMWhFactor(hashPrice: hashPrice, poolFee: poolFee) * terahashPerWatt)
        }
    }

    /// A point of the priced curve: at prices up to `price`, the fleet runs `cumulative` above sleep.
    public struct PricedPoint: Hashable, Sendable {
        public var price: USDPerMWh
        public var cumulative: Megawatts
        public var step: Step
    }

    /// Steps, grouped by group and in level order within a group.
    public let steps: [Step]
    /// For each group, the range of its steps in ``steps``.
    public let groupSteps: [Range<Int>]
    /// Indices into ``steps``, most valuable (highest break-even) first.
    public let meritOrder: [Int]

    /// Builds the curve for a site.
    public init(site: Site) {
        var steps: [Step] = []
        var ranges: [Range<Int>] = []
        for (index, group) in site.groups.enumerated() {
            let start = steps.count
            let sleep = group.model.sleepPower
            let ladder = Self.upperHull(
                from: PowerCurve.Point(power: sleep, hashrate: .zero),
                through: group.operatingPoints.filter { $0.power > sleep }
            )
            let count = Double(group.count)
            var previous = PowerCurve.Point(power: sleep, hashrate: .zero)
            var lower = 0.0
            for (offset, point) in ladder.enumerated() {
                let upper = lower + count * (point.power - previous.power).kilowatts
                steps.append(
                    Step(
                        group: index,
                        level: offset + 1,
                        fromPower: previous.power,
                        toPower: point.power,
                        fromHashrate: previous.hashrate,
                        toHashrate: point.hashrate,
                        lowerKW: lower,
                        upperKW: upper,
                        terahashPerWatt: (point.hashrate - previous.hashrate).value / (point.power - previous.power).value
                    )
                )
                previous = point
                lower = upper
            }
            ranges.append(start..<steps.count)
        }
        self.steps = steps
        self.groupSteps = ranges
        self.meritOrder = steps.indices.sorted { a, b in
            let sa = steps[a]
            let sb = steps[b]
            if sa.terahashPerWatt != sb.terahashPerWatt { return sa.terahashPerWatt > sb.terahashPerWatt }
            if sa.group != sb.group { return sa.group < sb.group }
            return sa.level < sb.level
        }
    }

    /// The curve priced at a hash price: cumulative MW above sleep against falling break-even.
    public func priced(hashPrice: USDPerTerahashDay, poolFee: Double) -> [PricedPoint] {
        var cumulative = 0.0
        return meritOrder.map { index in
            let step = steps[index]
            cumulative += step.megawatts.value
            return PricedPoint(price: step.breakEven(hashPrice: hashPrice, poolFee: poolFee), cumulative: Megawatts(cumulative), step: step)
        }
    }

    /// The upper concave hull of `points` seen from `origin`: the levels where every step up
    /// yields less hash per extra watt than the one before. Points under the hull are never
    /// worth running (a mix of the neighbours does better) and are dropped.
    static func upperHull(from origin: PowerCurve.Point, through points: [PowerCurve.Point]) -> [PowerCurve.Point] {
        var hull: [PowerCurve.Point] = [origin]
        for point in points.sorted(by: { $0.power < $1.power }) {
            guard point.hashrate > hull[hull.count - 1].hashrate else { continue }
            while hull.count >= 2 {
                let a = hull[hull.count - 2]
                let b = hull[hull.count - 1]
                // Drop b when the slope a→point is at least the slope a→b (b on or below the chord).
                let cross =
                    (b.power - a.power).value * (point.hashrate - a.hashrate).value
                    - (b.hashrate - a.hashrate).value * (point.power - a.power).value
                if cross >= 0 { hull.removeLast() } else { break }
            }
            hull.append(point)
        }
        return Array(hull.dropFirst())
    }
}
