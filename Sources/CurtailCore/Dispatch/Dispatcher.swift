/// Turns prices and rule directives into per-group targets, tick after tick.
///
/// Each call to ``dispatch(_:at:newPriceInterval:into:)``:
/// 1. finds each group's economic level: the steps of its ladder whose strike (break-even,
///    or the rules' override, plus offset) is above the price, with the price band applied
///    around the current state;
/// 2. delays changes until they have been wanted for N consecutive price intervals
///    (separate counts for reductions and increases) unless the rules ask for immediate action;
/// 3. keeps miners on or off for their minimum on/off times;
/// 4. applies forced states and failsafes;
/// 5. raises load to the site floor in merit order, cuts it to the cap in reverse merit order
///    (the cap wins over everything else), then slows increases and economic decreases to
///    the site's ramp limits.
///
/// The first decision has no history: it goes straight to the economic state.
/// The dispatcher is a value type with no clock and no I/O; the same instance replays a year or
/// runs live.
public struct Dispatcher: Sendable {
    /// The site being dispatched.
    public let site: Site
    /// Its bid curve.
    public let curve: BidCurve
    /// Hysteresis settings.
    public private(set) var settings: DispatchSettings

    /// Per-group constants.
    struct GroupConstants {
        var minerCount: Double
        var fullCount: Int
        var sleepKWPerMiner: Double
        var onStepKWPerMiner: Double
        var firstUpperKW: Double
        var topKW: Double
        var topLevel: Int
        var intermediate: Bool
        var stepStart: Int
        var minimumOnMilliseconds: Int64
        var minimumOffMilliseconds: Int64
    }

    /// Per-step constants, flat in group/level order.
    struct StepData {
        var group: Int
        var ratio: Double
        var lower: Double
        var upper: Double
        var fromPower: Double
        var toPower: Double
        var fromHash: Double
        var toHash: Double
    }

    /// Per-group state.
    struct GroupState {
        /// kW above all-asleep.
        var position: Double = 0
        var previous: Double = 0
        var running: Int = 0
        /// Steps at least partly on.
        var level: Int = 0
        var pendingDirection: Int8 = 0
        var pendingCount: Int = 0
        var lastIncrease: Int64 = .min / 2
        var lastDecrease: Int64 = .min / 2
        var reason: TargetReason = .economic
        /// The output at `position`, recomputed only when it moves.
        var output = GroupTarget()
        var outputPosition: Double = -1
    }

    private var groups: [GroupConstants]
    private let steps: [StepData]
    /// Step TH/W ratios alone (the economic test reads only these).
    private let ratios: [Double]
    /// Step upper ends (kW above all-asleep), likewise.
    private let uppers: [Double]
    private let meritOrder: [Int]
    private let siteSleepMW: Double
    private var state: [GroupState]
    private var lastTime: Timestamp?
    private var lastSiteMW: Double
    /// Ramp allowance not used by earlier decisions (MW), capped at ``largestIndivisibleStepMW``.
    private var rampUpCredit = 0.0
    private var rampDownCredit = 0.0
    /// The largest load change the firmware cannot split: one miner switching, or a whole group
    /// moving between two power profiles.
    private let largestIndivisibleStepMW: Double

