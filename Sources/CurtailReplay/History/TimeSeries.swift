public import CurtailCore

/// A regular series of values (prices, loads) on a UTC grid, as read from a history file.
///
/// Missing intervals are `NaN` and listed in ``gaps``: nothing is interpolated. A replay never
/// bridges a gap; it restarts after it.
public struct TimeSeries: Sendable {
    /// A run of missing intervals.
    public struct Gap: Hashable, Sendable, CustomStringConvertible {
        /// First missing interval start.
        public var from: Timestamp
        /// End of the gap: the start of the next present interval.
        public var to: Timestamp
        /// Number of missing intervals.
        public var intervals: Int

        public var description: String { "\(from.iso8601)..\(to.iso8601) (\(intervals) intervals missing)" }
    }

    /// The file it came from.
    public var file: String
    /// The column read (e.g. `price_usd_per_mwh` or `HB_NORTH`).
    public var column: String
    /// Start of the first interval.
    public var start: Timestamp
    /// Interval length, seconds (inferred from the file).
    public var intervalSeconds: Int
    /// One value per interval from ``start``; `NaN` where missing.
    public var values: [Double]
    /// Runs of missing intervals, in order.
    public var gaps: [Gap]

    public init(file: String, column: String, start: Timestamp, intervalSeconds: Int, values: [Double]) {
        self.file = file
        self.column = column
        self.start = start
        self.intervalSeconds = intervalSeconds
        self.values = values
        gaps = Self.findGaps(values, start: start, intervalSeconds: intervalSeconds)
    }

    /// End of the last interval (exclusive).
    public var end: Timestamp { time(ofIndex: values.count) }

    /// Start of interval `index`.
    @inline(__always)
    public func time(ofIndex index: Int) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + Int64(index) * Int64(intervalSeconds) * 1000)
    }

    /// The index of the interval containing `time`, or `nil` outside the series.
    @inline(__always)
    public func index(containing time: Timestamp) -> Int? {
        let offset = time.millisecondsSinceEpoch - start.millisecondsSinceEpoch
        guard offset >= 0 else { return nil }
        let index = Int(offset / (Int64(intervalSeconds) * 1000))
        return index < values.count ? index : nil
    }

    /// The value of the interval containing `time`, `nil` when outside the series or missing.
    @inline(__always)
    public func value(at time: Timestamp) -> Double? {
        guard let index = index(containing: time) else { return nil }
        let value = values[index]
        return value.isNaN ? nil : value
    }

    /// Intervals with a value.
    public var presentCount: Int { values.count - gaps.reduce(0) { $0 + $1.intervals } }

    static func findGaps(_ values: [Double], start: Timestamp, intervalSeconds: Int) -> [Gap] {
        var gaps: [Gap] = []
        var runStart: Int?
        let step = Int64(intervalSeconds) * 1000
        func time(_ i: Int) -> Timestamp { Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + Int64(i) * step) }
        for (i, value) in values.enumerated() {
            if value.isNaN {
                if runStart == nil { runStart = i }
            } else if let s = runStart {
                gaps.append(Gap(from: time(s), to: time(i), intervals: i - s))
                runStart = nil
            }
        }
        if let s = runStart { gaps.append(Gap(from: time(s), to: time(values.count), intervals: values.count - s)) }
        return gaps
    }
}
