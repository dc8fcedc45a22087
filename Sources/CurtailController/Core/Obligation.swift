public import CurtailCore

/// A grid event the controller has acknowledged, with the bookkeeping of its compliance report.
///
/// The target is absolute: a `reduce_mw` deployment is turned into a maximum when it is first
/// seen, from the measured site load then (the baseline). Compliance is judged on measured load
/// (the site meter, else the sum of group telemetry):
/// - the target counts as reached when load is at or below `max(target, site sleep load)` plus a
///   tolerance of 1% of the baseline (at least 50 kW);
/// - achieved MW is the time-weighted mean of measured load from the end of the program's
///   response time to the end of the event; for an event shorter than its response time, from
///   when the target was reached (or, if it never was, from the start);
/// - performance factor = (baseline − achieved) ÷ (baseline − target), clamped to 0...1
///   (1 when the baseline was already at or below the target and load stayed there).
public struct Obligation: Hashable, Sendable {
    /// The event, with its target resolved to a maximum.
    public var event: GridEvent
    /// Seconds allowed from the start to reach the target.
    public var responseSeconds: Double
    public var baselineMW: Double
    public var targetMW: Double
    public var acknowledgedAt: Timestamp
    /// First time measured load was at the target after the start.
    public var reachedAt: Timestamp?
    /// ∫ measured MW dt over the judged window, and the seconds covered.
    public var measuredMWSeconds: Double
    public var measuredSeconds: Double
    /// The same from the start (used when the event ends before its response time and the
    /// target was never reached).
    public var wholeMWSeconds: Double
    public var wholeSeconds: Double
    /// The same from when the target was reached (used when the event ends before its response time).
    public var reachedMWSeconds: Double
    public var reachedSeconds: Double
    /// Last measurement folded in.
    public var lastSampleTime: Timestamp?
    public var lastSampleMW: Double

    public init(event: GridEvent, responseSeconds: Double, baselineMW: Double, targetMW: Double, acknowledgedAt: Timestamp) {
        self.event = event
        self.responseSeconds = responseSeconds
        self.baselineMW = baselineMW
        self.targetMW = targetMW
        self.acknowledgedAt = acknowledgedAt
        self.reachedAt = nil
        self.measuredMWSeconds = 0
        self.measuredSeconds = 0
        self.wholeMWSeconds = 0
        self.wholeSeconds = 0
        self.reachedMWSeconds = 0
        self.reachedSeconds = 0
        self.lastSampleTime = nil
        self.lastSampleMW = .nan
    }

    /// Load at or below which the target counts as met.
    public func threshold(siteSleepMW: Double) -> Double {
        max(targetMW, siteSleepMW) + max(0.01 * baselineMW, 0.05)
    }

    /// Folds in measured load `mw` at `time` (piecewise constant from the previous sample).
    public mutating func record(measuredMW mw: Double, at time: Timestamp, siteSleepMW: Double) {
        guard mw.isFinite else { return }
        let start = event.start
        let judgedFrom = start.adding(seconds: responseSeconds)
        let end = event.end
        if let last = lastSampleTime, lastSampleMW.isFinite, time > last {
            let from = max(last, start)
            let to = min(time, end)
            if to > from {
                wholeMWSeconds += lastSampleMW * to.seconds(since: from)
                wholeSeconds += to.seconds(since: from)
            }
            if let reachedAt {
                let reachedStart = max(last, reachedAt)
                if to > reachedStart {
                    reachedMWSeconds += lastSampleMW * to.seconds(since: reachedStart)
                    reachedSeconds += to.seconds(since: reachedStart)
                }
            }
            let judgedStart = max(last, judgedFrom)
            if to > judgedStart {
                measuredMWSeconds += lastSampleMW * to.seconds(since: judgedStart)
                measuredSeconds += to.seconds(since: judgedStart)
            }
        }
        if reachedAt == nil, time >= start, time < end, mw <= threshold(siteSleepMW: siteSleepMW) {
            reachedAt = time
        }
        lastSampleTime = max(lastSampleTime ?? time, time)
        lastSampleMW = mw
    }

    /// Seconds from the start to reaching the target, if reached.
    public var secondsToTarget: Double? { reachedAt.map { max(0, $0.seconds(since: event.start)) } }

    /// Mean measured load over the judged window (NaN when nothing was measured).
    public var achievedMW: Double {
        if measuredSeconds > 0 { return measuredMWSeconds / measuredSeconds }
        if reachedSeconds > 0 { return reachedMWSeconds / reachedSeconds }
        if wholeSeconds > 0 { return wholeMWSeconds / wholeSeconds }
        return lastSampleMW
    }

    /// Performance factor in 0...1 (NaN when nothing was measured).
    public func performanceFactor(siteSleepMW: Double) -> Double {
        let achieved = achievedMW
        guard achieved.isFinite else { return .nan }
        let floor = max(targetMW, siteSleepMW)
        let required = baselineMW - floor
        if required <= max(0.01 * baselineMW, 0.05) {
            return achieved <= threshold(siteSleepMW: siteSleepMW) ? 1 : 0
        }
        return min(1, max(0, (baselineMW - achieved) / required))
    }

    /// Reached within the response time and held (performance factor ≥ 0.95).
    public func met(siteSleepMW: Double) -> Bool {
        guard let seconds = secondsToTarget, seconds <= responseSeconds else { return false }
        return performanceFactor(siteSleepMW: siteSleepMW) >= 0.95
    }
}
