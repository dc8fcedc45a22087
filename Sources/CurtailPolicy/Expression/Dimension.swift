/// The unit a number in an expression carries. Bare numbers are ``none`` and adopt the unit of
/// what they are combined with, so `price > 80` and `price > 80 $/MWh` mean the same, while
/// `price > 80 MW` is a type error.
public enum Dimension: UInt8, Hashable, Sendable, CustomStringConvertible {
    case none
    /// USD/MWh.
    case price
    /// MW.
    case power
    /// Hz.
    case frequency
    /// Seconds.
    case duration
    /// USD/TH/day.
    case hashPrice
    /// USD per MW per hour: what ancillary capacity is paid.
    case capacityPrice

    public var description: String {
        switch self {
        case .none: return "a plain number"
        case .price: return "USD/MWh"
        case .power: return "MW"
        case .frequency: return "Hz"
        case .duration: return "a duration"
        case .hashPrice: return "USD/TH/day"
        case .capacityPrice: return "USD/MW/h"
        }
    }

    /// The unit a unit word after a number denotes, and the factor to the base unit.
    static func unit(named word: String) -> (Dimension, Double)? {
        switch word {
        case "s", "sec": return (.duration, 1)
        case "m", "min": return (.duration, 60)
        case "h": return (.duration, 3600)
        case "d": return (.duration, 86_400)
        case "MW": return (.power, 1)
        case "kW": return (.power, 0.001)
        case "Hz": return (.frequency, 1)
        case "$/MWh", "USD/MWh": return (.price, 1)
        default: return nil
        }
    }

    /// The dimension named in a parameter declaration (`unit: $/MWh`).
    public init?(unitName: String) {
        switch unitName {
        case "", "none", "number": self = .none
        case "$/MWh", "USD/MWh": self = .price
        case "MW": self = .power
        case "Hz": self = .frequency
        case "s", "seconds", "duration": self = .duration
        case "$/TH/day", "USD/TH/day": self = .hashPrice
        case "$/MW/h", "USD/MW/h": self = .capacityPrice
        default: return nil
        }
    }

    /// Unit names accepted by ``init(unitName:)``.
    public static let unitNames = ["none", "$/MWh", "MW", "Hz", "s", "$/TH/day", "$/MW/h"]
}
