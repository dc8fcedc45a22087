public import CurtailCore

/// A causal 4CP alert for replay, derived from ERCOT system load the way an operator's own
/// forecast desk would see it: only hours already past.
///
/// From June to September, between `firstHour`:00 and `lastHour`:59 market-local time on
/// weekdays, the alert is active when the last completed hour's load is within `margin` of the
/// month's running peak (hours before it). Its probability rises linearly from 0 at the edge of
/// the margin to 1 at a new monthly peak. ERCOT's official 4CP list is never read here.
public struct PeakAlertModel: Sendable {
    /// Hourly system load (`../shared/data/ercot_system_load_hourly.csv`).
    public var load: TimeSeries
    /// Market time zone (for month, hour and weekday).
    public var timeZone: MarketTimeZone
    /// Hours (local) in which alerts may be active.
    public var firstHour: Int
    public var lastHour: Int
    /// Fraction of the running peak at which the alert starts (0.05: within 5 %).
    public var margin: Double
    /// Per hour of ``load``: the month's peak over the hours before it (NaN at a month's start).
    private var runningPeak: [Double]

    public init(load: TimeSeries, timeZone: MarketTimeZone, firstHour: Int = 14, lastHour: Int = 18, margin: Double = 0.05) {
        self.load = load
        self.timeZone = timeZone
        self.firstHour = firstHour
        self.lastHour = lastHour
        self.margin = margin
        var peaks = Array(repeating: Double.nan, count: load.values.count)
        var month = -1
        var peak = -Double.infinity
        for index in load.values.indices {
            let local = timeZone.localTime(at: load.time(ofIndex: index))
            let key = local.year * 12 + local.month
            if key != month {
                month = key
                peak = -.infinity
            }
            peaks[index] = peak.isFinite ? peak : .nan
            let value = load.values[index]
            if value.isFinite { peak = max(peak, value) }
        }
        runningPeak = peaks
    }

    /// The alert in force at `time`, if any: a window to the end of the current hour.
    public func alert(at time: Timestamp) -> GridAlert? {
        let local = timeZone.localTime(at: time)
        guard (6...9).contains(local.month), local.weekday <= 5, (firstHour...lastHour).contains(local.hour) else { return nil }
        // The last completed hour: the one ending at or before `time`.
        let hourMs: Int64 = 3_600_000
        let hourStart = Timestamp(millisecondsSinceEpoch: (time.millisecondsSinceEpoch / hourMs) * hourMs)
        guard let index = load.index(containing: hourStart.adding(seconds: -3600)) else { return nil }
        let last = load.values[index]
        let peak = runningPeak[index]
        guard last.isFinite, peak.isFinite, peak > 0 else { return nil }
        let ratio = last / peak
        let probability = min(1, max(0, (ratio - (1 - margin)) / margin))
        guard probability > 0 else { return nil }
        return GridAlert(kind: .fourCP, probability: probability, start: hourStart, end: hourStart.adding(seconds: 3600))
    }
}
