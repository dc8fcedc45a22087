public import CurtailCore

/// The names an expression can read. Each tick the engine fills their values from the
/// decision input; values that are unknown (no day-ahead price, no frequency reading) are NaN,
/// and every comparison with NaN is false.
public enum Variable: Int, CaseIterable, Hashable, Sendable {
    case price, rtPrice, daPrice, priceAge, hashPrice, breakEvenMax, breakEvenMin
    case hour, minute, weekday, month, day
    case eea, frequency, cpProbability, cpAlert, eventActive, eventCapMW
    case siteMW, measuredMW, maxImportMW, nameplateMW
    case rrsPrice, ecrsPrice, nonSpinPrice, regulationUpPrice, awardedMW

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
        case .rrsPrice: return "rrs_price"
        case .ecrsPrice: return "ecrs_price"
        case .nonSpinPrice: return "nspin_price"
        case .regulationUpPrice: return "regup_price"
        case .awardedMW: return "awarded_mw"
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
        case .eventCapMW, .siteMW, .measuredMW, .maxImportMW, .nameplateMW, .awardedMW: return .number(.power)
        case .rrsPrice, .ecrsPrice, .nonSpinPrice, .regulationUpPrice: return .number(.capacityPrice)
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
        case .rrsPrice: return "RRS clearing price of the hour, USD/MW/h (in an offer: the same hour the day before; NaN when unknown)"
        case .ecrsPrice: return "ECRS clearing price of the hour, USD/MW/h (in an offer: the same hour the day before; NaN when unknown)"
        case .nonSpinPrice: return "Non-Spin clearing price of the hour, USD/MW/h (in an offer: the same hour the day before; NaN when unknown)"
        case .regulationUpPrice: return "Reg-Up clearing price of the hour, USD/MW/h (in an offer: the same hour the day before; NaN when unknown)"
        case .awardedMW: return "ancillary capacity awarded for the current hour, all products, MW (0 when none)"
        }
    }

    /// Whether the variable needs market-local time.
    var needsLocalTime: Bool {
        switch self {
        case .hour, .minute, .weekday, .month, .day: return true
        default: return false
        }
    }

    /// The clearing-price variable of a product.
    public static func clearingPrice(of product: AncillaryProduct) -> Variable {
        switch product {
        case .rrs: return .rrsPrice
        case .ecrs: return .ecrsPrice
        case .nonSpin: return .nonSpinPrice
        case .regulationUp: return .regulationUpPrice
        }
    }

    /// Whether an ancillary offer may read it: offers are made the day before, so only what is
    /// known then (prices of the day before, hash price, calendar, site constants, parameters).
    public var isKnownDayAhead: Bool {
        switch self {
        case .daPrice, .hashPrice, .breakEvenMax, .breakEvenMin, .hour, .weekday, .month, .day, .maxImportMW, .nameplateMW,
            .rrsPrice, .ecrsPrice, .nonSpinPrice, .regulationUpPrice:
            return true
        default:
            return false
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
