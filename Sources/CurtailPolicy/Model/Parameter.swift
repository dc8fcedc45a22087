/// A tunable policy parameter with its allowed range. Rules and settings refer to it by name;
/// `curtail tune` searches its range.
public struct Parameter: Hashable, Sendable {
    public var name: String
    /// The default (and untuned) value.
    public var value: Double
    /// Allowed values.
    public var range: ClosedRange<Double>
    /// Search step for the tuner (`nil`: continuous).
    public var step: Double?
    /// The unit rules see.
    public var dimension: Dimension
    /// Whether only whole numbers make sense (interval counts).
    public var isInteger: Bool
    /// Whether `curtail tune` may change it (`tune: false` in the file pins it; a parameter
    /// whose range is a single value has nothing to search either).
    public var isTunable: Bool

    public init(
        name: String,
        value: Double,
        range: ClosedRange<Double>,
        step: Double? = nil,
        dimension: Dimension = .none,
        isInteger: Bool = false,
        isTunable: Bool = true
    ) {
        self.name = name
        self.value = value
        self.range = range
        self.step = step
        self.dimension = dimension
        self.isInteger = isInteger
        self.isTunable = isTunable
    }
}
