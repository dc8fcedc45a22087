public import CurtailCore
import CurtailReplay

/// The prices a scenario plays: one per settlement interval from just before the start to the end.
public struct PriceFeed: Sendable {
    /// One settlement interval's price.
    public struct Interval: Sendable, Hashable {
        public var start: Timestamp
        public var minutes: Int
        public var price: Double

        public init(start: Timestamp, minutes: Int, price: Double) {
            self.start = start
            self.minutes = minutes
            self.price = price
        }
    }

    /// In time order; the first is the interval that ends at (or just after) the scenario start.
    public let intervals: [Interval]

    public init(intervals: [Interval]) { self.intervals = intervals }

    /// The settlement price at `time` (the interval containing it), if covered.
    public func price(at time: Timestamp) -> Double? {
        var low = 0
        var high = intervals.count
        while low < high {
            let mid = (low + high) / 2
            if intervals[mid].start <= time { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let interval = intervals[low - 1]
        return time < interval.start.adding(seconds: Double(interval.minutes) * 60) ? interval.price : nil
    }

    /// Reads real prices for `scenario` (from `path`, its `column` or the site's node).
    ///
    /// - Throws: ``SimulatorError`` when the file lacks prices for part of the run.
    public static func history(path: String, column: String?, node: String, scenario: Scenario) throws(SimulatorError) -> PriceFeed {
        let series: TimeSeries
        do {
            series = try TimeSeriesFile.load(path: path, column: column, defaultColumn: node, valueRange: USDPerMWh.plausibleRange)
        } catch {
            throw SimulatorError("\(error)")
        }
        let step = Double(series.intervalSeconds)
        let first = Int(((scenario.start.seconds(since: series.start)) / step).rounded(.down)) - 1
        let last = Int((scenario.end.seconds(since: series.start) / step).rounded(.up))
        guard first >= 0, last <= series.values.count else {
            throw SimulatorError(
                "\(path) covers \(series.start)..\(series.start.adding(seconds: step * Double(series.values.count))); the scenario runs \(scenario.start)..\(scenario.end)"
            )
        }
        var intervals: [Interval] = []
        for index in first..<last {
            let value = series.values[index]
            guard value.isFinite else { continue }  // a gap in the file: nothing is published, as on a real feed outage
            intervals.append(Interval(start: series.start.adding(seconds: step * Double(index)), minutes: series.intervalSeconds / 60, price: value))
        }
        return PriceFeed(intervals: intervals)
    }

    /// A seeded synthetic series for `scenario`.
    public static func synthetic(_ s: Scenario.Synthetic, scenario: Scenario) -> PriceFeed {
        var random = SeededGenerator(seed: scenario.seed &+ 0x5052_4943_45)
        let step = Double(s.intervalMinutes) * 60
        let count = Int((scenario.durationSeconds / step).rounded(.up)) + 1
        let mean = log(s.mean)
        var x = mean
        var spikeLeft = 0
        var intervals: [Interval] = []
        for k in 0..<count {
            x += s.reversion * (mean - x) + s.volatility * random.normal()
            if spikeLeft == 0, random.unit() < s.spikeProbability { spikeLeft = s.spikeIntervals }
            var price = exp(x)
            if spikeLeft > 0 {
                price *= s.spikeMultiplier
                spikeLeft -= 1
            }
            price = min(max((price * 100).rounded() / 100, -1000), 5000)
            intervals.append(Interval(start: scenario.start.adding(seconds: step * Double(k - 1)), minutes: s.intervalMinutes, price: price))
        }
        return PriceFeed(intervals: intervals)
    }
}

/// Why the simulator could not start or run.
public struct SimulatorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, naming the file or setting.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
