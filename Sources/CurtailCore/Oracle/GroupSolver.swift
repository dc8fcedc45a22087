/// Dynamic programme for one group: states are "off for k intervals" (k = 1…minimumOff, the
/// last meaning "at least") and "on for k intervals" (k = 1…minimumOn, likewise). While on,
/// the best level of each interval is taken (level changes are free); the first interval after
/// a wake earns `1 − wakeFraction` of its hash.
struct GroupSolver {
    let ladder: GroupLadder
    let minimumOn: Int
    let minimumOff: Int
    let wakeFraction: Double
    /// Two rows of state values (current and next interval), reused.
    private var values: [Double]
    /// Per interval and state, the state it came from.
    private var from: [UInt16] = []
    /// Per interval: best level when running, when waking.
    private var runLevel: [UInt8] = []
    private var wakeLevel: [UInt8] = []

    init(ladder: GroupLadder, minimumOn: Int, minimumOff: Int, wakeFraction: Double) {
        self.ladder = ladder
        // Dwell beyond ~68 days is not a dwell time; cap it so predecessors fit in UInt16.
        self.minimumOn = min(minimumOn, 6_000)
        self.minimumOff = min(minimumOff, 6_000)
        self.wakeFraction = wakeFraction
        values = Array(repeating: 0, count: 2 * (self.minimumOn + self.minimumOff))
    }

    /// Solves one contiguous segment, writing the group's power and hash rate into the site
    /// arrays (added to what is there). Returns the number of wake-ups.
    mutating func solve(_ segment: Range<Int>, series: SettlementSeries, power: inout [Double], hashrate: inout [Double]) -> Double {
        let n = segment.count
        guard n > 0 else { return 0 }
        let states = minimumOff + minimumOn
        let offFull = minimumOff - 1  // index of "off for at least minimumOff"
        let onFirst = minimumOff  // index of "on for 1"
        let onFull = states - 1  // index of "on for at least minimumOn"
        from = Array(repeating: 0, count: n * states)
        runLevel = Array(repeating: 0, count: n)
        wakeLevel = Array(repeating: 0, count: n)
        let levels = ladder.power.count
        let hours = series.intervalHours
        let keep = 1 - wakeFraction
        let sleepPower = ladder.power[0]

        var result = 0.0
        ladder.power.withUnsafeBufferPointer { lp in
            ladder.hashrate.withUnsafeBufferPointer { lh in
                series.energyPrice.withUnsafeBufferPointer { price in
                    series.revenuePerTerahash.withUnsafeBufferPointer { revenue in
                        series.transmissionPerMW.withUnsafeBufferPointer { transmission in
                            from.withUnsafeMutableBufferPointer { from in
                                values.withUnsafeMutableBufferPointer { rows in
                                    do {
                                        for i in 0..<n {
                                            let t = segment.lowerBound + i
                                            let costPerMW = price[t] * hours + transmission[t]
                                            let r = revenue[t]
                                            let sleepValue = -sleepPower * costPerMW
                                            var run = -Double.infinity
                                            var wake = -Double.infinity
                                            var runAt = 1
                                            var wakeAt = 1
                                            for l in 1..<levels {
                                                let cost = lp[l] * costPerMW
                                                let earn = lh[l] * r
                                                if earn - cost > run {
                                                    run = earn - cost
                                                    runAt = l
                                                }
                                                if earn * keep - cost > wake {
                                                    wake = earn * keep - cost
                                                    wakeAt = l
                                                }
                                            }
                                            if levels == 1 {
                                                // A group with no operating point can only sleep.
                                                run = -.infinity
                                                wake = -.infinity
                                            }
                                            runLevel[i] = UInt8(truncatingIfNeeded: runAt)
                                            wakeLevel[i] = UInt8(truncatingIfNeeded: wakeAt)
                                            let base = i * states
                                            // Row i & 1 holds interval i − 1; the other receives interval i.
                                            let value = UnsafeMutableBufferPointer(
                                                rebasing: rows[((i + 1) & 1) * states..<((i + 1) & 1) * states + states]
                                            )
                                            let next = UnsafeMutableBufferPointer(rebasing: rows[(i & 1) * states..<(i & 1) * states + states])
                                            if i == 0 {
                                                // Free start: already in either state, dwell satisfied, no wake.
                                                for s in 0..<states { next[s] = -.infinity }
                                                next[offFull] = sleepValue
                                                next[onFull] = run
                                                from[base + offFull] = UInt16(offFull)
                                                from[base + onFull] = UInt16(onFull)
                                            } else {
                                                // Off states.
                                                if minimumOff == 1 {
                                                    let stay = value[0]
                                                    let stop = value[onFull]
                                                    next[0] = max(stay, stop) + sleepValue
                                                    from[base] = stay >= stop ? 0 : UInt16(onFull)
                                                } else {
                                                    next[0] = value[onFull] + sleepValue
                                                    from[base] = UInt16(onFull)
                                                    for k in 1..<minimumOff {
                                                        if k == offFull && value[k] > value[k - 1] {
                                                            next[k] = value[k] + sleepValue
                                                            from[base + k] = UInt16(k)
                                                        } else {
                                                            next[k] = value[k - 1] + sleepValue
                                                            from[base + k] = UInt16(k - 1)
                                                        }
                                                    }
                                                }
                                                // On states.
                                                let woken = value[offFull] + wake
                                                if minimumOn == 1 {
                                                    let stay = value[onFirst] + run
                                                    next[onFirst] = max(stay, woken)
                                                    from[base + onFirst] = stay >= woken ? UInt16(onFirst) : UInt16(offFull)
                                                } else {
                                                    next[onFirst] = woken
                                                    from[base + onFirst] = UInt16(offFull)
                                                    for k in (onFirst + 1)...onFull {
                                                        if k == onFull && value[k] > value[k - 1] {
                                                            next[k] = value[k] + run
                                                            from[base + k] = UInt16(k)
                                                        } else {
                                                            next[k] = value[k - 1] + run
                                                            from[base + k] = UInt16(k - 1)
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                        // Trace back from the best final state.
                                        let last = (n - 1) & 1
                                        let value = UnsafeMutableBufferPointer(rebasing: rows[last * states..<last * states + states])
                                        var state = 0
                                        for s in 1..<states where value[s] > value[state] { state = s }
                                        var wakes = 0.0
                                        var i = n - 1
                                        while i >= 0 {
                                            let t = segment.lowerBound + i
                                            let previous = Int(from[i * states + state])
                                            if state < minimumOff {
                                                power[t] += sleepPower
                                            } else if i > 0 && previous < minimumOff {
                                                let l = Int(wakeLevel[i])
                                                power[t] += lp[l]
                                                hashrate[t] += lh[l] * keep
                                                wakes += 1
                                            } else {
                                                let l = Int(runLevel[i])
                                                power[t] += lp[l]
                                                hashrate[t] += lh[l]
                                            }
                                            state = previous
                                            i -= 1
                                        }
                                        result = wakes
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
