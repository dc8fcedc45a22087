/// What one interval of load costs and earns, interval by interval: the common input of the
/// replay ledger and the oracle, so both settle identically.
///
/// All arrays have one element per interval of the window. Nothing here is a forecast: these
/// are the settled values, known only after the fact.
public struct SettlementSeries: Sendable {
    /// Length of one interval in seconds (900 for ERCOT real-time).
    public var intervalSeconds: Double
    /// Energy price charged per MWh, market price plus adders (USD/MWh).
    public var energyPrice: [Double]
    /// What one TH/s of hash rate earns over the interval, after the pool fee (USD).
    public var revenuePerTerahash: [Double]
    /// Transmission charge per MW of load held through the interval (USD/MW): non-zero in the
    /// year's 4CP intervals, where it is a quarter of the annual $/kW-year rate × 1000.
    public var transmissionPerMW: [Double]
    /// Indices where history restarts after a gap in the data (always starts with 0): the
    /// controller and the oracle start afresh there, and nothing is settled across the gap.
    public var segmentStarts: [Int]

    public init(
        intervalSeconds: Double,
        energyPrice: [Double],
        revenuePerTerahash: [Double],
        transmissionPerMW: [Double]? = nil,
        segmentStarts: [Int] = [0]
    ) {
        precondition(energyPrice.count == revenuePerTerahash.count, "one revenue figure per price")
        self.intervalSeconds = intervalSeconds
        self.energyPrice = energyPrice
        self.revenuePerTerahash = revenuePerTerahash
        self.transmissionPerMW = transmissionPerMW ?? Array(repeating: 0, count: energyPrice.count)
        self.segmentStarts = segmentStarts.isEmpty || segmentStarts[0] != 0 ? [0] + segmentStarts : segmentStarts
    }

    /// Number of intervals.
    public var count: Int { energyPrice.count }

    /// Interval length in hours.
    public var intervalHours: Double { intervalSeconds / 3600 }

    /// The contiguous runs of intervals, from ``segmentStarts``.
    public var segments: [Range<Int>] {
        var result: [Range<Int>] = []
        for (index, start) in segmentStarts.enumerated() where start < count {
            let end = index + 1 < segmentStarts.count ? min(segmentStarts[index + 1], count) : count
            if end > start { result.append(start..<end) }
        }
        return result
    }

    /// Energy cost of holding `megawatts` through interval `t` (energy and transmission), USD.
    @inline(__always)
    public func cost(megawatts: Double, at t: Int) -> Double {
        megawatts * (energyPrice[t] * intervalHours + transmissionPerMW[t])
    }
}