    /// Creates a dispatcher with every miner asleep and no history.
    public init(site: Site, settings: DispatchSettings) {
        self.site = site
        self.settings = settings
        let curve = BidCurve(site: site)
        self.curve = curve
        steps = curve.steps.map {
            StepData(
                group: $0.group,
                ratio: $0.terahashPerWatt,
                lower: $0.lowerKW,
                upper: $0.upperKW,
                fromPower: $0.fromPower.value,
                toPower: $0.toPower.value,
                fromHash: $0.fromHashrate.value,
                toHash: $0.toHashrate.value
            )
        }
        ratios = curve.steps.map(\.terahashPerWatt)
        uppers = curve.steps.map(\.upperKW)
        groups = site.groups.enumerated().map { index, group in
            let range = curve.groupSteps[index]
            let first = range.isEmpty ? nil : curve.steps[range.lowerBound]
            return GroupConstants(
                minerCount: Double(group.count),
                fullCount: group.count,
                sleepKWPerMiner: group.model.sleepPower.kilowatts,
                onStepKWPerMiner: first.map { ($0.toPower - $0.fromPower).kilowatts } ?? 0,
                firstUpperKW: first?.upperKW ?? 0,
                topKW: range.isEmpty ? 0 : curve.steps[range.upperBound - 1].upperKW,
                topLevel: range.count,
                intermediate: group.allowsIntermediatePower,
                stepStart: range.lowerBound,
                minimumOnMilliseconds: Int64((group.minimumOnSeconds ?? settings.minimumOnSeconds) * 1000),
                minimumOffMilliseconds: Int64((group.minimumOffSeconds ?? settings.minimumOffSeconds) * 1000)
            )
        }
        meritOrder = curve.meritOrder
        siteSleepMW = site.sleepPower.value
        state = Array(repeating: GroupState(), count: site.groups.count)
        lastTime = nil
        lastSiteMW = siteSleepMW
        var largest = 0.0
        for (index, group) in site.groups.enumerated() {
            let range = curve.groupSteps[index]
            guard !range.isEmpty else { continue }
            let first = curve.steps[range.lowerBound]
            largest = max(largest, (first.toPower - first.fromPower).kilowatts / 1000)
            if !group.allowsIntermediatePower {
                for s in range.dropFirst() { largest = max(largest, (curve.steps[s].upperKW - curve.steps[s].lowerKW) / 1000) }
            }
        }
        largestIndivisibleStepMW = largest
    }

    /// Changes hysteresis settings; group-level minimum on/off times are kept.
    public mutating func update(settings: DispatchSettings) {
        self.settings = settings
        for (index, group) in site.groups.enumerated() {
            groups[index].minimumOnMilliseconds = Int64((group.minimumOnSeconds ?? settings.minimumOnSeconds) * 1000)
            groups[index].minimumOffMilliseconds = Int64((group.minimumOffSeconds ?? settings.minimumOffSeconds) * 1000)
        }
    }

    /// Forgets all history: every miner asleep, next decision goes straight to the economic state.
    public mutating func reset() {
        for index in state.indices { state[index] = GroupState() }
        lastTime = nil
        lastSiteMW = siteSleepMW
        rampUpCredit = 0
        rampDownCredit = 0
    }

    /// Resumes from commanded targets: each group given is placed at the firmware position
    /// nearest below its miners running × per-miner power, and the dispatcher then behaves as if
    /// it had decided that at `time` (ramp limits count from there; minimum on/off times are
    /// unknown and start fresh). `nil` entries keep the group's current state.
    public mutating func restore(_ targets: [GroupTarget?], at time: Timestamp) {
        steps.withUnsafeBufferPointer { steps in
            for g in state.indices where g < targets.count {
                guard let target = targets[g] else { continue }
                let c = groups[g]
                let running = min(max(target.minersRunning, 0), c.fullCount)
                let perMinerKW = max(0, target.powerTarget.kilowatts - c.sleepKWPerMiner)
                let x = running == 0 ? 0 : Self.snapDown(c, steps, min(Double(running) * perMinerKW, c.topKW))
                let count = Self.runningCount(c, x)
                state[g] = GroupState()
                state[g].position = x
                state[g].previous = x
                state[g].running = count
                state[g].output = Self.pointOf(c, steps, x, running: count)
                state[g].level = state[g].output.level
                if count > 0 && count < c.fullCount { state[g].level = 1 }
                state[g].outputPosition = x
            }
        }
        lastSiteMW = siteSleepMW + state.reduce(0) { $0 + $1.position } / 1000
        lastTime = time
        rampUpCredit = 0
        rampDownCredit = 0
    }

    /// Site power of the last decision.
    public var lastSitePower: Megawatts { Megawatts(lastSiteMW) }

