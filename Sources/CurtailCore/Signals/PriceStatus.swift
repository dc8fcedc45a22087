/// How settled a real-time price is.
///
/// ERCOT, for example, publishes a 5-minute SCED price while an interval runs (a provisional
/// view of it), the 15-minute settlement point price after it ends (final), and now and then a
/// correction within a few business days (corrected). Later states outrank earlier ones: a
/// final price replaces the provisional ones of its interval, a correction replaces the final.
public enum PriceStatus: String, Hashable, Sendable, CaseIterable, Comparable {
    /// A view of the interval while it runs (ERCOT: a SCED LMP).
    case provisional
    /// The settlement price of the interval.
    case final
    /// A settlement price the market operator corrected after publishing it.
    case corrected

    /// Order of precedence: provisional < final < corrected.
    public var rank: Int {
        switch self {
        case .provisional: 0
        case .final: 1
        case .corrected: 2
        }
    }

    public static func < (lhs: PriceStatus, rhs: PriceStatus) -> Bool { lhs.rank < rhs.rank }
}
