/// What `curtail tune` subtracts from a candidate's profit, as the policy declares it
/// (`tuning:` in the policy file). All zero by default: the objective is then plain profit.
public struct TuningPenalties: Hashable, Sendable {
    /// Charged per cycle: a whole group put to sleep and woken once (USD). Prices the wear and
    /// the risk of cycling that profit does not see.
    public var cycleUSD: Double
    /// Average cycles per day above which `overLimitCycleUSD` is charged per extra cycle
    /// (`nil`: no limit).
    public var maxCyclesPerDay: Double?
    /// Charged per cycle above the daily limit (USD).
    public var overLimitCycleUSD: Double
    /// Charged per grid-obligation interval the site did not meet (USD). In replay the
    /// obligations are ERCOT's official 4CP intervals (given with `--four-cp`): met when the
    /// site is asleep.
    public var unmetObligationUSD: Double

    public init(cycleUSD: Double = 0, maxCyclesPerDay: Double? = nil, overLimitCycleUSD: Double = 0, unmetObligationUSD: Double = 0) {
        self.cycleUSD = cycleUSD
        self.maxCyclesPerDay = maxCyclesPerDay
        self.overLimitCycleUSD = overLimitCycleUSD
        self.unmetObligationUSD = unmetObligationUSD
    }

    /// Whether any penalty is declared.
    public var isEmpty: Bool { cycleUSD == 0 && (maxCyclesPerDay == nil || overLimitCycleUSD == 0) && unmetObligationUSD == 0 }

    /// The penalty for `cycles` cycles over `days` days and `unmet` unmet obligation intervals (USD).
    public func penalty(cycles: Double, days: Double, unmetObligations unmet: Int) -> Double {
        var total = cycleUSD * cycles + unmetObligationUSD * Double(unmet)
        if let limit = maxCyclesPerDay {
            total += overLimitCycleUSD * max(0, cycles - limit * days)
        }
        return total
    }
}