    /// Decides one tick.
    ///
    /// - Parameters:
    ///   - directives: price, hash price and what the rules decided.
    ///   - time: the instant decided for; must not go backwards.
    ///   - newPriceInterval: whether this tick is the first to see a new price interval
    ///     (N-interval confirmation counts these).
    ///   - decision: overwritten with the result (its arrays are reused).
    public mutating func dispatch(
        _ directives: DispatchDirectives,
        at time: Timestamp,
        newPriceInterval: Bool,
        into decision: inout Decision
    ) {
        let now = time.millisecondsSinceEpoch
        let firstDecision = lastTime == nil
        let factor = BreakEven.revenuePerMWhFactor(
            hashPrice: USDPerTerahashDay(directives.hashPrice),
            poolFee: settings.poolFee
        )
        let price = directives.price
        let band = settings.priceBand
        let offset = directives.strikeOffset
        let immediate = directives.immediate || firstDecision
        let failsafe = directives.failsafe
        let confirmDown = settings.confirmIntervalsDown
        let confirmUp = settings.confirmIntervalsUp
        var constraints: SiteConstraints = []

        // A step with TH/W ratio r has strike k·r + offset (or the override + offset). It stays
        // on while price < strike + band and starts when price < strike − band, i.e. when r is
        // above a threshold computed once per tick.
        let economicsUsable = !price.isNaN && (factor > 0 || directives.strikeOverride != nil)
        var stayThreshold = Double.infinity
        var startThreshold = Double.infinity
        if let strike = directives.strikeOverride {
            // Every step has the same strike: all on or all off.
            stayThreshold = price < strike + offset + band ? -.infinity : .infinity
            startThreshold = price < strike + offset - band ? -.infinity : .infinity
        } else if factor > 0 {
            stayThreshold = (price - offset - band) / factor
            startThreshold = (price - offset + band) / factor
        }

        var totalKW = 0.0
        let overrides = directives.overrides
        groups.withUnsafeBufferPointer { groups in
            ratios.withUnsafeBufferPointer { ratios in
                uppers.withUnsafeBufferPointer { uppers in
                    state.withUnsafeMutableBufferPointer { state in
                        overrides.withUnsafeBufferPointer { overrides in
                            for g in 0..<groups.count {
                                let c = groups[g]
                                let current = state[g].position
                                state[g].previous = current
                                var target = current
                                var reason = TargetReason.economic
                                let forced = overrides[g]
                                switch forced {
                                case .forceOff:
                                    target = 0
                                    reason = .forcedOff
                                    state[g].pendingDirection = 0
                                case .forceOn:
                                    target = c.topKW
                                    reason = .forcedOn
                                    state[g].pendingDirection = 0
                                case .hold:
                                    reason = .hold
                                    state[g].pendingDirection = 0
                                case .none:
                                    if let failsafe {
                                        state[g].pendingDirection = 0
                                        if failsafe == .curtail {
                                            target = 0
                                            reason = .failsafeCurtail
                                        } else {
                                            reason = .failsafeHold
                                        }
                                    } else if !economicsUsable {
                                        // No usable price or hash price: keep the state rather than guess.
                                        state[g].pendingDirection = 0
                                    } else {
                                        let base = c.stepStart
                                        let currentLevel = state[g].level
                                        // Steps stay on while their ratio is above stayThreshold; ratios fall with level.
                                        var level = currentLevel
                                        if level > 0 && !(ratios[base + level - 1] > stayThreshold) {
                                            level -= 1
                                            while level > 0 && !(ratios[base + level - 1] > stayThreshold) { level -= 1 }
                                        } else {
                                            while level < c.topLevel && ratios[base + level] > startThreshold { level += 1 }
                                        }
                                        let economic = level == 0 ? 0 : uppers[base + level - 1]
                                        if abs(economic - current) < 1e-9 {
                                            state[g].pendingDirection = 0
                                            state[g].pendingCount = 0
                                        } else {
                                            let direction: Int8 = economic < current ? -1 : 1
                                            if state[g].pendingDirection == direction {
                                                if newPriceInterval { state[g].pendingCount += 1 }
                                            } else {
                                                state[g].pendingDirection = direction
                                                state[g].pendingCount = 1
                                            }
                                            let needed = direction < 0 ? confirmDown : confirmUp
                                            if immediate || state[g].pendingCount >= needed {
                                                target = economic
                                                state[g].pendingDirection = 0
                                                state[g].pendingCount = 0
                                            } else {
                                                reason = .awaitingConfirmation
                                            }
                                        }
                                    }
                                }
                                // Minimum on/off times, judged on the number of miners running.
                                if !firstDecision && target != current {
                                    let wanted = Self.runningCount(c, target)
                                    let running = state[g].running
                                    if wanted > running, now - state[g].lastDecrease < c.minimumOffMilliseconds {
                                        target = current
                                        reason = .dwell
                                    } else if wanted < running, forced != .forceOff, failsafe != .curtail,
                                        now - state[g].lastIncrease < c.minimumOnMilliseconds
                                    {
                                        target = current
                                        reason = .dwell
                                    }
                                }
                                state[g].position = target
                                state[g].reason = reason
                                totalKW += target
                            }
                        }
                    }
                }
            }
        }

        // Floor, cap, ramp.
        let cap = min(site.maxImport.value, directives.capMW)
        let floor = min(directives.floorMW, cap)
        var total = siteSleepMW + totalKW / 1000
        if failsafe != .curtail, total < floor - 1e-9 {
            total = increase(by: (floor - total) * 1000, total: total, bound: .top, directives: directives, reason: .floor, time: now)
            constraints.insert(.floor)
        }
        let reserveFloor = min(directives.reserveFloorMW, cap)
        if failsafe != .curtail, total < reserveFloor - 1e-9 {
            total = increase(
                by: (reserveFloor - total) * 1000,
                total: total,
                bound: .top,
                directives: directives,
                reason: .reserve,
                time: now,
                obligation: true
            )
            constraints.insert(.reserve)
        }
        if total > cap + 1e-9 {
            total = reduce(by: (total - cap) * 1000, total: total, keepPrevious: false, reason: .cap)
            constraints.insert(.cap)
        }
        // Ramp limits. Allowance left unused by earlier decisions carries over, up to the largest
        // step the firmware cannot split: with decisions every few seconds, a profile step of a
        // whole group (0.46 MW for 1,000 miners) is larger than one tick's allowance and would
        // otherwise never be taken.
        var upCredit = 0.0
        var downCredit = 0.0
        if !firstDecision, let last = lastTime {
            let minutes = time.seconds(since: last) / 60
            if let rampUp = site.rampUpMWPerMinute {
                upCredit = min(rampUpCredit, largestIndivisibleStepMW) + rampUp * max(minutes, 0)
                let allowed = lastSiteMW + upCredit
                if total > allowed + 1e-9 {
                    total = reduce(by: (total - allowed) * 1000, total: total, keepPrevious: true, reason: .rampUp)
                    constraints.insert(.rampUp)
                }
            }
            if let rampDown = site.rampDownMWPerMinute, failsafe != .curtail {
                downCredit = min(rampDownCredit, largestIndivisibleStepMW) + rampDown * max(minutes, 0)
                let allowed = min(cap, lastSiteMW - downCredit)
                if total < allowed - 1e-9 {
                    total = increase(
                        by: (allowed - total) * 1000,
                        total: total,
                        bound: .previous,
                        directives: directives,
                        reason: .rampDown,
                        time: now
                    )
                    constraints.insert(.rampDown)
                }
            }
        }

        // Commit and write the decision.
        var siteHash = 0.0
        var siteW = 0.0
        if decision.groups.count != state.count {
            decision.groups = Array(repeating: GroupTarget(), count: state.count)
        }
        groups.withUnsafeBufferPointer { groups in
            steps.withUnsafeBufferPointer { steps in
                state.withUnsafeMutableBufferPointer { state in
                    decision.groups.withUnsafeMutableBufferPointer { output in
                        for g in 0..<groups.count {
                            let c = groups[g]
                            let x = state[g].position
                            if x != state[g].outputPosition {
                                let count = Self.runningCount(c, x)
                                if count > state[g].running { state[g].lastIncrease = now }
                                if count < state[g].running { state[g].lastDecrease = now }
                                state[g].running = count
                                state[g].output = Self.pointOf(c, steps, x, running: count)
                                state[g].level = state[g].output.level
                                if count > 0 && count < c.fullCount { state[g].level = 1 }
                                state[g].outputPosition = x
                            }
                            output[g] = state[g].output
                            let reason = state[g].reason
                            output[g].reason = reason
                            if reason == .awaitingConfirmation {
                                output[g].confirmations = state[g].pendingCount
                                output[g].confirmationsNeeded = state[g].pendingDirection < 0 ? confirmDown : confirmUp
                            }
                            siteHash += state[g].output.hashrate.value
                            siteW += state[g].output.groupPower.value
                        }
                    }
                }
            }
        }
        let siteMW = siteW / 1_000_000
        decision.time = time
        decision.sitePower = Megawatts(siteMW)
        decision.siteHashrate = TerahashPerSecond(siteHash)
        decision.effectivePrice = USDPerMWh(price)
        decision.hashPrice = USDPerTerahashDay(directives.hashPrice)
        decision.cap = Megawatts(cap)
        decision.floor = Megawatts(floor)
        decision.constraints = constraints
        rampUpCredit = max(0, upCredit - max(0, siteMW - lastSiteMW))
        rampDownCredit = max(0, downCredit - max(0, lastSiteMW - siteMW))
        lastSiteMW = siteMW
        lastTime = time
    }

