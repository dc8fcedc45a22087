import CurtailCore
public import CurtailReplay

/// One candidate's result on one window.
public struct CandidateScore: Hashable, Sendable {
    /// Every parameter's value, in policy order.
    public var values: [Double]
    /// What the policy did with them.
    public var ledger: PolicyLedger
    /// Penalties declared in the policy (USD).
    public var penaltyUSD: Double
    /// Days and intervals settled.
    public var days: Double
    public var intervals: Int

    public init(values: [Double], ledger: PolicyLedger, penaltyUSD: Double, days: Double, intervals: Int) {
        self.values = values
        self.ledger = ledger
        self.penaltyUSD = penaltyUSD
        self.days = days
        self.intervals = intervals
    }

    /// What the search maximises: profit minus penalties (USD).
    public var objective: Double { ledger.totals.profitUSD - penaltyUSD }

    /// Profit (USD).
    public var profitUSD: Double { ledger.totals.profitUSD }
}
