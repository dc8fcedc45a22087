import CurtailCore

/// Sees every settled interval of a replay loop. Generic, so the tuner's observer that records
/// nothing costs nothing.
protocol IntervalObserver {
    /// One group in interval `k`: its power, average hash rate (after wake-up losses), the
    /// share of its miners woken, and miners running.
    mutating func group(_ g: Int, interval k: Int, megawatts: Double, terahash: Double, woken: Double, running: Int)
    /// The site in interval `k`, after its groups.
    mutating func interval(_ k: Int, decision: Decision, megawatts: Double, profit: Double)
}

/// Records nothing.
struct NoObserver: IntervalObserver {
    @inline(__always)
    func group(_ g: Int, interval k: Int, megawatts: Double, terahash: Double, woken: Double, running: Int) {}
    @inline(__always)
    func interval(_ k: Int, decision: Decision, megawatts: Double, profit: Double) {}
}