    // MARK: - Positions

    /// Miners running at a position (kW above all-asleep).
    private static func runningCount(_ c: GroupConstants, _ x: Double) -> Int {
        guard c.onStepKWPerMiner > 0, x > 1e-9 else { return 0 }
        if x >= c.firstUpperKW - 1e-9 { return c.fullCount }
        return min(c.fullCount, Int((x / c.onStepKWPerMiner + 1e-9).rounded(.down)))
    }

    /// The largest position at or below `x` the firmware can hold.
    private static func snapDown(_ c: GroupConstants, _ steps: UnsafeBufferPointer<StepData>, _ x: Double) -> Double {
        guard x > 1e-9, c.topLevel > 0 else { return 0 }
        if x < c.firstUpperKW - 1e-9 { return (x / c.onStepKWPerMiner + 1e-9).rounded(.down) * c.onStepKWPerMiner }
        if c.intermediate { return min(x, c.topKW) }
        var s = c.stepStart
        while s + 1 < c.stepStart + c.topLevel, steps[s + 1].upper <= x + 1e-9 { s += 1 }
        return steps[s].upper
    }

    /// The smallest position at or above `x` the firmware can hold (at most the group's top).
    private static func snapUp(_ c: GroupConstants, _ steps: UnsafeBufferPointer<StepData>, _ x: Double) -> Double {
        guard x > 1e-9, c.topLevel > 0 else { return 0 }
        if x < c.firstUpperKW - 1e-9 {
            return min((x / c.onStepKWPerMiner - 1e-9).rounded(.up) * c.onStepKWPerMiner, c.firstUpperKW)
        }
        if c.intermediate { return min(x, c.topKW) }
        var s = c.stepStart
        while s + 1 < c.stepStart + c.topLevel, steps[s].upper < x - 1e-9 { s += 1 }
        return steps[s].upper
    }

