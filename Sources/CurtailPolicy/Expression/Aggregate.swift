/// A statistic of recent prices that an expression uses, e.g. `avg(price, 4h)`.
///
/// The window holds the price intervals that started within `windowSeconds` of the latest
/// one, the latest included; nothing later than the decision is ever used.
public struct Aggregate: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case average = "avg"
        case lowest = "lowest"
        case highest = "highest"
        case percentile = "percentile"
    }

    public var kind: Kind
    public var windowSeconds: Double
    /// 0...100, for ``Kind/percentile``.
    public var percentile: Double

    public init(kind: Kind, windowSeconds: Double, percentile: Double = 0) {
        self.kind = kind
        self.windowSeconds = windowSeconds
        self.percentile = percentile
    }
}
