/// A physical or economic quantity stored as a `Double` in one fixed unit.
///
/// Each unit is its own type, so a price in USD/MWh cannot be passed where watts are expected.
/// Arithmetic within one type is provided here; conversions between types are explicit
/// functions on the types that take part (for example ``Watts/megawatts``).
public protocol Quantity: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The value in the type's unit (see ``symbol``).
    var value: Double { get }
    /// Creates the quantity from a value in the type's unit.
    init(_ value: Double)
    /// The unit as it is printed, for example `"W"` or `"USD/MWh"`.
    static var symbol: String { get }
}

extension Quantity {
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
    public static func + (lhs: Self, rhs: Self) -> Self { Self(lhs.value + rhs.value) }
    public static func - (lhs: Self, rhs: Self) -> Self { Self(lhs.value - rhs.value) }
    public static func * (lhs: Self, rhs: Double) -> Self { Self(lhs.value * rhs) }
    public static func * (lhs: Double, rhs: Self) -> Self { Self(lhs * rhs.value) }
    public static func / (lhs: Self, rhs: Double) -> Self { Self(lhs.value / rhs) }
    /// The dimensionless ratio of two quantities of the same unit.
    public static func / (lhs: Self, rhs: Self) -> Double { lhs.value / rhs.value }
    public static prefix func - (operand: Self) -> Self { Self(-operand.value) }
    /// Zero in this unit.
    public static var zero: Self { Self(0) }
    /// Whether the value is a finite number.
    public var isFinite: Bool { value.isFinite }
    public var description: String { "\(value) \(Self.symbol)" }
}