    /// Per-miner power, group power and hash rate at a position.
    private static func pointOf(_ c: GroupConstants, _ steps: UnsafeBufferPointer<StepData>, _ x: Double, running count: Int) -> GroupTarget {
        guard count > 0 else {
            return GroupTarget(groupPower: Watts(c.minerCount * c.sleepKWPerMiner * 1000))
        }
        let start = c.stepStart
        var s = start
        while s + 1 < start + c.topLevel, x > steps[s].upper + 1e-9 { s += 1 }
        let step = steps[s]
        let perMinerW: Double
        let perMinerTH: Double
        if s == start {
            perMinerW = step.toPower
            perMinerTH = step.toHash
        } else {
            let span = step.upper - step.lower
            let t = span > 0 ? min(max((x - step.lower) / span, 0), 1) : 1
            perMinerW = step.fromPower + (step.toPower - step.fromPower) * t
            perMinerTH = step.fromHash + (step.toHash - step.fromHash) * t
        }
        let sleeping = c.minerCount - Double(count)
        return GroupTarget(
            minersRunning: count,
            powerTarget: Watts(perMinerW),
            groupPower: Watts(Double(count) * perMinerW + sleeping * c.sleepKWPerMiner * 1000),
            hashrate: TerahashPerSecond(Double(count) * perMinerTH),
            level: s - start + 1
        )
    }

