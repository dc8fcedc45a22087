/// Hysteresis and pricing settings of a dispatcher, from the policy.
public struct DispatchSettings: Hashable, Sendable {
    /// Pool fee, a fraction in `[0, 1)`.
    public var poolFee: Double
    /// Price band (USD/MWh): a running step switches off only above break-even + band, a
    /// sleeping step switches on only below break-even − band.
    public var priceBand: Double
    /// Consecutive price intervals a reduction must be wanted before it is made.
    public var confirmIntervalsDown: Int
    /// Consecutive price intervals an increase must be wanted before it is made.
    public var confirmIntervalsUp: Int
    /// Minimum time a miner stays on once switched on (seconds), unless a group overrides it.
    public var minimumOnSeconds: Double
    /// Minimum time a miner stays off once switched off (seconds), unless a group overrides it.
    public var minimumOffSeconds: Double

    public init(
        poolFee: Double = 0,
        priceBand: Double = 0,
        confirmIntervalsDown: Int = 1,
        confirmIntervalsUp: Int = 1,
        minimumOnSeconds: Double = 0,
        minimumOffSeconds: Double = 0
    ) {
        self.poolFee = poolFee
        self.priceBand = priceBand
        self.confirmIntervalsDown = confirmIntervalsDown
        self.confirmIntervalsUp = confirmIntervalsUp
        self.minimumOnSeconds = minimumOnSeconds
        self.minimumOffSeconds = minimumOffSeconds
    }
}
