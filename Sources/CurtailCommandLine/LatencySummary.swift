/// Percentiles of a set of latency samples, in nanoseconds.
package struct LatencySummary: Sendable, Equatable {
    package var count: Int
    package var p50: Int64
    package var p90: Int64
    package var p99: Int64
    package var max: Int64

    /// Nearest-rank percentiles; `nil` for no samples.
    package init?(_ samples: [Int64]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func rank(_ fraction: Double) -> Int64 {
            let index = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.min(Swift.max(index, 0), sorted.count - 1)]
        }
        count = sorted.count
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = sorted[sorted.count - 1]
    }
}