    // MARK: - Merit-order walks

    private enum IncreaseBound { case top, previous }

    /// Adds `amountKW` in merit order (most valuable steps first), rounding the last step up to a
    /// whole miner or level when its limit allows. Groups forced off or held do not move; groups
    /// inside their minimum off time add no miners.
    private mutating func increase(
        by amountKW: Double,
        total: Double,
        bound: IncreaseBound,
        directives: DispatchDirectives,
        reason: TargetReason,
        time now: Int64,
        obligation: Bool = false
    ) -> Double {
        var remaining = amountKW
        var totalMW = total
        let failsafeHold = directives.failsafe == .hold && !obligation
        groups.withUnsafeBufferPointer { groups in
            steps.withUnsafeBufferPointer { steps in
                meritOrder.withUnsafeBufferPointer { order in
                    directives.overrides.withUnsafeBufferPointer { overrides in
                        state.withUnsafeMutableBufferPointer { state in
                            for index in order {
                                guard remaining > 1e-9 else { break }
                                let step = steps[index]
                                let g = step.group
                                let forced = overrides[g]
                                if !obligation, forced == .forceOff || forced == .hold || failsafeHold && forced == .none { continue }
                                let x = state[g].position
                                guard x >= step.lower - 1e-9, x < step.upper - 1e-9 else { continue }
                                var limit = step.upper
                                if bound == .previous { limit = min(limit, max(state[g].previous, x)) }
                                let c = groups[g]
                                if !obligation, now - state[g].lastDecrease < c.minimumOffMilliseconds && x < c.firstUpperKW - 1e-9 {
                                    limit = min(limit, Double(state[g].running) * c.onStepKWPerMiner)
                                }
                                guard limit > x + 1e-9 else { continue }
                                // Round up to whole miners or levels so a floor or ramp-down limit is met, but never
                                // past the limit (previous position or step top).
                                var snapped = Self.snapUp(c, steps, min(limit, x + remaining))
                                if snapped > limit + 1e-9 { snapped = Self.snapDown(c, steps, limit) }
                                snapped = max(snapped, x)
                                guard snapped > x + 1e-9 else { continue }
                                state[g].position = snapped
                                state[g].reason = reason
                                remaining -= snapped - x
                                totalMW += (snapped - x) / 1000
                            }
                        }
                    }
                }
            }
        }
        return totalMW
    }

    /// Removes at least `amountKW` in reverse merit order (least valuable steps first), or as much
    /// as possible. With `keepPrevious`, only load added since the last decision is removed.
    private mutating func reduce(by amountKW: Double, total: Double, keepPrevious: Bool, reason: TargetReason) -> Double {
        var remaining = amountKW
        var totalMW = total
        groups.withUnsafeBufferPointer { groups in
            steps.withUnsafeBufferPointer { steps in
                meritOrder.withUnsafeBufferPointer { order in
                    state.withUnsafeMutableBufferPointer { state in
                        var i = order.count - 1
                        while i >= 0, remaining > 1e-9 {
                            let step = steps[order[i]]
                            i -= 1
                            let g = step.group
                            let x = state[g].position
                            guard x > step.lower + 1e-9 else { continue }
                            var floorKW = step.lower
                            if keepPrevious { floorKW = max(floorKW, min(state[g].previous, x)) }
                            guard x > floorKW + 1e-9 else { continue }
                            let snapped = Self.snapDown(groups[g], steps, max(floorKW, x - remaining))
                            state[g].position = snapped
                            state[g].reason = reason
                            remaining -= x - snapped
                            totalMW -= (x - snapped) / 1000
                        }
                    }
                }
            }
        }
        return totalMW
    }
}
