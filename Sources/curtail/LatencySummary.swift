/// Percentiles of a set of latency samples, in nanoseconds.
struct LatencySummary: Sendable, Equatable {
    var count: Int
    var p50: Int64
    var p90: Int64
    var p99: Int64
    var max: Int64

    /// Nearest-rank percentiles; `nil` for no samples.
    init?(_ samples: [Int64]) {
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
