/// Faults a fake miner injects, each at a rate per request (0...1), drawn from a seeded generator.
public struct FakeMinerFaults: Hashable, Sendable {
    /// The connection is accepted and closed at once, nothing answered.
    public var unreachable: Double
    /// The answer comes after ``slowSeconds``.
    public var slow: Double
    public var slowSeconds: Double
    /// The answer is garbage (truncated JSON).
    public var garbage: Double
    /// A write is answered "OK" and not applied (a lying miner).
    public var notApplied: Double
    /// Hang: the connection stays open and nothing is ever answered.
    public var hang: Double
    /// Refuse power targets outside the model's limits (as firmware does) instead of clamping.
    public var refuseOutOfRange: Bool

    public init(
        unreachable: Double = 0,
        slow: Double = 0,
        slowSeconds: Double = 3,
        garbage: Double = 0,
        notApplied: Double = 0,
        hang: Double = 0,
        refuseOutOfRange: Bool = true
    ) {
        self.unreachable = unreachable
        self.slow = slow
        self.slowSeconds = slowSeconds
        self.garbage = garbage
        self.notApplied = notApplied
        self.hang = hang
        self.refuseOutOfRange = refuseOutOfRange
    }

    /// No faults.
    public static let none = FakeMinerFaults()
}
