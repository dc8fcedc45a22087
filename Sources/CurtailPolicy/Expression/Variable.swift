/// The names an expression can read. Each tick the engine fills their values from the
/// decision input; values that are unknown (no day-ahead price, no frequency reading) are NaN,
/// and every comparison with NaN is false.
public enum Variable: Int, CaseIterable, Hashable, Sendable {
    case price, rtPrice, daPrice, priceAge, hashPrice, breakEvenMax, breakEvenMin
    case hour, minute, weekday, month, day
    case eea, frequency, cpProbability, cpAlert, eventActive, eventCapMW
    case siteMW, measuredMW, maxImportMW, nameplateMW

    /// The name used in expressions.
    public var name: String {
        switch self {
        case .price: return "price"
        case .rtPrice: return "rt_price"
        case .daPrice: return "da_price"
        case .priceAge: return "price_age"
        case .hashPrice: return "hashprice"
        case .breakEvenMax: return "breakeven_max"
        case .breakEvenMin: return "breakeven_min"
        case .hour: return "hour"
        case .minute: return "minute"
        case .weekday: return "weekday"
        case .month: return "month"
        case .day: return "day"
        case .eea: return "eea"
        case .frequency: return "frequency"
        case .cpProbability: return "cp_probability"
        case .cpAlert: return "cp_alert"
        case .eventActive: return "event_active"
        case .eventCapMW: return "event_cap_mw"
        case .siteMW: return "site_mw"
        case .measuredMW: return "measured_mw"
        case .maxImportMW: return "max_import_mw"
        case .nameplateMW: return "nameplate_mw"
        }
    }

    /// The value's type.
    public var type: ExpressionType {
        switch self {
        case .price, .rtPrice, .daPrice, .breakEvenMax, .breakEvenMin: return .number(.price)
        case .priceAge: return .number(.duration)
        case .hashPrice: return .number(.hashPrice)
        case .hour, .minute, .weekday, .month, .day, .eea, .cpProbability: return .number(.none)
        case .frequency: return .number(.frequency)
        case .cpAlert, .eventActive: return .boolean
        case .eventCapMW, .siteMW, .measuredMW, .maxImportMW, .nameplateMW: return .number(.power)
        }
    }

    /// One line for the documentation and error hints.
    public var summary: String {
        switch self {
        case .price: return "the price the policy reacts to (real-time or day-ahead, plus energy adders), USD/MWh"
        case .rtPrice: return "latest real-time price, USD/MWh"
        case .daPrice: return "day-ahead price of the current hour, USD/MWh (NaN when unknown)"
        case .priceAge: return "time since the latest real-time price was published"
        case .hashPrice: return "hash price, USD/TH/day"
        case .breakEvenMax: return "nameplate break-even of the most efficient group, USD/MWh"
        case .breakEvenMin: return "nameplate break-even of the least efficient group, USD/MWh"
        case .hour: return "hour in market-local time, 0–23"
        case .minute: return "minute, 0–59"
        case .weekday: return "ISO weekday in market-local time, 1 = mon … 7 = sun"
        case .month: return "month in market-local time, 1–12"
        case .day: return "day of month in market-local time"
        case .eea: return "ERCOT Energy Emergency Alert level, 0–3"
        case .frequency: return "grid frequency, Hz (NaN when unknown)"
        case .cpProbability: return "probability of the active coincident-peak (4CP) alert, 0–1 (0 when none)"
        case .cpAlert: return "true while a coincident-peak (4CP) alert window is active"
        case .eventActive: return "true while any grid event (ERS, ECRS, …) is active"
        case .eventCapMW: return "tightest site load allowed by active grid events, MW (infinite when none)"
        case .siteMW: return "site target of the previous decision, MW"
        case .measuredMW: return "measured site load, MW (NaN when unknown)"
        case .maxImportMW: return "site maximum import, MW"
        case .nameplateMW: return "site load with every miner at nameplate, MW"
        }
    }

    /// Whether the variable needs market-local time.
    var needsLocalTime: Bool {
        switch self {
        case .hour, .minute, .weekday, .month, .day: return true
        default: return false
        }
    }

    static let byName: [String: Variable] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

    /// Weekday constants: `mon` = 1 … `sun` = 7.
    static let constants: [String: Double] = [
        "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7,
    ]
}

/// The type of an expression.
public enum ExpressionType: Hashable, Sendable, CustomStringConvertible {
    case number(Dimension)
    case boolean
    case string
    /// The price series, only as the first argument of window functions.
    case series

    public var description: String {
        switch self {
        case .number(let dimension): return dimension == .none ? "a number" : "a number in \(dimension)"
        case .boolean: return "true/false"
        case .string: return "a string"
        case .series: return "the price series"
        }
    }
}
